"""DepthwiseConv2D: one spatial filter (or several) per input channel."""

from __future__ import annotations

from pykeras.layers.convolutional.base_depthwise_conv import BaseDepthwiseConv


class DepthwiseConv2D(BaseDepthwiseConv):
    """2D depthwise convolution layer.

    Each input channel is convolved with `depth_multiplier` filters of its
    own; the outputs are stacked, channel `c * depth_multiplier + m` coming
    from input channel `c`.

    Args:
        kernel_size: an int or a 2-tuple, the window size.
        strides: an int or a 2-tuple (default 1).
        padding: "valid" (default) or "same".
        depth_multiplier: the number of filters per input channel.
        data_format: "channels_last" (default) or "channels_first".
        dilation_rate: an int or a 2-tuple (default 1).
        activation, use_bias: as in Conv2D.
        depthwise_initializer, depthwise_regularizer, depthwise_constraint:
            for the kernel (named "kernel", as in Keras).
        bias_initializer, bias_regularizer, bias_constraint: for the bias.

    Example:

    >>> DepthwiseConv2D(3, padding="same")(np.ones((1, 8, 8, 4))).shape
    (1, 8, 8, 4)
    """

    rank = 2
