"""Reshape: gives each sample a new shape."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from pykeras import ops
from pykeras.errors import ShapeError
from pykeras.layers.layer import Layer


class Reshape(Layer):
    """Reshapes each sample to `target_shape` (the batch axis is kept).

    Args:
        target_shape: the new shape of one sample; one entry may be -1.

    Example:

    >>> Reshape((3, 4))(np.ones((2, 12))).shape
    (2, 3, 4)
    """

    def __init__(self, target_shape: Sequence[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        target = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in target) > 1 or any(d < -1 or d == 0 for d in target):
            raise ValueError(
                f"Layer '{self.name}' expected a target_shape of positive ints with at most one "
                f"-1. Received: target_shape={target_shape}"
            )
        self.target_shape = target
        self.built = True

    def _resolve(self, input_shape: Any) -> Any:
        rest = tuple(input_shape[1:])
        if any(d is None for d in rest):
            return None if -1 in self.target_shape else self.target_shape
        total = math.prod(rest)
        known = math.prod(d for d in self.target_shape if d != -1)
        if -1 in self.target_shape:
            if known == 0 or total % known:
                raise ShapeError(self._mismatch(input_shape))
            return tuple(total // known if d == -1 else d for d in self.target_shape)
        if known != total:
            raise ShapeError(self._mismatch(input_shape))
        return self.target_shape

    def _mismatch(self, input_shape: Any) -> Any:
        return (
            f"Layer '{self.name}' cannot reshape samples of shape {tuple(input_shape[1:])} "
            f"into target_shape {self.target_shape}: the total sizes differ."
        )

    def compute_output_shape(self, input_shape: Any) -> Any:
        resolved = self._resolve(input_shape)
        if resolved is None:
            resolved = tuple(None if d == -1 else d for d in self.target_shape)
        return (input_shape[0],) + resolved

    def call(self, inputs: Any) -> Any:
        resolved = self._resolve(inputs.shape)
        return ops.reshape(inputs, (-1,) + tuple(resolved))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config
