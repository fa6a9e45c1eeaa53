"""The base of Conv1DTranspose, Conv2DTranspose and Conv3DTranspose."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from pykeras import activations, constraints, initializers, regularizers
from pykeras.layers.convolutional import _conv_nd
from pykeras.layers.convolutional._conv_args import (
    check_channels,
    data_format_arg,
    join_shape,
    padding_arg,
    split_shape,
    transpose_output_length,
    window_args,
)
from pykeras.layers.input_spec import InputSpec
from pykeras.layers.layer import Layer
from pykeras.layers.validation import int_tuple, positive_int
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.constraints import ConstraintLike
    from pykeras.initializers.initializer import InitializerLike
    from pykeras.regularizers import RegularizerLike


class BaseConvTranspose(Layer):
    """Transposed N-D convolution (N = 1, 2 or 3): the gradient of a
    convolution with respect to its input, computed as Keras on JAX does.

    The kernel has shape `kernel_size + (filters, in_channels)`, as in Keras.
    """

    rank: ClassVar[int]
    # Set by `window_args`.
    kernel_size: tuple[int, ...]
    strides: tuple[int, ...]
    dilation_rate: tuple[int, ...]

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: Any = "valid",
        output_padding: Any = None,
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
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
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = positive_int(filters, "filters", self.name)
        window_args(self, self.rank, kernel_size, strides, dilation_rate)
        self.padding = padding_arg(padding, self.name)
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = int_tuple(
                output_padding, self.rank, "output_padding", self.name, allow_zero=True
            )
            for pad, stride in zip(self.output_padding, self.strides):
                if pad >= stride:
                    raise ValueError(
                        f"Layer '{self.name}': strides must be greater than output padding. "
                        f"Received strides={self.strides}, "
                        f"output_padding={self.output_padding}."
                    )
        self.data_format = data_format_arg(data_format, self.name)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def build(self, input_shape: Any) -> None:
        _, spatial, channels = split_shape(input_shape, self.data_format)
        check_channels(self, channels, input_shape)
        if any(s is None for s in spatial):
            raise ValueError(
                f"Layer '{self.name}' needs known spatial sizes (the zero insertion of a "
                f"transposed convolution is planned before it runs). Received: "
                f"input_shape={tuple(input_shape)}"
            )
        self.kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, channels),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )
        axis = 1 if self.data_format == "channels_first" else -1
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: channels})
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> Any:
        batch, spatial, _ = split_shape(input_shape, self.data_format)
        pads = self.output_padding or (None,) * self.rank
        out = [
            transpose_output_length(length, k, s, d, self.padding, p)
            for length, k, s, d, p in zip(
                spatial, self.kernel_size, self.strides, self.dilation_rate, pads
            )
        ]
        return join_shape(batch, out, self.filters, self.data_format)

    def call(self, inputs: Any) -> Any:
        x = _conv_nd.to_channels_last(inputs, self.rank, self.data_format)
        x = _conv_nd.conv_transpose(
            x,
            self.kernel,
            self.strides,
            self.padding,
            None if self.output_padding is None else list(self.output_padding),
            self.dilation_rate,
        )
        if self.use_bias:
            assert self.bias is not None
            x = run("bias_add", [x, self.bias])
        return self.activation(_conv_nd.from_channels_last(x, self.rank, self.data_format))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": list(self.kernel_size),
                "strides": list(self.strides),
                "padding": self.padding,
                "output_padding": (
                    None if self.output_padding is None else list(self.output_padding)
                ),
                "data_format": self.data_format,
                "dilation_rate": list(self.dilation_rate),
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
            }
        )
        return config
