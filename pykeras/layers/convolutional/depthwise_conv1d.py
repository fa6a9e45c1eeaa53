"""DepthwiseConv1D: one spatial filter (or several) per input channel."""

from __future__ import annotations

from pykeras.layers.convolutional.base_depthwise_conv import BaseDepthwiseConv


class DepthwiseConv1D(BaseDepthwiseConv):
    """1D depthwise convolution layer.

    Each input channel is convolved with `depth_multiplier` filters of its
    own; the outputs are stacked, channel `c * depth_multiplier + m` coming
    from input channel `c`.

    Args:
        kernel_size: an int or a 1-tuple, the window size.
        strides: an int or a 1-tuple (default 1).
        padding: "valid" (default) or "same".
        depth_multiplier: the number of filters per input channel.
        data_format: "channels_last" (default) or "channels_first".
        dilation_rate: an int or a 1-tuple (default 1).
        activation, use_bias: as in Conv1D.
        depthwise_initializer, depthwise_regularizer, depthwise_constraint:
            for the kernel (named "kernel", as in Keras).
        bias_initializer, bias_regularizer, bias_constraint: for the bias.

    Example:

    >>> DepthwiseConv1D(3, depth_multiplier=2)(np.ones((1, 8, 4))).shape
    (1, 6, 8)
    """

    rank = 1
