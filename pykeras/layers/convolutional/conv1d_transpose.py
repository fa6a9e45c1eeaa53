"""Conv1DTranspose: the transposed (temporal) convolution, for upsampling."""

from __future__ import annotations

from pykeras.layers.convolutional.base_conv_transpose import BaseConvTranspose


class Conv1DTranspose(BaseConvTranspose):
    """1D transposed convolution layer (sometimes called deconvolution).

    Args:
        filters: the number of output channels.
        kernel_size: an int or a 1-tuple, the window size.
        strides: an int or a 1-tuple (default 1), the upsampling factor.
        padding: "valid" (default) or "same".
        output_padding: None (inferred) or an int or 1-tuple, each lower than
            the stride, added to one side of the output.
        data_format: "channels_last" (default) or "channels_first".
        dilation_rate: an int or a 1-tuple (default 1).
        activation, use_bias, *_initializer, *_regularizer, *_constraint: as in Dense.

    Example:

    >>> Conv1DTranspose(4, 3, strides=2)(np.ones((1, 5, 2))).shape
    (1, 11, 4)
    """

    rank = 1
