"""Axis checks shared by the normalization layers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pykeras.errors import InvalidArgumentError


def check_axes(layer: str, axis: int | Sequence[int], input_shape: Any) -> list:
    """`axis` (an int or a list of ints) as sorted non-negative axes of
    `input_shape`; out-of-range axes raise a ValueError naming the layer."""
    if isinstance(axis, bool) or not isinstance(axis, (int, list, tuple)):
        raise InvalidArgumentError(
            f"Layer '{layer}' expected an int or a list/tuple of ints for `axis`. "
            f"Received: axis={axis!r}"
        )
    rank = len(input_shape)
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    for a in axes:
        if not -rank <= a < rank:
            raise InvalidArgumentError(
                f"Layer '{layer}': axis {a} is out of bounds for input shape "
                f"{tuple(input_shape)}. Received: axis={axis}"
            )
    return sorted(a % rank for a in axes)
