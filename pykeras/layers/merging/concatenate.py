"""Concatenate: joins a list of inputs along one axis."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.errors import ShapeError
from pykeras.layers.merging.base_merge import Merge


class Concatenate(Merge):
    """Concatenates a list of inputs along `axis`.

    All inputs must have the same shape except along `axis`.

    Args:
        axis: the axis to join along (default -1).

    Example:

    >>> Concatenate()([np.ones((2, 3)), np.ones((2, 4))]).shape
    (2, 7)
    """

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = int(axis)

    def _output(self, shapes: Any) -> Any:
        self._check_list(shapes)
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes):
            raise ShapeError(
                f"Layer '{self.name}' (Concatenate) expected inputs of the same rank. "
                f"Received: input shapes {[tuple(s) for s in shapes]}"
            )
        if not -rank <= self.axis < rank:
            raise ShapeError(
                f"Layer '{self.name}' (Concatenate) got axis={self.axis}, out of range for "
                f"inputs of rank {rank}. Received: input shapes {[tuple(s) for s in shapes]}"
            )
        axis = self.axis % rank
        out = []
        for i in range(rank):
            dims = [s[i] for s in shapes]
            if i == axis:
                out.append(None if any(d is None for d in dims) else sum(dims))
                continue
            known = {d for d in dims if d is not None}
            if len(known) > 1:
                raise ShapeError(
                    f"Layer '{self.name}' (Concatenate) requires inputs with matching shapes "
                    f"except for the concatenation axis {self.axis}. Received: input shapes "
                    f"{[tuple(s) for s in shapes]}"
                )
            out.append(known.pop() if known else None)
        return tuple(out)

    def build(self, input_shape: Any) -> None:
        self._output(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> Any:
        return self._output(input_shape)

    def call(self, inputs: Any) -> Any:
        return ops.concatenate(list(inputs), axis=self.axis)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["axis"] = self.axis
        return config
