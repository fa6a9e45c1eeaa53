"""Conv3D: convolution over volumes `(batch, depth, height, width, channels)`."""

from __future__ import annotations

from pykeras.layers.convolutional.base_conv import BaseConv


class Conv3D(BaseConv):
    """3D convolution layer (e.g. spatial convolution over volumes).

    The kernel has shape `kernel_size + (in_channels // groups, filters)`, as
    in Keras.

    Args:
        filters: the number of output channels.
        kernel_size: an int or a 3-tuple, the window depth, height and width.
        strides: an int or a 3-tuple (default 1).
        padding: "valid" (default) or "same".
        data_format: "channels_last" (default) or "channels_first".
        dilation_rate: an int or a 3-tuple (default 1).
        groups: split the channels into this many independent convolutions.
        activation, use_bias, *_initializer, *_regularizer, *_constraint: as in Dense.

    Example:

    >>> Conv3D(2, 3)(np.ones((1, 5, 5, 5, 1))).shape
    (1, 3, 3, 3, 2)
    """

    rank = 3
