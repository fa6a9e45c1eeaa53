"""The base of Conv1D, Conv2D and Conv3D: convolution, bias, activation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from pykeras import activations, constraints, initializers, regularizers
from pykeras.layers.convolutional import _conv_nd
from pykeras.layers.convolutional._conv_args import (
    check_channels,
    check_fits,
    conv_output_length,
    data_format_arg,
    join_shape,
    padding_arg,
    split_shape,
    window_args,
)
from pykeras.layers.input_spec import InputSpec
from pykeras.layers.layer import Layer
from pykeras.layers.validation import positive_int
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.constraints import ConstraintLike
    from pykeras.initializers.initializer import InitializerLike
    from pykeras.regularizers import RegularizerLike

__all__ = ["BaseConv", "conv_output_length"]


class BaseConv(Layer):
    """N-D convolution (N = 1, 2 or 3), channels last or first, with groups."""

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
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
        groups: int = 1,
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
        self.padding = padding_arg(padding, self.name, allow_causal=self.rank == 1)
        self.data_format = data_format_arg(data_format, self.name)
        self.groups = positive_int(groups, "groups", self.name)
        if self.filters % self.groups:
            raise ValueError(
                f"Layer '{self.name}': the number of filters must be evenly divisible by the "
                f"number of groups. Received: groups={groups}, filters={filters}"
            )
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
        _, _, channels = split_shape(input_shape, self.data_format)
        check_channels(self, channels, input_shape)
        if channels % self.groups:
            raise ValueError(
                f"Layer '{self.name}': the number of input channels must be evenly divisible "
                f"by the number of groups. Received groups={self.groups}, but the input has "
                f"{channels} channels (full input shape is {tuple(input_shape)})."
            )
        windows = [(k - 1) * d + 1 for k, d in zip(self.kernel_size, self.dilation_rate)]
        check_fits(self, input_shape, windows, self.padding)
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels // self.groups, self.filters),
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
        out = [
            conv_output_length(length, k, s, d, self.padding)
            for length, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)
        ]
        return join_shape(batch, out, self.filters, self.data_format)

    def call(self, inputs: Any) -> Any:
        x = _conv_nd.to_channels_last(inputs, self.rank, self.data_format)
        x = _conv_nd.conv(
            x, self.kernel, self.strides, self.padding, self.dilation_rate, self.groups
        )
        if self.use_bias:
            assert self.bias is not None
            x = run("bias_add", [x, self.bias])
        # After the transpose back: an activation over an axis (softmax) sees Keras's axes.
        return self.activation(_conv_nd.from_channels_last(x, self.rank, self.data_format))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": list(self.kernel_size),
                "strides": list(self.strides),
                "padding": self.padding,
                "data_format": self.data_format,
                "dilation_rate": list(self.dilation_rate),
                "groups": self.groups,
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
