"""The base of DepthwiseConv1D and DepthwiseConv2D."""

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


class BaseDepthwiseConv(Layer):
    """Depthwise N-D convolution: each input channel is convolved with its
    own `depth_multiplier` filters; the kernel (named "kernel", as in Keras)
    has shape `kernel_size + (in_channels, depth_multiplier)`."""

    rank: ClassVar[int]
    # Set by `window_args`.
    kernel_size: tuple[int, ...]
    strides: tuple[int, ...]
    dilation_rate: tuple[int, ...]

    def __init__(
        self,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: Any = "valid",
        depth_multiplier: int = 1,
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
        activation: str | Callable[..., Any] | None = None,
        use_bias: bool = True,
        depthwise_initializer: InitializerLike = "glorot_uniform",
        bias_initializer: InitializerLike = "zeros",
        depthwise_regularizer: RegularizerLike = None,
        bias_regularizer: RegularizerLike = None,
        activity_regularizer: RegularizerLike = None,
        depthwise_constraint: ConstraintLike = None,
        bias_constraint: ConstraintLike = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier", self.name)
        window_args(self, self.rank, kernel_size, strides, dilation_rate)
        self.padding = padding_arg(padding, self.name)
        self.data_format = data_format_arg(data_format, self.name)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def build(self, input_shape: Any) -> None:
        _, spatial, channels = split_shape(input_shape, self.data_format)
        check_channels(self, channels, input_shape)
        windows = [(k - 1) * d + 1 for k, d in zip(self.kernel_size, self.dilation_rate)]
        check_fits(self, input_shape, windows, self.padding)
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
            name="kernel",
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(channels * self.depth_multiplier,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )
        axis = 1 if self.data_format == "channels_first" else -1
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: channels})
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> Any:
        batch, spatial, channels = split_shape(input_shape, self.data_format)
        out = [
            conv_output_length(length, k, s, d, self.padding)
            for length, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)
        ]
        filters = None if channels is None else channels * self.depth_multiplier
        return join_shape(batch, out, filters, self.data_format)

    def call(self, inputs: Any) -> Any:
        x = _conv_nd.to_channels_last(inputs, self.rank, self.data_format)
        x = _conv_nd.depthwise(x, self.kernel, self.strides, self.padding, self.dilation_rate)
        if self.use_bias:
            assert self.bias is not None
            x = run("bias_add", [x, self.bias])
        return self.activation(_conv_nd.from_channels_last(x, self.rank, self.data_format))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "depth_multiplier": self.depth_multiplier,
                "kernel_size": list(self.kernel_size),
                "strides": list(self.strides),
                "padding": self.padding,
                "data_format": self.data_format,
                "dilation_rate": list(self.dilation_rate),
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
            }
        )
        return config
