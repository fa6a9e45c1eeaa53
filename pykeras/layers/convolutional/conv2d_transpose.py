"""Conv2DTranspose: the transposed (image) convolution, for upsampling."""

from __future__ import annotations

from pykeras.layers.convolutional.base_conv_transpose import BaseConvTranspose


class Conv2DTranspose(BaseConvTranspose):
    """2D transposed convolution layer (sometimes called deconvolution).

    Args:
        filters: the number of output channels.
        kernel_size: an int or a 2-tuple, the window size.
        strides: an int or a 2-tuple (default 1), the upsampling factor.
        padding: "valid" (default) or "same".
        output_padding: None (inferred) or an int or 2-tuple, each lower than
            the stride, added to one side of the output.
        data_format: "channels_last" (default) or "channels_first".
        dilation_rate: an int or a 2-tuple (default 1).
        activation, use_bias, *_initializer, *_regularizer, *_constraint: as in Dense.

    Example:

    >>> Conv2DTranspose(8, 3, strides=2, padding="same")(np.ones((1, 7, 7, 4))).shape
    (1, 14, 14, 8)
    """

    rank = 2
