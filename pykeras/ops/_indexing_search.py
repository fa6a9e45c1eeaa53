"""Searching, counting and binning (`searchsorted`, `digitize`, `isin`,
`bincount`, `histogram`, `unravel_index`) and the eager-only `nonzero` and
`unique`.

Their results have static shapes, so each has a symbolic path built from
comparisons and sums (0/1 masks, float32 counts and positions); eagerly they
run in NumPy with Keras's result dtypes (int32 positions and counts, bool
masks), exact for integer inputs. None of them has a gradient in Keras
except `bincount`'s with respect to its weights, which the symbolic path
keeps (a one_hot matmul).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras.errors import InvalidArgumentError, OutOfRangeError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run
from pykeras.ops._indexing_scatter import eager_array

F32 = np.float32


def values_only(op: str, why: Any, hint: str = "") -> Any:
    """The error for an op whose result's shape depends on values."""
    return ShapeError(
        f"Op '{op}' works on concrete arrays only: {why}, unknown while a model is built "
        f"(as under jax.jit){hint}. Received: a symbolic tensor"
    )


def expand_last(op: str, x: Any) -> Any:
    shape = C.shape_of(op, x)
    return C.reshape(op, x, [*shape, 1], shape)


def count_where(op: str, mask: Any) -> Any:
    """The number of ones along the last axis of a 0/1 mask."""
    return run("sum", [mask], axis=[-1])


# ---------------------------------------------------------------- searchsorted


def check_side(op: str, side: str) -> None:
    if side not in ("left", "right"):
        raise InvalidArgumentError(
            f"Op '{op}' expected side to be 'left' or 'right'. Received: side={side!r}"
        )


def check_sorted_sequence(op: str, seq: Any) -> Any:
    shape = C.shape_of(op, seq)
    if len(shape) != 1:
        raise ShapeError(
            f"Op '{op}' expected a 1-D sorted_sequence. Received: a tensor of shape "
            f"{C.dims_text(shape)}"
        )
    return C.static_size(op, shape, 0)


def searchsorted_symbolic(op: str, seq: Any, values: Any, side: str) -> Any:
    """The number of sequence entries below (left) or not above (right) each
    value, by one comparison per pair."""
    n = check_sorted_sequence(op, seq)
    v = expand_last(op, values)
    if n == 0:
        return run("sum", [run("where", [v, F32(0), F32(0)])], axis=[-1])
    compare = "less" if side == "left" else "less_equal"
    return count_where(op, run(compare, [seq, v]))


def digitize_symbolic(op: str, x: Any, bins: Any) -> Any:
    """np.digitize: the number of bins not above x for increasing bins, of
    bins above x for decreasing ones (picked at run time when the bins are
    symbolic)."""
    n = check_sorted_sequence(op, bins)
    v = expand_last(op, x)
    if n == 0:
        return run("sum", [run("where", [v, F32(0), F32(0)])], axis=[-1])
    up = count_where(op, run("less_equal", [bins, v]))
    down = count_where(op, run("greater", [bins, v]))
    if not C.is_symbolic(bins):
        b = np.asarray(bins)
        return up if b[-1] >= b[0] else down
    last = run("slice", [bins], start_indices=[n - 1], shape=[1])
    first = run("slice", [bins], start_indices=[0], shape=[1])
    return run("where", [run("greater_equal", [last, first]), up, down])


def digitize_eager(op: str, x: Any, bins: Any) -> Any:
    b = eager_array(bins)
    if b.ndim != 1:
        raise ShapeError(f"Op '{op}' expected 1-D bins. Received: bins of shape {b.shape}")
    if b.size > 1:
        d = np.diff(b.astype(np.float64))
        if not (np.all(d >= 0) or np.all(d <= 0)):
            raise InvalidArgumentError(
                f"Op '{op}' expected bins that increase or decrease monotonically. "
                f"Received: bins={b.tolist()!r}"
            )
    return np.asarray(np.digitize(eager_array(x), b)).astype(np.int32)


# ---------------------------------------------------------------- isin


def isin_symbolic(op: str, x1: Any, x2: Any) -> Any:
    """1 where an element of x1 equals one of x2's (compared as float32)."""
    shape2 = C.shape_of(op, x2)
    flat = C.flatten(op, x2) if shape2 else C.reshape(op, x2, [1], shape2)
    n = C.static_size(op, C.shape_of(op, flat), 0, "axis")
    v = expand_last(op, x1)
    if n == 0:
        return run("sum", [run("where", [v, F32(0), F32(0)])], axis=[-1])
    return run("max", [run("equal", [v, flat])], axis=[-1])


# ---------------------------------------------------------------- bincount


def bincount(op: str, x: Any, weights: Any, minlength: int, sparse: Any) -> Any:
    if sparse:
        raise InvalidArgumentError(
            f"Op '{op}' has no sparse result: pykeras tensors are dense. Received: sparse=True"
        )
    minlength = C.check_int(op, "minlength", minlength, low=0)
    shape = C.shape_of(op, x)
    if len(shape) != 1:
        raise ShapeError(
            f"Op '{op}' expected a 1-D tensor of non-negative integers. Received: a tensor "
            f"of shape {C.dims_text(shape)}"
        )
    if weights is not None and C.shape_of(op, weights) != shape:
        raise ShapeError(
            f"Op '{op}' expected weights of the same shape as x {C.dims_text(shape)}. "
            f"Received: weights of shape {C.dims_text(C.shape_of(op, weights))}"
        )
    if not C.any_symbolic([x, weights]):
        xs = eager_array(x)
        if xs.dtype.kind not in "iub" and not (xs.dtype.kind == "f" and np.all(xs == np.floor(xs))):
            raise InvalidArgumentError(
                f"Op '{op}' expected integer values. Received: an array of dtype {xs.dtype}"
            )
        xs = xs.astype(np.int64)
        if xs.size and xs.min() < 0:
            raise OutOfRangeError(
                f"Op '{op}' expected non-negative values. Received: a minimum of {xs.min()}"
            )
        if weights is None:
            return np.bincount(xs, minlength=minlength).astype(np.int32)
        w = eager_array(weights)
        dtype = w.dtype if w.dtype.kind in "iu" else np.float32
        if w.dtype.kind == "b":
            dtype = np.int32
        if w.dtype.kind in "iu":
            wide = np.zeros(max(minlength, int(xs.max()) + 1 if xs.size else 0), np.int64)
            np.add.at(wide, xs, w.astype(np.int64))
            return wide.astype(dtype)
        return np.bincount(xs, weights=w.astype(np.float64), minlength=minlength).astype(dtype)
    if minlength == 0:
        raise ShapeError(
            f"Op '{op}' on a symbolic tensor needs minlength > 0: the result's length, "
            f"otherwise max(x) + 1, is unknown until run time. Values >= minlength then "
            f"raise at run time. Received: minlength=0"
        )
    return bincount_symbolic(op, x, weights, minlength)


def bincount_symbolic(op: str, x: Any, weights: Any, minlength: int) -> Any:
    """Counts (or sums of weights) by one_hot rows of length minlength: a
    static shape, differentiable with respect to the weights."""
    n = C.shape_of(op, x)[0]
    ids = x if C.is_symbolic(x) else np.asarray(x).astype(np.int64)
    hot = run(
        "one_hot", [ids], index_inputs=() if C.is_symbolic(x) else (0,), num_classes=minlength
    )
    if weights is None:
        return run("sum", [hot], axis=[0])
    w = C.reshape(op, weights, [1, n], (n,))
    out = run("matmul", [w, hot])
    return C.reshape(op, out, [minlength], C.shape_of(op, out))


# ---------------------------------------------------------------- histogram


def check_histogram_args(op: str, x: Any, bins: Any, range_: Any) -> None:
    if isinstance(bins, (bool, np.bool_)) or not isinstance(bins, (int, np.integer)):
        raise InvalidArgumentError(
            f"Op '{op}' expected bins to be an int (a number of equal-width bins). "
            f"Received: bins={bins!r}"
        )
    if bins < 1:
        raise InvalidArgumentError(
            f"Op '{op}' expected bins to be at least 1. Received: bins={bins!r}"
        )
    if range_ is not None:
        if not isinstance(range_, (tuple, list)) or len(range_) != 2:
            raise InvalidArgumentError(
                f"Op '{op}' expected range to be None or a tuple (min, max). "
                f"Received: range={range_!r}"
            )
        if not range_[0] <= range_[1]:
            raise InvalidArgumentError(
                f"Op '{op}' expected range's min <= max. Received: range={range_!r}"
            )
    shape = C.shape_of(op, x)
    if len(shape) != 1:
        raise ShapeError(
            f"Op '{op}' expected a 1-D tensor. Received: a tensor of shape {C.dims_text(shape)}"
        )


def _fractions(bins: Any) -> Any:
    """i / bins for i in 0..bins, as float32 (1 exactly at the end)."""
    return (np.arange(bins + 1, dtype=np.float32) / np.float32(bins)).astype(np.float32)


def histogram_edges(lo: Any, hi: Any, bins: Any) -> Any:
    """bins + 1 float32 edges from lo to hi, as JAX's linspace makes them
    (lo * (1 - t) + hi * t in float32); equal bounds are widened by 0.5
    each way, as NumPy and JAX do."""
    lo, hi = F32(lo), F32(hi)
    if lo == hi:
        lo, hi = lo - F32(0.5), hi + F32(0.5)
    t = _fractions(bins)
    edges = (lo * (F32(1) - t) + hi * t).astype(np.float32)
    edges[-1] = hi
    return edges


def histogram_eager(op: str, x: Any, bins: Any, range_: Any) -> Any:
    xs = eager_array(x).astype(np.float32)
    if range_ is None:
        lo, hi = (float(xs.min()), float(xs.max())) if xs.size else (0.0, 1.0)
    else:
        lo, hi = float(range_[0]), float(range_[1])
    edges = histogram_edges(F32(lo), F32(hi), bins)
    counts = _histogram_counts(op, xs, edges)
    return counts, edges


def _histogram_counts(op: str, x: Any, edges: Any) -> Any:
    """Counts per bin by comparisons: [e_i, e_i+1), the last bin closed."""
    bins = C.shape_of(op, edges)[0] - 1
    v = expand_last(op, x)
    lower = C.reshape(op, run("slice", [edges], start_indices=[0], shape=[bins]), [bins])
    upper = C.reshape(op, run("slice", [edges], start_indices=[1], shape=[bins]), [bins])
    inside = run("mul", [run("greater_equal", [v, lower]), run("less", [v, upper])])
    # The last bin includes its upper edge.
    last = np.zeros(bins, np.float32)
    last[-1] = 1.0
    at_top = run("mul", [run("equal", [v, upper]), last])
    counts = run("sum", [run("add", [inside, at_top])], axis=[0])
    return counts


def histogram_symbolic(op: str, x: Any, bins: Any, range_: Any) -> Any:
    """Edges from range (or from x's min and max at run time) and counts by
    comparisons: static shapes (bins,) and (bins + 1,), float32."""
    if range_ is not None:
        edges = histogram_edges(F32(range_[0]), F32(range_[1]), bins)
        return _histogram_counts(op, x, edges), edges
    C.static_size(op, C.shape_of(op, x), 0)
    lo = run("neg", [run("max", [run("neg", [x])], axis=[0], keepdims=True)])
    hi = run("max", [x], axis=[0], keepdims=True)
    same = run("equal", [lo, hi])
    lo = run("sub", [lo, run("mul", [same, F32(0.5)])])
    hi = run("add", [hi, run("mul", [same, F32(0.5)])])
    t = _fractions(bins)
    # The last fraction is exactly 1: the last edge is hi itself.
    edges = run("add", [run("mul", [lo, F32(1) - t]), run("mul", [hi, t])])
    edges = run("stop_gradient", [edges])
    return _histogram_counts(op, x, edges), edges


# ---------------------------------------------------------------- unravel_index


def check_unravel_shape(op: str, shape: Any) -> Any:
    if C.is_symbolic(shape):
        raise InvalidArgumentError(
            f"Op '{op}' needs a shape of concrete ints. Received: shape={shape!r}"
        )
    return C.int_list(op, "shape", shape, low=0)


def unravel_symbolic(op: str, indices: Any, dims: Any) -> Any:
    """Coordinates of flat indices by floor divisions (float32, exact below
    2**24)."""
    ids = indices
    out = []
    for i, d in enumerate(dims):
        inner = int(np.prod(dims[i + 1 :], dtype=np.int64))
        q = run("floor", [run("div", [ids, F32(inner)])])
        qq = run("floor", [run("div", [ids, F32(inner * d)])])
        out.append(run("sub", [q, run("mul", [qq, F32(d)])]))
    return tuple(out)


def unravel_eager(op: str, indices: Any, dims: Any) -> Any:
    ids = eager_array(indices)
    if ids.dtype.kind not in "iu":
        raise InvalidArgumentError(
            f"Op '{op}' expected integer indices. Received: an array of dtype {ids.dtype}"
        )
    size = int(np.prod(dims, dtype=np.int64))
    if ids.size and (ids.min() < 0 or ids.max() >= size):
        bad = ids[(ids < 0) | (ids >= size)].flat[0]
        raise OutOfRangeError(
            f"Op '{op}' expected flat indices in [0, {size}) for shape {tuple(dims)}. "
            f"Received: index={bad}"
        )
    return tuple(np.asarray(c).astype(np.int32) for c in np.unravel_index(ids, dims))


# ---------------------------------------------------------------- unique


def unique_eager(
    op: str,
    x: Any,
    return_index: Any,
    return_inverse: Any,
    return_counts: Any,
    axis: Any,
    size: Any,
    fill_value: float,
) -> Any:
    """np.unique with JAX's conventions: int32 positions and counts, the
    inverse in x's shape when axis is None, padding to `size`."""
    xs = eager_array(x)
    if axis is not None:
        axis = C.axis_of(op, axis, xs.ndim)
    if size is not None:
        size = C.check_int(op, "size", size, low=0)
    values, index, inverse, counts = np.unique(
        xs, return_index=True, return_inverse=True, return_counts=True, axis=axis
    )
    if axis is None:
        inverse = inverse.reshape(xs.shape)
    else:
        inverse = inverse.reshape(-1)
    if size is not None:
        n = values.shape[0 if axis is None else axis]
        values, index, counts = _pad_unique(values, index, counts, n, size, axis, fill_value)
    out = [values]
    if return_index:
        out.append(index.astype(np.int32))
    if return_inverse:
        out.append(inverse.astype(np.int32))
    if return_counts:
        out.append(counts.astype(np.int32))
    return out[0] if len(out) == 1 else tuple(out)


def _pad_unique(
    values: Any, index: Any, counts: Any, n: int, size: Any, axis: Any, fill_value: float
) -> Any:
    ax = 0 if axis is None else axis
    if n >= size:
        keep = np.arange(size)
        return np.take(values, keep, axis=ax), index[:size], counts[:size]
    pad = size - n
    if fill_value is None:
        # JAX fills with the smallest unique value.
        filler = (
            np.take(values, [0] * pad, axis=ax)
            if n
            else np.zeros([pad if i == ax else d for i, d in enumerate(values.shape)], values.dtype)
        )
    else:
        filler = np.full(
            [pad if i == ax else d for i, d in enumerate(values.shape)],
            fill_value,
        ).astype(values.dtype)
    values = np.concatenate([values, filler], axis=ax)
    # JAX pads the first-occurrence indices with the first unique element's.
    index = np.concatenate([index, np.full(pad, index[0] if n else 0, index.dtype)])
    counts = np.concatenate([counts, np.zeros(pad, counts.dtype)])
    return values, index, counts
