"""Conv3DTranspose: the transposed (volume) convolution, for upsampling."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from pykeras.layers.convolutional.base_conv_transpose import BaseConvTranspose

if TYPE_CHECKING:
    from pykeras.constraints import ConstraintLike
    from pykeras.initializers.initializer import InitializerLike
    from pykeras.regularizers import RegularizerLike


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
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = (1, 1, 1),
        padding: Any = "valid",
        data_format: str | None = None,
        output_padding: Any = None,
        dilation_rate: int | Sequence[int] = (1, 1, 1),
        activation: str | Callable[..., Any] | None = None,
        use_bias: bool = True,
        kernel_initializer: InitializerLike = "glorot_uniform",
        bias_initializer: InitializerLike = "zeros",
        kernel_regularizer: RegularizerLike = None,
        bias_regularizer: RegularizerLike = None,
        activity_regularizer: RegularizerLike = None,
        kernel_constraint: ConstraintLike = None,
        bias_constraint: ConstraintLike = None,
        **kwargs: Any,
    ) -> None:
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
