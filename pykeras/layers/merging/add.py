"""Add: adds a list of inputs elementwise."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.layers.merging.base_merge import Merge


class Add(Merge):
    """Adds a list of inputs elementwise.

    The inputs must have the same shape, or shapes that broadcast.

    Example:

    >>> Add()([np.ones((2, 3)), np.ones((2, 3))]).shape
    (2, 3)
    """

    def _merge_two(self, a: Any, b: Any) -> Any:
        return ops.add(a, b)
