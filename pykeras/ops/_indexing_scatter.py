"""Scatters, slice updates and `get_item`, from the core's primitives.

- Constant indices are checked in NumPy first (a bad one names the op and
  nothing reads out of bounds), then the work is done by `embedding` (rows
  picked from a table; its backward pass scatter-adds) and `where` with
  constant masks, so the result is differentiable with respect to the
  tensor updated and the updates.
- Several updates of one row are combined pairwise in log2(m) rounds of two
  gathers (m: the most updates any row gets), never by a dense matrix.
- Symbolic indices (an integer model input, say) go through `one_hot` and a
  matmul: `reduction=None` and `"add"` only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras._convert import to_index
from pykeras.backend.variable import Variable
from pykeras.errors import InvalidArgumentError, OutOfRangeError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run
from pykeras.ops.arrays import broadcast_to

REDUCTIONS = (None, "add", "max", "min", "mul")


def check_reduction(op: str, reduction: str | None) -> Any:
    """`reduction` lower-cased, one of `REDUCTIONS`."""
    if reduction is not None:
        if not isinstance(reduction, str) or reduction.lower() not in REDUCTIONS[1:]:
            raise InvalidArgumentError(
                f"Op '{op}' expected reduction to be None, 'add', 'max', 'min' or 'mul'. "
                f"Received: reduction={reduction!r}"
            )
        reduction = reduction.lower()
    return reduction


def is_eager_integer(*values: Any) -> Any:
    """Whether every value is eager and the first is an integer or bool
    array: those are updated exactly in NumPy (integers have no gradient)."""
    if C.any_symbolic(values):
        return False
    first = values[0].numpy() if isinstance(values[0], Variable) else np.asarray(values[0])
    return first.dtype.kind in "biu"


def eager_array(x: Any) -> Any:
    return x.numpy() if isinstance(x, Variable) else np.asarray(x)


# ---------------------------------------------------------------- flat rows


def flat_rows(op: str, ids: Any, shape: Any) -> Any:
    """Constant index tuples `ids` (..., k) into `shape` as flat row numbers
    over its first k axes (negative entries counted from the end)."""
    ids = to_index(ids, f"{op} indices")
    if ids.ndim == 0:
        raise ShapeError(
            f"Op '{op}' expected indices of rank >= 1, the last axis indexing the tensor's "
            f"first axes. Received: indices={ids.tolist()!r}"
        )
    k = ids.shape[-1]
    if not 1 <= k <= len(shape):
        raise ShapeError(
            f"Op '{op}' expected the indices' last axis to have between 1 and {len(shape)} "
            f"entries (the rank of the tensor updated). Received: indices of shape "
            f"{C.dims_text(ids.shape)} for a tensor of shape {C.dims_text(shape)}"
        )
    dims = [C.static_size(op, shape, i) for i in range(k)]
    flat = ids.reshape(-1, k)
    for i, d in enumerate(dims):
        column = flat[:, i]
        bad = (column < -d) | (column >= d)
        if bad.any():
            raise OutOfRangeError(
                f"Op '{op}' expected every index along axis {i} in [-{d}, {d}) for a tensor "
                f"of shape {C.dims_text(shape)}. Received: index={column[bad][0]}"
            )
    flat = np.where(flat < 0, flat + np.asarray(dims), flat)
    rows = np.ravel_multi_index(flat.T, dims) if flat.size else np.zeros(0, np.int64)
    return rows.astype(np.int64), k, ids.shape[:-1]


def _embed(ids: Any, table: Any) -> Any:
    return run("embedding", [np.asarray(ids, np.int64), table], index_inputs=(0,))


def _combine(reduction: str | None, a: Any, b: Any) -> Any:
    if reduction == "add":
        return run("add", [a, b])
    if reduction == "mul":
        return run("mul", [a, b])
    if reduction == "max":
        return run("maximum", [a, b])
    if reduction == "min":
        return run("minimum", [a, b])
    return b  # None: the update replaces


def _reduce_rows(rows: Any, table: Any, reduction: str | None) -> Any:
    """The rows of `table` (one per update) combined per target row:
    `(targets, reduced)` with the distinct targets, sorted, and one row each.
    `None` keeps each target's last update; the others pair rows up in
    rounds, each row with the next of its target, until one is left."""
    if reduction is None:
        # The last update of each target wins, as Keras's backends do.
        last = len(rows) - 1 - np.unique(rows[::-1], return_index=True)[1]
        targets = rows[last]
        return targets, _embed(last, table)
    order = np.argsort(rows, kind="stable")
    targets = rows[order]
    current = table if np.array_equal(order, np.arange(len(rows))) else _embed(order, table)
    while True:
        n = len(targets)
        first = np.r_[True, targets[1:] != targets[:-1]]
        rank = np.arange(n) - np.flatnonzero(first)[np.cumsum(first) - 1]
        if rank.max() == 0:
            return targets, current
        even = np.flatnonzero(rank % 2 == 0)
        partner = np.minimum(even + 1, n - 1)
        has = (even + 1 < n) & (targets[partner] == targets[even])
        a = _embed(even, current)
        b = _embed(np.where(has, partner, even), current)
        # A row without a partner stays itself: `where`, so no gradient
        # doubles through max(a, a).
        current = run("where", [has[:, None].astype(np.float32), _combine(reduction, a, b), a])
        targets = targets[even]


def update_rows(
    op: str, inputs: Any, rows: Any, k: int, updates: Any, reduction: str | None
) -> Any:
    """`inputs` with the rows (over its first k axes) at constant flat
    numbers `rows` combined with `updates` (one row each)."""
    shape = C.shape_of(op, inputs)
    n_rows = int(np.prod(shape[:k], dtype=np.int64))
    rest = shape[k:]
    width = None if None in rest else int(np.prod(rest, dtype=np.int64))
    table = C.reshape(op, inputs, [n_rows, width], shape)
    if len(rows) == 0 or n_rows == 0:
        return run("add", [inputs, C.zeros([1] * len(shape))])
    upd = C.reshape(op, updates, [len(rows), width], C.shape_of(op, updates))
    targets, reduced = _reduce_rows(rows, upd, reduction)
    slot = np.zeros(n_rows, np.int64)
    slot[targets] = np.arange(len(targets))
    touched = np.zeros((n_rows, 1), np.float32)
    touched[targets] = 1.0
    picked = _embed(slot, reduced)
    out = run("where", [touched, _combine(reduction, table, picked), table])
    return C.reshape(op, out, list(shape), C.shape_of(op, out))


def update_rows_symbolic(
    op: str, inputs: Any, indices: Any, updates: Any, reduction: str | None
) -> Any:
    """The same with symbolic indices (..., k): flat row numbers computed
    from them, `one_hot` rows, and a matmul that sums each row's updates.
    `None` divides by the number of updates per row, so duplicates give
    their mean (Keras leaves their order undefined)."""
    if reduction not in (None, "add"):
        raise InvalidArgumentError(
            f"Op '{op}' supports reduction={reduction!r} with constant indices only; with "
            f"symbolic indices use None or 'add'. Received: indices {indices!r}"
        )
    shape = C.shape_of(op, inputs)
    ids_shape = C.shape_of(op, indices)
    if not ids_shape or ids_shape[-1] is None or not 1 <= ids_shape[-1] <= len(shape):
        raise ShapeError(
            f"Op '{op}' expected indices whose last axis has between 1 and {len(shape)} "
            f"entries. Received: indices of shape {C.dims_text(ids_shape)} for a tensor of "
            f"shape {C.dims_text(shape)}"
        )
    k = ids_shape[-1]
    dims = [C.static_size(op, shape, i) for i in range(k)]
    n_rows = int(np.prod(dims, dtype=np.int64))
    rest = shape[k:]
    width = None if None in rest else int(np.prod(rest, dtype=np.int64))
    ids = run("cast", [indices], index_inputs=(0,), dtype="float32")
    dims_f = np.asarray(dims, np.float32)
    # Negative indices count from the end, as with constant ones.
    ids = run("where", [run("less", [ids, np.float32(0)]), run("add", [ids, dims_f]), ids])
    strides = np.asarray([int(np.prod(dims[i + 1 :], dtype=np.int64)) for i in range(k)])
    flat = run("sum", [run("mul", [ids, strides.astype(np.float32)])], axis=[-1])
    count = None if None in ids_shape[:-1] else int(np.prod(ids_shape[:-1], dtype=np.int64))
    if None in ids_shape[:-1] and width is None:
        raise ShapeError(
            f"Op '{op}' allows one size unknown until run time, in the indices or in the "
            f"updated rows, not both. Received: indices of shape {C.dims_text(ids_shape)} "
            f"for a tensor of shape {C.dims_text(shape)}"
        )
    hot = run("one_hot", [C.reshape(op, flat, [count])], num_classes=n_rows)
    upd = C.reshape(op, updates, [count, width], C.shape_of(op, updates))
    sums = run("matmul", [C.transpose(hot, [1, 0]), upd])
    table = C.reshape(op, inputs, [n_rows, width], shape)
    if reduction == "add":
        out = run("add", [table, sums])
    else:
        hits = run("sum", [hot], axis=[0])
        hits = C.reshape(op, hits, [n_rows, 1])
        mean = run("div", [sums, run("maximum", [hits, np.float32(1)])])
        out = run("where", [hits, mean, table])
    return C.reshape(op, out, list(shape), C.shape_of(op, out))


def expected_updates(op: str, updates: Any, batch: Any, shape: Any, k: int) -> Any:
    """`updates` broadcast to `batch + shape[k:]`, the shape the indices
    call for (a scalar update fills every indexed place)."""
    want = [*batch, *shape[k:]]
    have = C.shape_of(op, updates)
    if list(have) == want:
        return updates
    if None in want or None in have:
        raise ShapeError(
            f"Op '{op}' expected updates of shape {C.dims_text(want)} (the indices' leading "
            f"shape, then the tensor's sizes past the indexed axes). Received: updates of "
            f"shape {C.dims_text(have)}"
        )
    try:
        return broadcast_to(updates, want)
    except ShapeError:
        raise ShapeError(
            f"Op '{op}' expected updates of shape {C.dims_text(want)} (the indices' leading "
            f"shape, then the tensor's sizes past the indexed axes), or one that broadcasts "
            f"to it. Received: updates of shape {C.dims_text(have)}"
        ) from None


def scatter_numpy(
    op: str, inputs: Any, rows: Any, k: int, updates: Any, reduction: str | None
) -> Any:
    """The eager update of an integer or bool array, exactly, in NumPy."""
    shape = inputs.shape
    out = inputs.reshape((int(np.prod(shape[:k], dtype=np.int64)), *shape[k:])).copy()
    upd = np.asarray(updates).reshape((len(rows), *shape[k:]))
    if reduction is None:
        # Assigning in order: the last update of a row wins.
        out[rows] = upd.astype(out.dtype)
    else:
        ufunc = {"add": np.add, "mul": np.multiply, "max": np.maximum, "min": np.minimum}
        wide = out.astype(np.result_type(out, upd))
        ufunc[reduction].at(wide, rows, upd)
        out = wide.astype(out.dtype)
    return out.reshape(shape)


# ---------------------------------------------------------------- slices


def slice_update(op: str, inputs: Any, start: Any, updates: Any) -> Any:
    """`inputs` with the block at `start` replaced by `updates`: the updates
    padded to the full shape and chosen by a constant mask."""
    shape = C.shape_of(op, inputs)
    upd_shape = C.shape_of(op, updates)
    if len(upd_shape) != len(shape) or len(start) != len(shape):
        raise ShapeError(
            f"Op '{op}' expected start_indices with one entry per axis and updates of the "
            f"same rank as inputs ({len(shape)}). Received: start_indices={start}, updates "
            f"of shape {C.dims_text(upd_shape)} for inputs of shape {C.dims_text(shape)}"
        )
    pads, mask_shape, block = [], [], []
    for i, (d, u, s) in enumerate(zip(shape, upd_shape, start)):
        if d is None or u is None:
            if not (d is None and u is None and s == 0):
                raise ShapeError(
                    f"Op '{op}' can update along an axis whose size is unknown until run time "
                    f"only with start index 0 and updates spanning it. Received: "
                    f"start_indices={start}, updates of shape {C.dims_text(upd_shape)} for "
                    f"inputs of shape {C.dims_text(shape)}"
                )
            pads.append([0, 0])
            mask_shape.append(1)
            block.append(slice(None))
            continue
        if s < 0 or s + u > d:
            raise OutOfRangeError(
                f"Op '{op}' expected start_indices[{i}] in [0, {d - u}] so that updates of "
                f"size {u} fit in axis {i} of size {d}. Received: start_indices={start}"
            )
        pads.append([s, d - s - u])
        mask_shape.append(d)
        block.append(slice(s, s + u))
    mask = np.zeros(mask_shape, np.float32)
    mask[tuple(block)] = 1.0
    padded = (
        updates if not any(p != [0, 0] for p in pads) else run("pad", [updates], pad_width=pads)
    )
    return run("where", [mask, padded, inputs])


# ---------------------------------------------------------------- get_item


def get_item(op: str, x: Any, key: Any) -> Any:
    """`x[key]` for any NumPy key, as one gather: the key applied to the
    element numbers of x's static part picks the elements (a size unknown
    until run time may be kept whole, or sliced with a step of 1)."""
    shape = C.shape_of(op, x)
    numpy_key = normalize_key(op, key, len(shape), keep_ellipsis=True)
    key = normalize_key(op, key, len(shape))
    unknown = [i for i, d in enumerate(shape) if d is None]
    if len(unknown) > 1:
        raise ShapeError(
            f"Op '{op}' allows at most one size unknown until run time. Received: a tensor "
            f"of shape {C.dims_text(shape)}"
        )
    if not unknown:
        positions = index_positions(op, shape, numpy_key)
        table = C.reshape(op, x, [int(np.prod(shape, dtype=np.int64)), 1], shape)
        picked = _embed(positions.ravel(), table)
        return C.reshape(op, picked, list(positions.shape), C.shape_of(op, picked))
    u = unknown[0]
    # The entries of the key per axis: Nones take no axis.
    entries, axis_of_entry = [], []
    axis = 0
    for k in key:
        axis_of_entry.append(None if k is None else axis)
        if k is not None:
            axis += np.ndim(k) if _is_bool_array(k) else 1
        entries.append(k)
    j = axis_of_entry.index(u)
    k = entries[j]
    if isinstance(k, (int, np.integer)) or (
        isinstance(k, slice) and k != slice(None) and k.step in (None, 1)
    ):
        start = int(k if not isinstance(k, slice) else (k.start or 0))
        stop = None if isinstance(k, slice) else start + 1
        if isinstance(k, slice) and k.stop is not None:
            stop = int(k.stop)
        if start < 0 or (stop is not None and stop < start):
            raise ShapeError(
                f"Op '{op}' can only take non-negative starts and stops along axis {u}, "
                f"whose size is unknown until run time. Received: key={key!r}"
            )
        x = run(
            "slice",
            [x],
            start_indices=[start if i == u else 0 for i in range(len(shape))],
            shape=[
                (-1 if stop is None else stop - start) if i == u else -1 for i in range(len(shape))
            ],
        )
        entries[j] = 0 if not isinstance(k, slice) else slice(None)
        return get_item(op, x, tuple(entries))
    if not (isinstance(k, slice) and k == slice(None)):
        raise ShapeError(
            f"Op '{op}' can only keep whole, or slice with a step of 1, axis {u}, whose size "
            f"is unknown until run time. Received: key={key!r}"
        )
    # Keep the unknown axis whole: the rest is a gather on the others, with
    # the unknown axis moved last as the table's columns.
    rest_key = tuple(e for i, e in enumerate(entries) if i != j)
    known = [i for i in range(len(shape)) if i != u]
    positions = index_positions(op, [shape[i] for i in known], rest_key)
    arrays = [e for e in rest_key if _is_array_key(e)]
    ints = [e for e in rest_key if isinstance(e, (int, np.integer))]
    if len(arrays) > 1 or (arrays and ints):
        # NumPy moves the dims of separated or int-mixed advanced indices
        # to the front, where the kept axis's place is not a fixed slot.
        raise ShapeError(
            f"Op '{op}' supports at most one array key, and no int keys beside it, on a "
            f"tensor with a size unknown until run time. Received: key={key!r} for a tensor "
            f"of shape {C.dims_text(shape)}"
        )
    table = C.transpose(x, known + [u])
    table = C.reshape(op, table, [int(np.prod([shape[i] for i in known], dtype=np.int64)), None])
    picked = _embed(positions.ravel(), table)
    picked = C.reshape(op, picked, [*positions.shape, None])
    # Where the kept axis goes: after the result axes of the entries before it
    # (an integer array's own axes, one for a boolean mask's).
    place = sum(
        (1 if _is_bool_array(e) else e.ndim)
        if _is_array_key(e)
        else int(not isinstance(e, (int, np.integer)))
        for e in entries[:j]
    )
    order = list(range(positions.ndim))
    order.insert(place, positions.ndim)
    return C.transpose(picked, order)


def _is_bool_array(k: int) -> Any:
    return isinstance(k, np.ndarray) and k.dtype == np.bool_


def _is_array_key(k: int) -> Any:
    return isinstance(k, np.ndarray)


def normalize_key(op: str, key: Any, ndim: int, keep_ellipsis: bool = False) -> Any:
    """`key` as a tuple of ints, slices, None and NumPy arrays, its Ellipsis
    expanded and trailing axes kept whole (or, with `keep_ellipsis`, the key
    checked and its arrays converted, Ellipsis left where it is: NumPy counts an
    Ellipsis between two advanced indices as separating them even when it
    stands for no axis, which moves their axes to the front)."""
    if C.is_symbolic(key) or (isinstance(key, tuple) and any(C.is_symbolic(k) for k in key)):
        raise InvalidArgumentError(
            f"Op '{op}' needs a key of constant ints, slices, None, Ellipsis or arrays; a "
            f"symbolic key has no value until run time (use `take` or `take_along_axis` "
            f"for indices computed in the model). Received: key={key!r}"
        )
    if not isinstance(key, tuple):
        key = (key,)
    items = []
    for k in key:
        if isinstance(k, (list, np.ndarray)) or hasattr(k, "numpy"):
            k = eager_array(k)
            if k.dtype.kind not in "biu":
                raise InvalidArgumentError(
                    f"Op '{op}' expected array keys of integers or bools. Received: a key of "
                    f"dtype {k.dtype}"
                )
        elif isinstance(k, (bool, np.bool_)):
            k = np.asarray(k)
        elif not (k is None or k is Ellipsis or isinstance(k, (int, np.integer, slice))):
            raise InvalidArgumentError(
                f"Op '{op}' expected a key of ints, slices, None, Ellipsis or arrays. "
                f"Received: key={key!r}"
            )
        items.append(k)
    used = sum(
        np.ndim(k) if _is_bool_array(k) else 1 for k in items if k is not None and k is not Ellipsis
    )
    if sum(k is Ellipsis for k in items) > 1:
        raise InvalidArgumentError(f"Op '{op}' allows one Ellipsis in a key. Received: key={key!r}")
    if used > ndim:
        raise OutOfRangeError(
            f"Op '{op}' got a key for {used} axes on a tensor of rank {ndim}. Received: key={key!r}"
        )
    if keep_ellipsis:
        return tuple(items)
    fill = [slice(None)] * (ndim - used)
    if any(k is Ellipsis for k in items):
        e = next(i for i, k in enumerate(items) if k is Ellipsis)
        items = items[:e] + fill + items[e + 1 :]
    else:
        items = items + fill
    return tuple(items)


def index_positions(op: str, shape: Any, key: Any) -> Any:
    """The element numbers of a tensor of `shape` that `key` picks, by
    NumPy's indexing rules."""
    numbers = np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64).reshape(shape)
    try:
        return np.asarray(numbers[key])
    except IndexError as e:
        raise OutOfRangeError(
            f"Op '{op}' got a key out of range for a tensor of shape {C.dims_text(shape)} "
            f"({e}). Received: key={key!r}"
        ) from None
