"""Nested structures of tensors (lists, tuples, dicts), as layer calls take them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


class ShapeTuple(tuple):
    """A shape (or a (shape, dtype) spec) that the walkers treat as one leaf."""


def flatten(structure: Any) -> list[Any]:
    """The leaves of `structure` in order; dicts are walked in key order of insertion."""
    if isinstance(structure, ShapeTuple):
        return [structure]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for v in structure.values() for leaf in flatten(v)]
    return [structure]


def map_structure(fn: Callable[..., Any], structure: Any) -> Any:
    """`structure` with `fn` applied to every leaf."""
    if isinstance(structure, ShapeTuple):
        return fn(structure)
    if isinstance(structure, list):
        return [map_structure(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def pack_like(structure: Any, leaves: Iterable[Any]) -> Any:
    """Rebuilds `structure` with `leaves` (as returned by `flatten`) in place of its leaves."""
    it = iter(leaves)
    return map_structure(lambda _: next(it), structure)
