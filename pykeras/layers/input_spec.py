"""What a layer accepts: rank and fixed sizes, checked on every call."""

from __future__ import annotations

from typing import Any

from pykeras.errors import ShapeError


class InputSpec:
    """Constraints on a layer's input.

    Args:
        ndim: the exact rank, or None.
        min_ndim: the smallest rank, or None.
        max_ndim: the largest rank, or None.
        axes: `{axis: size}` sizes that must match (e.g. `{-1: 784}` once a
            Dense layer is built).
    """

    def __init__(
        self,
        ndim: int | None = None,
        min_ndim: int | None = None,
        max_ndim: int | None = None,
        axes: dict[int, int] | None = None,
    ) -> None:
        self.ndim = ndim
        self.min_ndim = min_ndim
        self.max_ndim = max_ndim
        self.axes = dict(axes or {})

    def check(self, layer_name: str, shape: Any) -> None:
        """Raises a `ShapeError` naming the layer if `shape` breaks the spec."""
        if shape is None:
            return  # a traced tensor whose static shape is unknown: Rust checks at run time
        rank = len(shape)
        expected = None
        if self.ndim is not None and rank != self.ndim:
            expected = f"ndim={self.ndim}"
        elif self.min_ndim is not None and rank < self.min_ndim:
            expected = f"min_ndim={self.min_ndim}"
        elif self.max_ndim is not None and rank > self.max_ndim:
            expected = f"max_ndim={self.max_ndim}"
        if expected:
            raise ShapeError(
                f"Input 0 of layer '{layer_name}' is incompatible with the layer: "
                f"expected {expected}, found ndim={rank}. Full shape received: {tuple(shape)}"
            )
        for axis, size in self.axes.items():
            if size is None or -rank > axis or axis >= rank:
                continue
            got = shape[axis]
            if got is not None and got != size:
                raise ShapeError(
                    f"Input 0 of layer '{layer_name}' is incompatible with the layer: "
                    f"expected axis {axis} of input shape to have value {size}, but received "
                    f"input with shape {tuple(shape)}"
                )
