"""Subtract: the difference of exactly two inputs."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.layers.merging.base_merge import Merge


class Subtract(Merge):
    """Subtracts the second input from the first, elementwise.

    Example:

    >>> Subtract()([np.ones((2, 3)), np.ones((2, 3))]).shape
    (2, 3)
    """

    def _check_list(self, input_shape: Any) -> None:
        super()._check_list(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                f"Layer '{self.name}' (Subtract) should be called on exactly 2 inputs. "
                f"Received: {len(input_shape)} inputs"
            )

    def _merge_two(self, a: Any, b: Any) -> Any:
        return ops.subtract(a, b)
