"""SeparableConv2D: a depthwise convolution followed by a pointwise one."""

from __future__ import annotations

from pykeras.layers.convolutional.base_separable_conv import BaseSeparableConv


class SeparableConv2D(BaseSeparableConv):
    """2D separable convolution layer.

    A depthwise convolution (each input channel filtered on its own) then a
    1x1 convolution mixing the channels: fewer weights than a full
    convolution of the same window.

    Args:
        filters: the number of output channels.
        kernel_size: an int or a 2-tuple, the depthwise window size.
        strides: an int or a 2-tuple (default 1).
        padding: "valid" (default) or "same".
        data_format: "channels_last" (default) or "channels_first".
        dilation_rate: an int or a 2-tuple (default 1).
        depth_multiplier: depthwise filters per input channel.
        activation, use_bias: as in Conv2D.
        depthwise_*, pointwise_*, bias_*: initializers, regularizers and
            constraints of the three weights.

    Example:

    >>> SeparableConv2D(16, 3)(np.ones((1, 8, 8, 4))).shape
    (1, 6, 6, 16)
    """

    rank = 2
