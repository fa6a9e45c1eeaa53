"""Conv2D: spatial convolution over `(batch, height, width, channels)` images."""

from __future__ import annotations

from pykeras.layers.convolutional.base_conv import BaseConv


class Conv2D(BaseConv):
    """2D convolution layer (e.g. spatial convolution over images).

    Args:
        filters: the number of output channels.
        kernel_size: an int or a pair, the window height and width.
        strides: an int or a pair (default 1).
        padding: "valid" (default), "same".
        data_format: "channels_last" (default) or "channels_first".
        groups: split the channels into this many independent convolutions.
        dilation_rate: an int or a pair (default 1).
        activation, use_bias, *_initializer, *_regularizer, *_constraint: as in Dense.

    Example:

    >>> Conv2D(32, 3, padding="same", activation="relu")(np.ones((1, 28, 28, 1))).shape
    (1, 28, 28, 32)
    """

    rank = 2
