"""Indexing and scattering, as `keras.ops` has them: slice_update, scatter,
scatter_update, get_item, select, nonzero, unique, isin, searchsorted,
digitize, bincount, histogram and unravel_index.

The updates and `get_item` are composites of the core's primitives
(`embedding` gathers, whose backward pass scatter-adds, and `where` with
constant masks), so they run eagerly, in Functional models and in traced
graphs, and are differentiable with respect to the tensor updated and the
updates; their indices are checked in NumPy first, so an index out of range
raises `OutOfRangeError` naming the op and nothing reads out of bounds.
Eagerly, integer and bool arrays keep their dtype and exact values.

The searches and counts have static shapes and work symbolically too, from
comparisons and sums (float32 0/1 masks and counts there); eagerly they give
Keras's dtypes (int32 positions and counts, bool masks). `nonzero` and
`unique`, whose result shapes depend on values, work on arrays only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops import _indexing_scatter as S
from pykeras.ops import _indexing_search as Q
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__ = [
    "bincount",
    "digitize",
    "get_item",
    "histogram",
    "isin",
    "nonzero",
    "scatter",
    "scatter_update",
    "searchsorted",
    "select",
    "slice_update",
    "unique",
    "unravel_index",
]


def _same_dtype_updates(inputs: Any, updates: Any) -> Any:
    """Eager updates cast to an integer or bool `inputs`' dtype, as Keras
    writes them into it."""
    if not C.any_symbolic([inputs, updates]):
        target = S.eager_array(inputs)
        if target.dtype.kind in "biu":
            return S.eager_array(updates).astype(target.dtype)
    return updates


def slice_update(inputs: TensorLike, start_indices: Sequence[int], updates: TensorLike) -> Tensor:
    """Update an input by slicing in a tensor of updated values.

    At a high level, this operation does
    `inputs[start_indices: start_indices + updates.shape] = updates`.

    Args:
        inputs: A tensor, the tensor to be updated.
        start_indices: A list/tuple of `inputs.ndim` constant ints, the
            starting indices of the block updated. Each must leave room for
            the updates (an out-of-range start raises `OutOfRangeError`,
            where JAX would clamp it).
        updates: A tensor of the same rank as `inputs`, the new values.
            Along an axis whose size is unknown until run time (the batch)
            the start must be 0 and the updates must span the axis.

    Returns:
        A tensor with the same shape and dtype as `inputs`; its gradient
        flows to `inputs` outside the block and to `updates` inside it.

    Example:

    >>> keras.ops.slice_update(np.zeros((3, 3)), [1, 1], np.ones((2, 2)))
    array([[0., 0., 0.],
           [0., 1., 1.],
           [0., 1., 1.]])
    """
    op = "slice_update"
    if C.is_symbolic(start_indices):
        raise InvalidArgumentError(
            f"Op '{op}' needs constant start_indices (the padding that places the updates "
            f"is fixed when the graph is built). Received: start_indices={start_indices!r}"
        )
    start = C.int_list(op, "start_indices", start_indices)
    updates = _same_dtype_updates(inputs, updates)
    return C.rearrange(lambda x, u: S.slice_update(op, x, start, u), [inputs, updates])


def scatter_update(
    inputs: TensorLike, indices: TensorLike, updates: TensorLike, reduction: str | None = None
) -> Tensor:
    """Update inputs via updates at scattered (sparse) indices.

    At a high level, this operation does `inputs[indices] = updates`.
    `indices` has shape `(..., k)`: each index tuple picks an element
    (`k == inputs.ndim`) or a slice `inputs[i0, ..., ik-1]` (`k < ndim`), and
    `updates` has shape `indices.shape[:-1] + inputs.shape[k:]` (or one
    that broadcasts to it). Negative indices count from the end.

    Args:
        inputs: A tensor, the tensor to be updated.
        indices: A tensor or list/tuple of shape `(N, k)`, specifying
            indices to update. Constant indices are checked first: one out
            of range raises `OutOfRangeError`. Symbolic indices (from an
            integer model input) support `reduction=None` or `"add"`; there
            duplicates under `None` give the mean of their updates, and an
            index out of range raises when the model runs.
        updates: A tensor, the new values to be put to `inputs` at
            `indices`.
        reduction: How updates of the same place combine: `None` (the last
            one wins), `"add"`, `"max"`, `"min"` or `"mul"` (each also with
            the value already there).

    Returns:
        A tensor with the same shape and dtype as `inputs`, differentiable
        with respect to `inputs` and `updates`.

    Example:

    >>> keras.ops.scatter_update(np.zeros(4), [[0], [0], [1]], np.ones(3), reduction="add")
    array([2., 1., 0., 0.])
    """
    op = "scatter_update"
    reduction = S.check_reduction(op, reduction)
    if C.is_symbolic(indices):
        return S.update_rows_symbolic(op, inputs, indices, updates, reduction)
    shape = C.shape_of(op, inputs)
    rows, k, batch = S.flat_rows(op, indices, shape)
    updates = S.expected_updates(op, updates, batch, shape, k)
    if S.is_eager_integer(inputs, updates):
        return S.scatter_numpy(op, S.eager_array(inputs), rows, k, updates, reduction)
    return S.update_rows(op, inputs, rows, k, updates, reduction)


def scatter(indices: TensorLike, values: TensorLike, shape: Sequence[int]) -> Tensor:
    """Returns a tensor of shape `shape` where `indices` are set to `values`.

    At a high level, this operation does `zeros[indices] = values` and
    returns the output; values at repeated indices are summed.

    Args:
        indices: A tensor or list/tuple of shape `(N, k)`, specifying
            indices for the values in `values` (see `scatter_update`).
        values: A tensor, the values to be set at `indices`.
        shape: Shape of the output tensor (constant ints).

    Returns:
        A tensor of shape `shape` and the dtype of `values`, differentiable
        with respect to `values`.

    Example:

    >>> keras.ops.scatter([[0, 1], [1, 1]], np.array([1.0, 1.0]), shape=(2, 2))
    array([[0., 1.],
           [0., 1.]])
    """
    op = "scatter"
    if C.is_symbolic(shape):
        raise InvalidArgumentError(f"Op '{op}' needs a shape of concrete ints. Received: {shape!r}")
    dims = C.int_list(op, "shape", shape, low=0)
    if C.is_symbolic(indices):
        return S.update_rows_symbolic(op, C.zeros(dims), indices, values, "add")
    rows, k, batch = S.flat_rows(op, indices, tuple(dims))
    values = S.expected_updates(op, values, batch, tuple(dims), k)
    if not C.any_symbolic([values]):
        v = S.eager_array(values)
        if v.dtype.kind in "biu":
            return S.scatter_numpy(op, np.zeros(dims, v.dtype), rows, k, v, "add")
    return S.update_rows(op, C.zeros(dims), rows, k, values, "add")


def get_item(x: TensorLike, key: TensorLike) -> Tensor:
    """Return `x[key]`.

    Any NumPy key works on a tensor whose sizes are all known: ints,
    slices (any step), None, Ellipsis, integer and boolean arrays. Along a
    size unknown until run time (the batch) the key may keep the axis
    whole, slice it with a step of 1 or take one non-negative position.

    Args:
        x: Input tensor.
        key: The key, with constant values (see `take` for indices computed
            in a model).

    Returns:
        The elements `x[key]` picks, with `x`'s dtype; the gradient flows
        back to the elements picked.

    Example:

    >>> keras.ops.get_item(np.arange(6).reshape(2, 3), (slice(None), 1))
    array([1, 4])
    """
    return C.rearrange(lambda t: S.get_item("get_item", t, key), [x])


def select(condlist: Sequence[Any], choicelist: Sequence[Any], default: TensorLike = 0) -> Tensor:
    """Return elements from `choicelist`, based on conditions in `condlist`.

    Args:
        condlist: List of boolean tensors. The list of conditions which
            determine from which array in choicelist the output elements
            are taken. When multiple conditions are satisfied, the first one
            encountered in condlist is used.
        choicelist: List of tensors. The list of tensors from which the
            output elements are taken. This list has to be of the same
            length as `condlist`.
        default: Optional scalar value. The element inserted in the output
            when all conditions evaluate to `False`.

    Returns:
        Tensor where the output at position `m` is the `m`-th element of the
        tensor in `choicelist` where the `m`-th element of the corresponding
        tensor in `condlist` is `True`; its dtype is that of the choices and
        the default together (float32 on symbolic tensors).

    Example:

    >>> x = np.arange(6)
    >>> keras.ops.select([x < 3, x > 3], [x, x**2], 42)
    array([ 0,  1,  2, 42, 16, 25])
    """
    op = "select"
    if not isinstance(condlist, (list, tuple)) or not isinstance(choicelist, (list, tuple)):
        raise InvalidArgumentError(
            f"Op '{op}' expected condlist and choicelist to be lists of tensors. "
            f"Received: condlist={type(condlist).__name__}, choicelist={type(choicelist).__name__}"
        )
    if len(condlist) != len(choicelist) or not condlist:
        raise InvalidArgumentError(
            f"Op '{op}' expected condlist and choicelist of the same, non-zero length. "
            f"Received: {len(condlist)} conditions and {len(choicelist)} choices"
        )
    fill: Any = default  # a number, an array or a symbolic tensor
    if not C.any_symbolic([*condlist, *choicelist, fill]):
        choices = [S.eager_array(c) for c in choicelist]
        dtype = _select_dtype(choices, fill)
        if dtype.kind != "f":
            conds = [S.eager_array(c).astype(bool) for c in condlist]
            same = np.broadcast_arrays(*conds, *choices)[: len(conds)]
            return np.asarray(np.select(same, choices, fill)).astype(dtype)
    out = fill if C.is_symbolic(fill) else np.float32(fill)
    for cond, choice in zip(reversed(condlist), reversed(choicelist)):
        out = run("where", [cond, choice, out])
    return out


def _select_dtype(choices: Any, default: Any) -> Any:
    """Keras's dtype for select: the choices' own, widened to float32 by a
    float default (a Python int default adapts to them)."""
    kinds = [c.dtype for c in choices]
    d = np.asarray(default)
    if any(k.kind == "f" for k in kinds) or d.dtype.kind == "f":
        return np.dtype(np.float32)
    dtype = np.result_type(*kinds)
    if dtype.kind == "b" and d.dtype.kind != "b":
        return np.dtype(np.int32)
    return dtype


def nonzero(x: TensorLike) -> tuple[Any, ...]:
    """Return the indices of the elements that are non-zero.

    Works on concrete arrays only: how many elements are non-zero is unknown
    while a model is built (a `ShapeError` there).

    Args:
        x: Input tensor.

    Returns:
        A tuple of int32 tensors, one per axis of `x`, with the indices of
        the non-zero elements along that axis.

    Example:

    >>> keras.ops.nonzero(np.array([[0, 3], [5, 0]]))
    (array([0, 1], dtype=int32), array([1, 0], dtype=int32))
    """
    if C.any_symbolic([x]):
        raise Q.values_only(
            "nonzero", "the number of non-zero elements is known only from x's values"
        )
    a = S.eager_array(x)
    if a.ndim == 0:
        raise ShapeError("Op 'nonzero' expected a tensor of rank >= 1. Received: a scalar")
    return tuple(i.astype(np.int32) for i in np.nonzero(a))


def unique(
    x: TensorLike,
    sorted: bool = True,
    return_index: bool = False,
    return_inverse: bool = False,
    return_counts: bool = False,
    axis: int | None = None,
    size: int | None = None,
    fill_value: Any = None,
) -> Tensor | tuple[Tensor, ...]:
    """Return the unique elements of a tensor.

    Works on concrete arrays only: pykeras does not compute it on symbolic
    tensors, even with `size` (Keras's way to use it under jit), since its
    result depends on the values.

    Args:
        x: Input tensor.
        sorted: Accepted for Keras compatibility; the unique elements come
            back sorted either way, as on Keras's JAX backend.
        return_index: Whether to also return the index of each unique
            element's first occurrence.
        return_inverse: Whether to also return, for each element of `x`,
            the index of its unique element (in `x`'s shape when `axis` is
            None).
        return_counts: Whether to also return the number of times each
            unique element occurs.
        axis: The axis along which to find unique slices; None flattens.
        size: If given, the number of unique elements returned: fewer are
            padded with `fill_value`, more are cut.
        fill_value: The padding value when `size` is given; by default the
            smallest unique element.

    Returns:
        The unique elements (the dtype of `x`), or a tuple of them and the
        int32 index, inverse and counts asked for, in that order.

    Example:

    >>> keras.ops.unique(np.array([3, 1, 3, 2]), return_counts=True)
    (array([1, 2, 3]), array([1, 1, 2], dtype=int32))
    """
    op = "unique"
    if C.any_symbolic([x]):
        raise Q.values_only(
            op,
            "the number of unique elements is known only from x's values",
            "; pykeras computes it on arrays only, with or without size=",
        )
    return Q.unique_eager(
        op, x, return_index, return_inverse, return_counts, axis, size, fill_value
    )


def isin(
    x1: TensorLike, x2: TensorLike, assume_unique: bool = False, invert: bool = False
) -> Tensor:
    """Test whether each element of `x1` is present in `x2`.

    Args:
        x1: Input tensor.
        x2: Values against which to test each element of `x1`.
        assume_unique: Accepted for Keras compatibility; the result is the
            same either way.
        invert: If `True`, the result is True where an element is *not* in
            `x2`.

    Returns:
        A bool tensor of `x1`'s shape (a float32 0/1 mask on symbolic
        tensors, whose values compare as float32).

    Example:

    >>> keras.ops.isin(np.array([1, 2, 3]), np.array([2, 5]))
    array([False,  True, False])
    """
    op = "isin"
    if not C.any_symbolic([x1, x2]):
        return np.isin(S.eager_array(x1), S.eager_array(x2), invert=bool(invert))
    mask = Q.isin_symbolic(op, x1, x2)
    return run("sub", [np.float32(1), mask]) if invert else mask


def searchsorted(sorted_sequence: Any, values: TensorLike, side: str = "left") -> Tensor:
    """Perform a binary search, returning indices for insertion of `values`
    into `sorted_sequence` that maintain the sorting order.

    Args:
        sorted_sequence: 1-D input tensor, sorted along the innermost
            dimension.
        values: N-D tensor of query insertion values.
        side: 'left' or 'right', specifying the direction in which to insert
            for the equality case (tie-breaker).

    Returns:
        An int32 tensor of insertion indices of the same shape as `values`
        (float32 positions on symbolic tensors).

    Example:

    >>> keras.ops.searchsorted(np.array([1.0, 2.0, 2.0, 4.0]), np.array([2.0, 3.0]))
    array([1, 3], dtype=int32)
    """
    op = "searchsorted"
    Q.check_side(op, side)
    if not C.any_symbolic([sorted_sequence, values]):
        seq = S.eager_array(sorted_sequence)
        Q.check_sorted_sequence(op, seq)
        found = np.searchsorted(seq, S.eager_array(values), side=side)  # type: ignore[call-overload]  # side is checked above
        return np.asarray(found).astype(np.int32)
    return Q.searchsorted_symbolic(op, sorted_sequence, values, side)


def digitize(x: TensorLike, bins: Any) -> Tensor:
    """Returns the indices of the bins to which each value in `x` belongs.

    Args:
        x: Input array to be binned.
        bins: 1-D array of bins, increasing or decreasing monotonically.

    Returns:
        An int32 tensor of bin indices with the shape of `x`: for increasing
        bins, `i` such that `bins[i-1] <= x < bins[i]` (float32 indices on
        symbolic tensors).

    Example:

    >>> keras.ops.digitize(np.array([0.2, 6.4, 3.0]), np.array([0.0, 1.0, 2.5, 4.0]))
    array([1, 4, 3], dtype=int32)
    """
    op = "digitize"
    if not C.any_symbolic([x, bins]):
        return Q.digitize_eager(op, x, bins)
    return Q.digitize_symbolic(op, x, bins)


def bincount(
    x: TensorLike, weights: TensorLike | None = None, minlength: int = 0, sparse: bool = False
) -> Tensor:
    """Count the number of occurrences of each value in a tensor of integers.

    Args:
        x: 1-D tensor of non-negative integers.
        weights: Optional tensor of the same shape as `x`: each occurrence
            counts its weight instead of 1.
        minlength: The smallest length of the result. On symbolic tensors
            it is the result's length and must be positive (values at or
            above it raise when the model runs).
        sparse: Must be False: pykeras tensors are dense.

    Returns:
        A 1-D tensor of length `max(max(x) + 1, minlength)`: int32 counts,
        or sums of the weights in their dtype (float32 on symbolic tensors,
        differentiable with respect to the weights).

    Example:

    >>> keras.ops.bincount(np.array([1, 1, 3]), minlength=5)
    array([0, 2, 0, 1, 0], dtype=int32)
    """
    return Q.bincount("bincount", x, weights, minlength, sparse)


def histogram(
    x: TensorLike, bins: int = 10, range: tuple[float, float] | None = None
) -> tuple[Tensor, Tensor]:
    """Computes a histogram of the data tensor `x`.

    Args:
        x: 1-D input tensor.
        bins: The number of equal-width bins.
        range: A tuple `(min, max)` of the lower and upper bounds of the
            bins; by default `x`'s minimum and maximum (widened by 0.5 each
            way when they are equal). Values outside are not counted.

    Returns:
        A tuple `(counts, edges)`: float32 counts per bin, as Keras gives
        them, and the `bins + 1` float32 bin edges. Each bin includes its
        lower edge; the last also its upper edge.

    Example:

    >>> counts, edges = keras.ops.histogram(np.array([0.0, 1.0, 1.5, 4.0]), bins=2)
    >>> counts
    array([3., 1.], dtype=float32)
    """
    op = "histogram"
    Q.check_histogram_args(op, x, bins, range)
    if not C.any_symbolic([x]):
        return Q.histogram_eager(op, x, int(bins), range)
    return Q.histogram_symbolic(op, x, int(bins), range)


def unravel_index(indices: TensorLike, shape: Sequence[int]) -> tuple[Any, ...]:
    """Convert flat indices to coordinate arrays in a given array shape.

    Args:
        indices: An integer or tensor of integers, flat indices into an
            array of `shape`.
        shape: The shape of the array to use for unraveling `indices`.

    Returns:
        A tuple of int32 tensors, one per axis of `shape`, each of the shape
        of `indices` (float32 coordinates on symbolic tensors). An index
        outside `[0, prod(shape))` raises `OutOfRangeError`.

    Example:

    >>> keras.ops.unravel_index(np.array([5, 11]), (3, 4))
    (array([1, 2], dtype=int32), array([1, 3], dtype=int32))
    """
    op = "unravel_index"
    dims = Q.check_unravel_shape(op, shape)
    if not C.any_symbolic([indices]):
        return Q.unravel_eager(op, indices, dims)
    if not dims:
        raise ShapeError(f"Op '{op}' expected a non-empty shape. Received: shape={shape!r}")
    return Q.unravel_symbolic(op, indices, dims)
