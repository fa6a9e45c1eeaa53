"""The arrays of a distributed `fit`: checked on the driver before any worker
starts, and cut into each worker's rows on the workers."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras import tree
from pykeras.errors import InvalidArgumentError


def _is_array(x: Any) -> bool:
    return hasattr(x, "shape") and hasattr(x, "__array__")


def as_arrays(structure: Any, name: str) -> Any:
    """`structure` (an array, or a list/tuple/dict of arrays, or None) with
    NumPy arrays for leaves."""
    if structure is None:
        return None
    if _is_array(structure):
        return np.asarray(structure)
    if isinstance(structure, (list, tuple, dict)):
        return tree.map_structure(lambda leaf: _leaf_array(leaf, name), structure)
    raise InvalidArgumentError(
        f"pykeras.distribute.fit expected `{name}` as a NumPy array or a list, tuple "
        f"or dict of arrays. Received: {type(structure).__name__}"
    )


def _leaf_array(leaf: Any, name: str) -> Any:
    if leaf is None:
        return None
    if not _is_array(leaf):
        raise InvalidArgumentError(
            f"pykeras.distribute.fit expected the leaves of `{name}` to be arrays. "
            f"Received: {type(leaf).__name__}"
        )
    return np.asarray(leaf)


def sample_count(named: dict[str, Any]) -> int:
    """The common first dimension of every array in `named` (name -> structure);
    a `ValueError` naming the arrays if they differ."""
    counts: dict[str, int] = {}
    for name, structure in named.items():
        for index, leaf in enumerate(tree.flatten(structure) if structure is not None else []):
            if leaf is None:
                continue
            if np.ndim(leaf) == 0:
                raise InvalidArgumentError(
                    f"pykeras.distribute.fit expected arrays with a sample dimension. "
                    f"Received: a scalar in `{name}`"
                )
            counts[f"{name}[{index}]" if not _is_array(structure) else name] = len(leaf)
    if not counts:
        raise InvalidArgumentError("pykeras.distribute.fit received no data: pass `x`.")
    if len(set(counts.values())) > 1:
        raise InvalidArgumentError(
            "pykeras.distribute.fit expected every array to have the same number of samples. "
            f"Received: {counts}"
        )
    return next(iter(counts.values()))


def take_rows(structure: Any, rows: np.ndarray) -> Any:
    """`structure` with every array indexed by `rows` (None stays None)."""
    if structure is None:
        return None
    if _is_array(structure):
        return np.ascontiguousarray(structure[rows])
    return tree.map_structure(
        lambda leaf: None if leaf is None else np.ascontiguousarray(leaf[rows]), structure
    )
