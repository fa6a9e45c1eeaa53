"""Conv1D: temporal convolution over `(batch, steps, channels)` inputs."""

from __future__ import annotations

from pykeras.layers.convolutional.base_conv import BaseConv


class Conv1D(BaseConv):
    """1D convolution layer (e.g. temporal convolution).

    Args:
        filters: the number of output channels.
        kernel_size: an int or a 1-tuple, the window length.
        strides: an int or a 1-tuple (default 1).
        padding: "valid" (default), "same" or "causal" (output t sees inputs up to t).
        data_format: "channels_last" (default) or "channels_first".
        groups: split the channels into this many independent convolutions.
        dilation_rate: an int or a 1-tuple (default 1).
        activation, use_bias, *_initializer, *_regularizer, *_constraint: as in Dense.

    Example:

    >>> Conv1D(4, 3)(np.ones((2, 10, 3))).shape
    (2, 8, 4)
    """

    rank = 1
