"""RMSNormalization: scales each sample by the root mean square of its features."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.layers.layer import Layer
from pykeras.layers.normalization.axes import check_axes


class RMSNormalization(Layer):
    """Root Mean Square (RMS) normalization layer.

    Normalizes the input by its root mean square over `axis` and multiplies
    by a learned `scale`: `x * rsqrt(mean(square(x), axis) + epsilon) * scale`.

    Args:
        axis: int or list of ints, the axes to normalize over (default -1).
        epsilon: added to the mean square for numerical stability (1e-6).

    Example:

    >>> RMSNormalization()(np.array([[3.0, 4.0]])).round(3)
    array([[0.849, 1.131]], dtype=float32)
    """

    def __init__(self, axis: Any = -1, epsilon: float = 1e-6, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self.epsilon = epsilon
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        axes = check_axes(self.name, self.axis, input_shape)
        if isinstance(self.axis, list):
            self.axis = sorted(self.axis)
        shape = tuple(input_shape[a] for a in axes)
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones")
        self._axes = axes
        self._rank = len(input_shape)
        self.built = True

    def call(self, x: Any) -> Any:
        axes = self._axes
        scale: Any = self.scale
        if axes != [self._rank - 1]:
            shape = [1] * self._rank
            for a, size in zip(axes, self.scale.shape):
                shape[a] = size
            scale = ops.reshape(scale, shape)
        mean_square = ops.mean(ops.square(x), axis=axes, keepdims=True)
        return ops.multiply(ops.multiply(x, ops.rsqrt(ops.add(mean_square, self.epsilon))), scale)

    def compute_output_shape(self, input_shape: Any) -> Any:
        check_axes(self.name, self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon})
        return config
