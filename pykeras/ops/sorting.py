"""Sorting and selection, as `keras.ops` has them: sort, argsort, top_k,
argpartition.

They run on the core's `sort` and `argsort` primitives (a stable sort along
one axis), so they work eagerly, in Functional models and in traced graphs:

- Ascending order puts NaN last, as NumPy; `top_k` ranks NaN as the largest
  value, as `jax.lax.top_k`. Equal values keep their original order (ties
  go to the lower index first), `-0.0` and `0.0` are equal.
- `sort` and `top_k`'s values are differentiable: the gradient of each
  output element goes back to the input element it came from.
- Eagerly, indices are int32 (Keras's dtype on JAX) and integer or bool
  inputs keep their dtype, sorted exactly (without a trip through float32).
  Symbolic and traced results are float32, as the core computes them:
  indices are float32 positions (exact below 2**24).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.backend.variable import Variable
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__ = ["argpartition", "argsort", "sort", "top_k"]


def _eager_array(x: Any) -> Any:
    """The eager input as NumPy (variables by their value)."""
    return x.numpy() if isinstance(x, Variable) else np.asarray(x)


def _exact_integers(x: Any) -> Any:
    """`x` as a NumPy integer or bool array if it is one, eagerly; else None.

    Such arrays are ordered by NumPy's stable sort, which is exact for any
    value (the core's float32 is exact only below 2**24) and gives the same
    order the core's stable sort does.
    """
    if C.any_symbolic([x]):
        return None
    a = _eager_array(x)
    return a if a.dtype.kind in "biu" else None


def _prepare(op: str, x: Any, axis: Any) -> Any:
    """`(x, axis)` with `axis=None` meaning the flattened input, checked."""
    if axis is None:
        return C.flatten(op, x), 0
    shape = C.shape_of(op, x)
    if len(shape) == 0:
        raise ShapeError(
            f"Op '{op}' expected a tensor of rank 1 or more to order along an axis. "
            f"Received: a scalar (shape ())"
        )
    return x, C.axis_of(op, axis, len(shape))


def sort(x: TensorLike, axis: int | None = -1) -> Tensor:
    """Sorts the elements of `x` along a given axis in ascending order.

    The sort is stable and puts NaN last, as NumPy's. Its gradient goes
    from each sorted element back to the input element it came from.

    Args:
        x: Input tensor.
        axis: Axis along which to sort. If `None`, the tensor is flattened
            before sorting. Defaults to `-1`; the last axis.

    Returns:
        Sorted tensor (eagerly, integer and bool inputs keep their dtype;
        otherwise float32).

    Example:

    >>> keras.ops.sort(np.array([[3.0, 1.0, 2.0]]))
    array([[1., 2., 3.]])
    """
    ints = _exact_integers(x)
    if ints is not None:
        if axis is None:
            return np.sort(ints.ravel(), kind="stable")
        _prepare("sort", ints, axis)
        return np.sort(ints, axis=axis, kind="stable")
    x, axis = _prepare("sort", x, axis)
    return run("sort", [x], axis=axis)


def argsort(x: TensorLike, axis: int | None = -1) -> Tensor:
    """Returns the indices that would sort a tensor.

    The sort is stable (equal values keep their order) and puts NaN last,
    as NumPy's. Not differentiable.

    Args:
        x: Input tensor.
        axis: Axis along which to sort. Defaults to `-1` (the last axis). If
            `None`, the flattened tensor is used.

    Returns:
        Tensor of indices that sort `x` along the specified `axis`: int32
        eagerly, float32 positions on symbolic tensors.

    Example:

    >>> keras.ops.argsort(np.array([3, 1, 2]))
    array([1, 2, 0], dtype=int32)
    """
    ints = _exact_integers(x)
    if ints is not None:
        if axis is None:
            return np.argsort(ints.ravel(), kind="stable").astype(np.int32)
        _prepare("argsort", ints, axis)
        return np.argsort(ints, axis=axis, kind="stable").astype(np.int32)
    x, axis = _prepare("argsort", x, axis)
    out = run("argsort", [x], axis=axis)
    return out if C.any_symbolic([out]) else np.asarray(out).astype(np.int32)


def _last_axis_block(x: Any, shape: Any, k: int) -> Any:
    """The first `k` entries of `x` along its last axis."""
    if shape[-1] == k:
        return x
    return run("slice", [x], start_indices=[0] * len(shape), shape=[-1] * (len(shape) - 1) + [k])


def top_k(x: TensorLike, k: int, sorted: bool = True) -> tuple[Tensor, Tensor]:  # noqa: A002
    """Finds the top-k values and their indices in a tensor.

    Along the last axis, the `k` largest values in descending order; equal
    values come lower index first and NaN ranks as the largest value, as
    in `jax.lax.top_k`. The values are differentiable (each one's gradient
    goes to the element it was taken from).

    Args:
        x: Input tensor.
        k: An integer representing the number of top elements to retrieve.
        sorted: A boolean indicating whether to sort the output in
            descending order. Defaults to `True`. With `False` any order is
            allowed; this implementation returns them sorted all the same.

    Returns:
        A tuple `(values, indices)`: values have the input's dtype eagerly
        for integer inputs (float32 otherwise), indices are int32 eagerly
        and float32 positions on symbolic tensors.

    Example:

    >>> values, indices = keras.ops.top_k(np.array([5, 2, 1, 3, 6]), k=3)
    >>> values
    array([6, 5, 3])
    >>> indices
    array([4, 0, 3], dtype=int32)
    """
    op = "top_k"
    shape = C.shape_of(op, x)
    if len(shape) == 0:
        raise ShapeError(
            f"Op '{op}' expected a tensor of rank 1 or more (it selects along the last axis). "
            f"Received: a scalar (shape ())"
        )
    k = C.check_int(op, "k", k, low=0)
    if shape[-1] is not None and k > shape[-1]:
        raise InvalidArgumentError(
            f"Op '{op}': k must be at most the size of the last axis ({shape[-1]}). "
            f"Received: k={k} for a tensor of shape {C.dims_text(shape)}"
        )
    ints = _exact_integers(x)
    if ints is not None:
        # Descending and stable: the lowest index first among equal values.
        order = np.argsort(_descending_key(ints), axis=-1, kind="stable")[..., :k]
        return np.take_along_axis(ints, order, axis=-1), order.astype(np.int32)
    values = run("sort", [x], axis=-1, descending=True)
    indices = run("argsort", [x], axis=-1, descending=True)
    values = _last_axis_block(values, shape, k)
    indices = _last_axis_block(indices, shape, k)
    if C.any_symbolic([values]):
        return values, indices
    return values, np.asarray(indices).astype(np.int32)


def _descending_key(a: Any) -> Any:
    """A key whose ascending order is `a`'s descending order, exactly: the
    bitwise complement (-a - 1 for signed integers, max - a for unsigned)
    never overflows, unlike negation."""
    return ~(a.astype(np.uint8) if a.dtype.kind == "b" else a)


def argpartition(x: TensorLike, kth: int, axis: int = -1) -> Tensor:
    """Performs an indirect partition along the given axis.

    It returns an array of indices of the same shape as `x` that index data
    along the given axis in partitioned order: the element at position
    `kth` is the one a full sort would put there, those before it are no
    larger and those after it no smaller. Here the indices come from a
    stable sort, which is one such partition (Keras allows any).

    Args:
        x: Array to sort.
        kth: Element index to partition by. The k-th element will be in its
            final sorted position and all smaller elements will be moved
            before it and all larger elements behind it.
        axis: Axis along which to sort. The default is -1 (the last axis).
            If `None`, the flattened array is used.

    Returns:
        Array of indices that partition `x` along the specified `axis`:
        int32 eagerly, float32 positions on symbolic tensors.

    Example:

    >>> keras.ops.argpartition(np.array([3, 4, 2, 1]), 2)
    array([3, 2, 0, 1], dtype=int32)
    """
    op = "argpartition"
    ints = _exact_integers(x)
    if axis is None:
        x, axis = (C.flatten(op, x) if ints is None else ints.ravel()), 0
    shape = C.shape_of(op, x)
    if len(shape) == 0:
        raise ShapeError(
            f"Op '{op}' expected a tensor of rank 1 or more to partition along an axis. "
            f"Received: a scalar (shape ())"
        )
    axis = C.axis_of(op, axis, len(shape))
    kth = C.check_int(op, "kth", kth)
    n = shape[axis]
    if n is not None and not -n <= kth < n:
        raise InvalidArgumentError(
            f"Op '{op}': kth must be in [-{n}, {n}) for an axis of size {n}. Received: kth={kth}"
        )
    if ints is not None:
        return np.argsort(np.reshape(ints, shape), axis=axis, kind="stable").astype(np.int32)
    out = run("argsort", [x], axis=axis)
    return out if C.any_symbolic([out]) else np.asarray(out).astype(np.int32)
