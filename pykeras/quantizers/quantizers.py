"""Int8 quantizers: `Quantizer` (the base class) and `AbsMaxQuantizer`,
which maps a tensor to int8 with one scale per slice along an axis."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Union

from pykeras import config, ops
from pykeras.errors import InvalidArgumentError

if TYPE_CHECKING:
    from typing_extensions import Self

    from pykeras.engine.typing import Tensor, TensorLike

Axis = Union[int, Sequence[int]]


class Quantizer:
    """Base class of quantizers: `quantizer(x)` computes a quantized tensor.

    Subclasses override `__call__` and `get_config`.

    Args:
        output_dtype: the dtype of the quantized values.
    """

    def __init__(self, output_dtype: str = "int8") -> None:
        self.output_dtype = output_dtype

    def __call__(self, x: TensorLike) -> Any:
        """Computes a quantized output from `x` (the base class returns `x`)."""
        return x

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        """A quantizer from its `get_config()` dict."""
        return cls(**config)

    def get_config(self) -> dict[str, Any]:
        """The quantizer's constructor arguments; subclasses define it."""
        raise TypeError(f"{self} does not implement get_config()")


def abs_max_quantize(
    inputs: TensorLike,
    axis: Axis,
    value_range: tuple[int, int] = (-127, 127),
    dtype: str = "int8",
    epsilon: float = config.epsilon(),
    to_numpy: bool = False,
) -> tuple[Tensor, Tensor]:
    """Quantizes `inputs` by their absolute maximum along `axis`.

    `scale = value_range[1] / (max(|inputs|, axis) + epsilon)` (kept with
    its reduced axes) and the quantized values are
    `clip(round(inputs * scale), *value_range)` cast to `dtype`; dividing
    them by `scale` recovers `inputs` approximately.

    Args:
        inputs: the tensor to quantize.
        axis: the axis (or axes) the maximum is taken along.
        value_range: the `(min, max)` of the quantized values.
        dtype: the dtype of the quantized values.
        epsilon: added to the maximum, so all-zero slices do not divide by zero.
        to_numpy: Keras computes on the host with NumPy when True; pykeras
            always computes on the CPU, so the result is the same.

    Returns:
        `(quantized, scale)`.
    """
    scale = ops.divide(
        value_range[1], ops.add(ops.max(ops.abs(inputs), axis=axis, keepdims=True), epsilon)
    )
    # The scale of any float input is float32, the dtype pykeras computes floats in.
    scale = ops.cast(scale, "float32")
    outputs = ops.clip(ops.round(ops.multiply(inputs, scale)), value_range[0], value_range[1])
    return ops.cast(outputs, dtype), scale


class AbsMaxQuantizer(Quantizer):
    """Quantizes to int8 by the absolute maximum along an axis.

    Args:
        axis: (deprecated, give it to the call) the default axis.
        value_range: the `(min, max)` of the quantized values; within
            `[-128, 127]` for int8.
        epsilon: added to the maximum, so all-zero slices do not divide by zero.
        output_dtype: the dtype of the quantized values.

    Example:

    >>> quantized, scale = keras.quantizers.AbsMaxQuantizer()(np.array([[0.5, -1.0]]))
    >>> quantized
    array([[  63, -127]], dtype=int8)
    """

    def __init__(
        self,
        axis: Axis | None = None,
        value_range: tuple[int, int] = (-127, 127),
        epsilon: float = config.epsilon(),
        output_dtype: str = "int8",
    ) -> None:
        Quantizer.__init__(self, output_dtype=output_dtype)
        self.axis: tuple[int, ...] | None
        if axis is not None:
            self.axis = (axis,) if isinstance(axis, int) else tuple(axis)
        else:
            self.axis = None
        self.value_range = value_range
        self.epsilon = epsilon
        if output_dtype == "int8" and (value_range[0] < -128 or value_range[1] > 127):
            raise InvalidArgumentError(
                "Quantizer with output_dtype='int8' requires value_range to be within the "
                f"interval [-128, 127]. Received: value_range={value_range}"
            )

    def __call__(
        self, x: TensorLike, axis: Axis | None = None, to_numpy: bool = False
    ) -> tuple[Tensor, Tensor]:
        """Quantizes `x` along `axis` (default: the constructor's, else -1).

        Returns:
            `(quantized, scale)`.
        """
        if axis is None:
            axis = self.axis
        if axis is None:
            axis = -1
        return abs_max_quantize(
            x, axis, self.value_range, self.output_dtype, self.epsilon, to_numpy
        )

    def get_config(self) -> dict[str, Any]:
        config = {
            "value_range": self.value_range,
            "epsilon": self.epsilon,
            "output_dtype": self.output_dtype,
        }
        if self.axis is not None:
            config["axis"] = self.axis
        return config
