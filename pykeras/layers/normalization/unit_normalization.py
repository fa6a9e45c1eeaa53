"""UnitNormalization: scales each sample to unit L2 norm over `axis`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pykeras import ops
from pykeras.layers.layer import Layer
from pykeras.layers.normalization.axes import check_axes


class UnitNormalization(Layer):
    """Unit normalization layer: each sample is divided by its L2 norm over
    `axis` (`x / sqrt(max(sum(x**2), 1e-12))`).

    Args:
        axis: int or list of ints, the axes to normalize over (default -1).

    Example:

    >>> UnitNormalization()(np.array([[3.0, 4.0]]))
    array([[0.6, 0.8]], dtype=float32)
    """

    def __init__(self, axis: int | Sequence[int] = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis: int | list[int]
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(
                f"Layer '{self.name}': invalid value for `axis` argument: expected an int or "
                f"a list/tuple of ints. Received: axis={axis!r}"
            )
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        check_axes(self.name, self.axis, input_shape)
        self.built = True

    def call(self, inputs: Any) -> Any:
        square_sum = ops.sum(ops.square(inputs), axis=self.axis, keepdims=True)
        # As Keras's ops.normalize(epsilon=1e-12): 1 / norm is capped at 1e12.
        return ops.multiply(inputs, ops.minimum(ops.rsqrt(square_sum), 1e12))

    def compute_output_shape(self, input_shape: Any) -> Any:
        check_axes(self.name, self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["axis"] = self.axis
        return config
