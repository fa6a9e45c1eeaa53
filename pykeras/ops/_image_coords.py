"""`map_coordinates` at symbolic coordinates (computed by the model), for
`pykeras/ops/_image_sample.py`.

The rule of `jax.scipy.ndimage.map_coordinates` written with the core's
primitives: the corners' indices are found with `floor` (rounded half away
from zero for order 0), fixed by the fill mode in float arithmetic (exact
for element numbers below 2**24), numbered, cast to int64 and gathered with
one `embedding`. The linear weights are `c - floor(c)`, so the result is
differentiable with respect to the coordinates (order 1) as well as the
inputs, as in JAX.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras.errors import ShapeError
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run


def _f(value: float) -> np.float32:
    return np.float32(value)


def _floor(x: Any) -> Any:
    return run("floor", [run("stop_gradient", [x])])


def _mod(x: Any, n: float) -> Any:
    """x mod n, non-negative for n > 0 (integer-valued floats)."""
    return run("sub", [x, run("mul", [_floor(run("div", [x, _f(n)])), _f(n)])])


def _mirror(index: Any, size: Any) -> Any:
    s = size - 1
    if s == 0:
        return run("mul", [index, _f(0.0)])
    return run("abs", [run("sub", [_mod(run("add", [index, _f(s)]), 2 * s), _f(s)])])


def _fix(index: Any, size: Any, mode: str) -> Any:
    if mode == "nearest":
        return run("clip", [index], min=0.0, max=float(size - 1))
    if mode == "wrap":
        return _mod(index, size)
    if mode == "mirror":
        return _mirror(index, size)
    if mode == "reflect":
        doubled = run("add", [run("mul", [index, _f(2.0)]), _f(1.0)])
        return _floor(run("div", [run("sub", [_mirror(doubled, 2 * size + 1), _f(1.0)]), _f(2.0)]))
    return index


def _nodes(c: Any, order: int) -> Any:
    """[(index, weight or None)] of one axis."""
    if order == 0:
        magnitude = _floor(run("add", [run("abs", [c]), _f(0.5)]))
        return [(run("mul", [run("sign", [run("stop_gradient", [c])]), magnitude]), None)]
    lower = _floor(c)
    upper = run("sub", [c, lower])
    return [(lower, run("sub", [_f(1.0), upper])), (run("add", [lower, _f(1.0)]), upper)]


def _coordinate_planes(op: str, coordinates: Any, rank: int) -> list:
    """The coordinates of each input axis, each of the output's shape."""
    if isinstance(coordinates, (list, tuple)):
        planes = list(coordinates)
    else:
        shape = C.shape_of(op, coordinates)
        if len(shape) < 2 or shape[0] != rank:
            raise ShapeError(
                f"Op '{op}': coordinates must have rank at least 2 and the rank of inputs "
                f"({rank}) as their first dim. Received: coordinates of shape "
                f"{C.dims_text(shape)}"
            )
        planes = []
        for a in range(rank):
            starts = [a] + [0] * (len(shape) - 1)
            sizes = [1] + [-1] * (len(shape) - 1)
            plane = run("slice", [coordinates], start_indices=starts, shape=sizes)
            planes.append(C.reshape(op, plane, list(shape[1:])))
    if len(planes) != rank:
        raise ShapeError(
            f"Op '{op}': coordinates must give one array per axis of inputs ({rank}). "
            f"Received: {len(planes)}"
        )
    return planes


def symbolic_map(
    op: str, x: Any, coordinates: Any, sizes: list, order: int, mode: str, cval: Any
) -> Any:
    """`map_coordinates(x, coordinates)` for symbolic coordinates."""
    planes = _coordinate_planes(op, coordinates, len(sizes))
    per_axis = []
    for c, size in zip(planes, sizes):
        nodes = []
        for index, weight in _nodes(c, order):
            valid: Any = None
            if mode == "constant":
                inside = run("greater_equal", [index, _f(0.0)])
                valid = run("mul", [inside, run("less", [index, _f(size)])])
            fixed = run("clip", [_fix(index, size, mode)], min=0.0, max=float(size - 1))
            nodes.append((fixed, valid, weight))
        per_axis.append(nodes)
    table = C.reshape(op, x, [int(np.prod(sizes)), 1])
    total = None
    for combo in np.ndindex(*[len(n) for n in per_axis]):
        flat: Any = None
        weight, valid = None, None
        for axis, k in enumerate(combo):
            index, ok, w = per_axis[axis][k]
            flat = (
                index if flat is None else run("add", [run("mul", [flat, _f(sizes[axis])]), index])
            )
            if w is not None:
                weight = w if weight is None else run("mul", [weight, w])
            if ok is not None:
                valid = ok if valid is None else run("mul", [valid, ok])
        ids = run("cast", [run("stop_gradient", [flat])], dtype="int64")
        picked = run("embedding", [ids, table], index_inputs=(0,))
        picked = C.reshape(op, picked, list(C.shape_of(op, flat)))
        if valid is not None:
            picked = run("where", [valid, picked, _f(cval)])
        term = picked if weight is None else run("mul", [picked, weight])
        total = term if total is None else run("add", [total, term])
    return total
