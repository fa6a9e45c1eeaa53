"""Dot: the dot product of two inputs along given axes."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.errors import ShapeError
from pykeras.layers.merging.base_merge import Merge


class Dot(Merge):
    """Computes the dot product between samples of two inputs.

    For inputs of shapes `(batch, n)` and `(batch, n)` with `axes=1` the
    output is `(batch, 1)`; for `(batch, a, n)` and `(batch, b, n)` with
    `axes=2` it is `(batch, a, b)`.

    Args:
        axes: an int or a pair of ints, the axis of each input to contract.
        normalize: whether to L2-normalise the inputs along those axes first
            (the result is then the cosine similarity).
    """

    def __init__(self, axes: Any, normalize: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axes = axes
        self.normalize = normalize

    def _pair(self, shapes: Any) -> Any:
        # A single tensor's shape is a tuple of ints: refuse it here, not with a TypeError below.
        if (
            not isinstance(shapes, (list, tuple))
            or len(shapes) != 2
            or not all(isinstance(s, (list, tuple)) for s in shapes)
        ):
            raise ValueError(
                f"Layer '{self.name}' (Dot) should be called on a list of exactly 2 inputs. "
                f"Received: input_shape={shapes}"
            )
        a, b = shapes
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else tuple(self.axes)
        if len(axes) != 2 or any(not -len(s) <= ax < len(s) for ax, s in zip(axes, (a, b))):
            raise ShapeError(
                f"Layer '{self.name}' (Dot) got axes={self.axes}, out of range for inputs of "
                f"shapes {tuple(a)}, {tuple(b)}."
            )
        axes = tuple(ax % len(s) for ax, s in zip(axes, (a, b)))
        if len(a) != len(b) or len(a) not in (2, 3) or 0 in axes:
            raise ShapeError(
                f"Layer '{self.name}' (Dot) supports two inputs of rank 2 or 3 contracted on a "
                f"non-batch axis. Received: input shapes {tuple(a)}, {tuple(b)}, "
                f"axes={self.axes}"
            )
        if a[axes[0]] is not None and b[axes[1]] is not None and a[axes[0]] != b[axes[1]]:
            raise ShapeError(
                f"Layer '{self.name}' (Dot) expected the contracted axes to have the same size. "
                f"Received: input shapes {tuple(a)}, {tuple(b)} and axes={self.axes}"
            )
        return a, b, axes

    def build(self, input_shape: Any) -> None:
        self._pair(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> Any:
        a, b, axes = self._pair(input_shape)
        if len(a) == 2:
            return (a[0], 1)
        keep_a = [d for i, d in enumerate(a) if i not in (0, axes[0])]
        keep_b = [d for i, d in enumerate(b) if i not in (0, axes[1])]
        return (a[0], *keep_a, *keep_b)

    def call(self, inputs: Any) -> Any:
        a, b = inputs
        shapes = [tuple(a.shape), tuple(b.shape)]
        _, _, axes = self._pair(shapes)
        if self.normalize:
            a = _normalize(a, axes[0])
            b = _normalize(b, axes[1])
        if len(shapes[0]) == 2:
            return ops.sum(ops.multiply(a, b), axis=1, keepdims=True)
        # Rank 3: move each contracted axis into matmul position.
        a = a if axes[0] == 2 else ops.transpose(a, (0, 2, 1))
        b = b if axes[1] == 1 else ops.transpose(b, (0, 2, 1))
        return ops.matmul(a, b)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def _normalize(x: Any, axis: int) -> Any:
    """x / max(||x||, 1e-12) along `axis`, as Keras's l2_normalize."""
    squares = ops.sum(ops.multiply(x, x), axis=axis, keepdims=True)
    norm = ops.maximum(squares, 1e-24)
    return ops.divide(x, _sqrt(norm))


def _sqrt(x: Any) -> Any:
    return ops.sqrt(x)
