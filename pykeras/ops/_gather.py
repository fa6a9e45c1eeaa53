"""Gathers for `take`, `take_along_axis`, `repeat` and `flip`, from the
core's primitives.

- Constant indices are checked and made non-negative in NumPy first, so a
  bad index names the op instead of the primitive.
- `gather`: slices along an axis picked by the `embedding` primitive (rows
  of a table), whose backward pass scatter-adds, so gathers are
  differentiable and cost one copy of the output.
- `take_along_axis` with constant indices computes flat element positions in
  NumPy and picks them with one `embedding`; with symbolic indices (which
  vary per sample of an unknown batch) it selects with `one_hot` and `where`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras._convert import to_index
from pykeras.errors import OutOfRangeError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run


def take(x: Any, indices: Any, axis: Any) -> Any:
    """`arrays.take` on one tensor (eager int arrays arrive as positions)."""
    if axis is None:
        x, axis = C.flatten("take", x), 0
    shape = C.shape_of("take", x)
    if not shape:
        raise ShapeError(
            "Op 'take' expected a tensor of rank >= 1 when axis is given. "
            f"Received: axis={axis}, a scalar tensor"
        )
    axis = C.axis_of("take", axis, len(shape))
    if not C.is_symbolic(indices):
        indices = checked_indices("take", indices, shape[axis], axis)
    return gather("take", x, indices, axis)


def checked_indices(op: str, indices: Any, n: int, axis: Any) -> Any:
    """Constant indices as int64, negative ones counted from the end."""
    ids = to_index(indices, f"{op} indices")
    if not ids.size:
        return ids
    if n is None:
        if (ids < 0).any():
            raise OutOfRangeError(
                f"Op '{op}' cannot count negative indices from the end of axis {axis}, whose "
                f"size is unknown until run time. Received: indices with min {ids.min()}"
            )
        return ids
    bad = (ids < -n) | (ids >= n)
    if bad.any():
        raise OutOfRangeError(
            f"Op '{op}' expected every index in [-{n}, {n}) for axis {axis} of size {n}. "
            f"Received: index={ids[bad].flat[0]}"
        )
    return np.where(ids < 0, ids + n, ids)


def gather(op: str, x: Any, ids: Any, axis: Any) -> Any:
    """x's slices along `axis` at `ids` (valid, non-negative), in the place of
    that axis: the axis moved to the front, the rest flattened into rows of a
    table, rows picked by the embedding primitive (which scatter-adds back)."""
    shape = C.shape_of(op, x)
    ids_shape = C.shape_of(op, ids)
    rest = [d for i, d in enumerate(shape) if i != axis]
    if None in ids_shape and None in rest:
        raise ShapeError(
            f"Op '{op}' allows one size unknown until run time, in the indices or in x's "
            f"other axes, not both. Received: x of shape {C.dims_text(shape)} and indices "
            f"of shape {C.dims_text(ids_shape)} (axis={axis})"
        )
    width = None if None in rest else int(np.prod(rest, dtype=np.int64))
    table = C.transpose(x, [axis] + [i for i in range(len(shape)) if i != axis])
    table = C.reshape(op, table, [shape[axis], width], C.shape_of(op, table))
    rows = run("embedding", [ids, table], index_inputs=(0,))
    rows = C.reshape(op, rows, [*ids_shape, *rest], C.shape_of(op, rows))
    k = len(ids_shape)
    perm = [k + i for i in range(axis)] + list(range(k)) + [k + i for i in range(axis, len(rest))]
    return C.transpose(rows, perm)


def take_along_axis(x: Any, indices: Any, axis: Any) -> Any:
    """`arrays.take_along_axis` on one tensor, by the path its indices allow."""
    op = "take_along_axis"
    if axis is None:
        x, axis = C.flatten(op, x), 0
    shape = C.shape_of(op, x)
    symbolic = C.is_symbolic(indices)
    if not symbolic:
        indices = to_index(indices, f"{op} indices")
    ids_shape = C.shape_of(op, indices)
    if len(ids_shape) != len(shape):
        raise ShapeError(
            f"Op '{op}' expected indices of the same rank as x ({len(shape)}). Received: "
            f"indices of shape {C.dims_text(ids_shape)} for x of shape {C.dims_text(shape)}"
        )
    axis = C.axis_of(op, axis, len(shape))
    n = C.static_size(op, shape, axis)
    out = [
        ids_shape[axis] if i == axis else broadcast_dim(op, a, b, shape, ids_shape)
        for i, (a, b) in enumerate(zip(shape, ids_shape))
    ]
    if not symbolic:
        indices = checked_indices(op, indices, n, axis)
        unknown = [i for i, d in enumerate(shape) if d is None]
        if not unknown or (len(unknown) == 1 and ids_shape[unknown[0]] == 1):
            return gather_along(x, indices, axis, shape, out, unknown)
    return select_along(x, indices, axis, shape, n)


def broadcast_dim(op: str, a: Any, b: Any, shape: Any, ids_shape: Any) -> Any:
    """The result's size along a non-gathered axis: x's size `a` and the
    indices' size `b` broadcast (None where only run time will tell)."""
    if a == b or b == 1:
        return a
    if a == 1:
        return b
    if a is None or b is None:
        return a if b is None else b
    raise ShapeError(
        f"Op '{op}' expected indices that broadcast against x except along the axis. "
        f"Received: indices of shape {C.dims_text(ids_shape)} for x of shape "
        f"{C.dims_text(shape)}"
    )


def gather_along(x: Any, indices: Any, axis: Any, shape: Any, out: Any, unknown: Any) -> Any:
    """take_along_axis for constant indices: flat positions computed in
    NumPy, picked by one embedding from x's elements (its one unknown axis,
    along which the indices do not vary, moved last and kept as columns)."""
    op = "take_along_axis"
    known = [i for i in range(len(shape)) if i not in unknown]
    sizes = [shape[i] for i in known]
    out_known = [out[i] for i in known]
    ids = np.broadcast_to(indices.reshape([indices.shape[i] for i in known]), out_known)
    coords = []
    for j, i in enumerate(known):
        if i == axis:
            coords.append(ids)
        elif sizes[j] == 1:
            coords.append(np.zeros(out_known, np.int64))
        else:
            along = np.arange(out_known[j]).reshape(
                [-1 if jj == j else 1 for jj in range(len(known))]
            )
            coords.append(np.broadcast_to(along, out_known))
    if np.prod(out_known, dtype=np.int64) == 0:
        flat = np.zeros(out_known, np.int64)
    else:
        flat = np.ravel_multi_index(coords, sizes)
    columns = None if unknown else 1
    table = C.transpose(x, known + unknown)
    table = C.reshape(
        op, table, [int(np.prod(sizes, dtype=np.int64)), columns], C.shape_of(op, table)
    )
    picked = run("embedding", [flat, table], index_inputs=(0,))
    if not unknown:
        return C.reshape(op, picked, out_known, C.shape_of(op, picked))
    u = unknown[0]
    return C.transpose(
        picked, [len(known) if i == u else known.index(i) for i in range(len(shape))]
    )


def select_along(x: Any, indices: Any, axis: Any, shape: Any, n: int) -> Any:
    """take_along_axis for symbolic indices (or constant ones that vary along
    x's unknown axis): one_hot(indices) selects x's values along the axis
    (moved last) with `where`, and a sum keeps them. It costs the axis's size
    times the output's, where a gather costs the output's."""
    op = "take_along_axis"
    if n == 0:
        # No valid index exists; a zero row keeps one_hot's size positive.
        pads = [[0, 1] if i == axis else [0, 0] for i in range(len(shape))]
        x = run("pad", [x], pad_width=pads)
        shape = tuple(1 if i == axis else d for i, d in enumerate(shape))
        n = 1
    hot = run("one_hot", [indices], index_inputs=(0,), num_classes=n)
    rest = [i for i in range(len(shape)) if i != axis]
    last = C.transpose(x, rest + [axis])
    dims = [shape[i] for i in rest]
    last = C.reshape(op, last, [*dims[:axis], 1, *dims[axis:], n], C.shape_of(op, last))
    # where, not a product: inf or NaN elsewhere in x must not leak in.
    picked = run("where", [hot, last, np.float32(0.0)])
    return run("sum", [picked], axis=[len(shape)])
