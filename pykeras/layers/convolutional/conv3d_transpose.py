"""Conv3DTranspose: the transposed (volume) convolution, for upsampling."""

from pykeras.layers.convolutional.base_conv_transpose import BaseConvTranspose


class Conv3DTranspose(BaseConvTranspose):
    """3D transposed convolution layer (sometimes called deconvolution).

    Args:
        filters: the number of output channels.
        kernel_size: an int or a 3-tuple, the window size.
        strides: an int or a 3-tuple (default 1), the upsampling factor.
        padding: "valid" (default) or "same".
        output_padding: None (inferred) or an int or 3-tuple, each lower than
            the stride, added to one side of the output.
        data_format: "channels_last" (default) or "channels_first".
        dilation_rate: an int or a 3-tuple (default 1).
        activation, use_bias, *_initializer, *_regularizer, *_constraint: as in Dense.

    Example:

    >>> Conv3DTranspose(2, 2, strides=2)(np.ones((1, 3, 3, 3, 1))).shape
    (1, 6, 6, 6, 2)
    """

    rank = 3

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1, 1),
        padding="valid",
        data_format=None,
        output_padding=None,
        dilation_rate=(1, 1, 1),
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        # Keras's argument order here has data_format before output_padding.
        super().__init__(
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            output_padding=output_padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )
