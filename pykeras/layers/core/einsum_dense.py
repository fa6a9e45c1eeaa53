"""EinsumDense: a dense layer of any dimensionality, computed by `einsum`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras import activations, constraints, initializers, ops, regularizers
from pykeras.errors import InvalidArgumentError
from pykeras.initializers.random_initializers import VarianceScaling
from pykeras.layers.core.einsum_equation import analyze
from pykeras.layers.input_spec import InputSpec
from pykeras.layers.layer import Layer

if TYPE_CHECKING:
    from pykeras.constraints import ConstraintLike
    from pykeras.initializers.initializer import InitializerLike
    from pykeras.regularizers import RegularizerLike


class EinsumDense(Layer):
    """A layer that uses `einsum` as the backing computation.

    This layer can perform einsum calculations of arbitrary dimensionality.

    Args:
        equation: An equation describing the einsum to perform, of the form
            `ab,bc->ac`, `...ab,bc->...ac` or `ab...,bc->ac...`.
        output_shape: The expected shape of the output tensor (excluding the
            batch dimension and any dimensions represented by ellipses). You
            can specify `None` for any dimension that is unknown or can be
            inferred from the input shape.
        activation: Activation function to use (None: linear).
        bias_axes: A string containing the output dimension(s) to apply a
            bias to; each character must be in the output of `equation`.
        kernel_initializer: Initializer for the `kernel` weights matrix.
        bias_initializer: Initializer for the bias vector.
        kernel_regularizer: Regularizer function applied to the `kernel`.
        bias_regularizer: Regularizer function applied to the bias.
        kernel_constraint: Constraint function applied to the `kernel`.
        bias_constraint: Constraint function applied to the bias.
        lora_rank, lora_alpha, gptq_unpacked_column_size, quantization_config:
            Keras's LoRA and quantization options; pykeras accepts only their
            defaults (None) and raises otherwise.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Example:

    >>> layer = EinsumDense("ab,bc->ac", output_shape=64, bias_axes="c")
    >>> layer(np.ones((2, 32))).shape
    (2, 64)
    >>> EinsumDense("abc,cde->abde", output_shape=(None, 2, 16))(np.ones((2, 5, 8))).shape
    (2, 5, 2, 16)
    """

    def __init__(
        self,
        equation: str,
        output_shape: Any,
        activation: str | Callable[..., Any] | None = None,
        bias_axes: str | None = None,
        kernel_initializer: InitializerLike = "glorot_uniform",
        bias_initializer: InitializerLike = "zeros",
        kernel_regularizer: RegularizerLike = None,
        bias_regularizer: RegularizerLike = None,
        kernel_constraint: ConstraintLike = None,
        bias_constraint: ConstraintLike = None,
        lora_rank: int | None = None,
        lora_alpha: float | None = None,
        gptq_unpacked_column_size: int | None = None,
        quantization_config: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        for arg, value in (
            ("lora_rank", lora_rank),
            ("lora_alpha", lora_alpha),
            ("gptq_unpacked_column_size", gptq_unpacked_column_size),
            ("quantization_config", quantization_config),
        ):
            if value is not None:
                # Quietly ignoring them would compute another function.
                raise InvalidArgumentError(
                    f"Layer '{self.name}' does not support LoRA or quantization. "
                    f"Received: {arg}={value!r}"
                )
        self.equation = equation
        if isinstance(output_shape, int):
            self.partial_output_shape = (output_shape,)
        else:
            self.partial_output_shape = tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape: Any) -> None:
        shapes = analyze(
            self.name, self.equation, self.bias_axes, input_shape, self.partial_output_shape
        )
        self.input_spec = InputSpec(ndim=len(input_shape))
        self._kernel = self.add_weight(
            name="kernel",
            shape=shapes.kernel,
            initializer=self._kernel_init(shapes),
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if shapes.bias is not None:
            self.bias = self.add_weight(
                name="bias",
                shape=shapes.bias,
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True

    def _kernel_init(self, shapes: Any) -> Any:
        """As Keras 3: a variance-scaling kernel counts its fans over the
        equation's input and output axes, not as a convolution kernel."""
        init = self.kernel_initializer
        if not isinstance(init, VarianceScaling):
            return init
        if getattr(init, "input_axes", None) is not None:
            return init  # the user chose the fan axes
        kernel = shapes.kernel
        fan_in = int(np.prod([kernel[a] for a in shapes.input_axes]))
        fan_out = int(np.prod([kernel[a] for a in shapes.output_axes]))
        order = list(shapes.input_axes) + list(shapes.output_axes)

        def draw(shape: Any, dtype: Any = None) -> Any:
            flat = np.asarray(init((fan_in, fan_out)), np.float32)
            grouped = flat.reshape([kernel[a] for a in order])
            return np.transpose(grouped, np.argsort(order))

        return draw

    @property
    def kernel(self) -> Any:
        """The kernel variable (built layers only)."""
        if not self.built:
            raise AttributeError(
                f"Layer '{self.name}': you must build the layer before accessing `kernel`."
            )
        return self._kernel

    def compute_output_shape(self, input_shape: Any) -> Any:
        return analyze(
            self.name, self.equation, self.bias_axes, input_shape, self.partial_output_shape
        ).output

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        x = ops.einsum(self.equation, inputs, self._kernel)
        if self.bias is not None:
            x = ops.add(x, self.bias)
        if self.activation is not activations.linear:
            x = self.activation(x)
        return x

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "output_shape": self.partial_output_shape,
                "equation": self.equation,
                "activation": activations.serialize(self.activation),
                "bias_axes": self.bias_axes,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "quantization_config": None,
            }
        )
        return config
