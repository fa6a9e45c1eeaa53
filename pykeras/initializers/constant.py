"""Initializers that fill with one value: Zeros, Ones, Constant, and Identity."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.initializers.initializer import Initializer, float_array

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike
from collections.abc import Sequence


class Constant(Initializer):
    """Fills with `value`."""

    def __init__(self, value: float = 0.0) -> None:
        self.value = float(value)

    def __call__(self, shape: Sequence[int], dtype: DTypeLike = None) -> np.ndarray:
        return float_array(np.full(tuple(shape), self.value), dtype)

    def get_config(self) -> dict[str, Any]:
        return {"value": self.value}


class Zeros(Constant):
    """Fills with 0."""

    def __init__(self) -> None:
        super().__init__(0.0)

    def get_config(self) -> dict[str, Any]:
        return {}


class Ones(Constant):
    """Fills with 1."""

    def __init__(self) -> None:
        super().__init__(1.0)

    def get_config(self) -> dict[str, Any]:
        return {}


class Identity(Initializer):
    """`gain` times the identity matrix (2-D shapes only)."""

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = float(gain)

    def __call__(self, shape: Sequence[int], dtype: DTypeLike = None) -> np.ndarray:
        if len(shape) != 2:
            raise ValueError(
                f"Identity initializer needs a 2-D shape. Received: shape={tuple(shape)}"
            )
        return float_array(self.gain * np.eye(shape[0], shape[1]), dtype)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain}
