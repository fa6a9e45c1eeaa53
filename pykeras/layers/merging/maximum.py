"""Maximum: elementwise maximum of a list of inputs."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.layers.merging.base_merge import Merge


class Maximum(Merge):
    """Elementwise maximum of a list of inputs.

    The inputs must have the same shape, or shapes that broadcast.

    Example:

    >>> Maximum()([np.ones((2, 3)), np.ones((2, 3))]).shape
    (2, 3)
    """

    def _merge_two(self, a: Any, b: Any) -> Any:
        return ops.maximum(a, b)
