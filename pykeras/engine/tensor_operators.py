"""Python operators on symbolic and traced tensors, as Keras's KerasTensor
has them: arithmetic (`+ - * / // % ** @`, unary `-`, `abs`), comparisons
(`< <= > >= !=`; `==` stays identity, as in Keras, so tensors can be dict
keys), logical `& | ^ ~` on masks, and indexing with ints, slices (any
step), `None`, `...` and integer arrays.

`install(cls)` adds them to a tensor class; each forwards to `pykeras.ops`,
so the same expression works in Functional models (op layers), in traced
models (graph nodes) and in shape-only evaluation.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

# `pykeras.ops` dispatches on the engine's tensors, so it sits a layer above
# the engine (docs/layering.md); the engine reaches it through these slots,
# which pykeras.ops fills when it is imported. pykeras/__init__.py imports
# pykeras.ops before anything can make a tensor, so they are always set.
_OPS: ModuleType | None = None
_RUN: Callable[..., Any] | None = None


def bind_ops(namespace: ModuleType, run: Callable[..., Any]) -> None:
    """Called once by `pykeras.ops`: the namespace the operators forward to
    and its primitive runner (`pykeras.ops._dispatch.run`)."""
    global _OPS, _RUN
    _OPS, _RUN = namespace, run


def ops_api() -> Any:
    """The `pykeras.ops` namespace (for the engine, which sits below it)."""
    return _OPS


if TYPE_CHECKING:

    class TensorOperators:
        """The operators `install` adds, as the type checker sees them. Each
        returns what the op it forwards to returns (an array, a symbolic or
        a traced tensor, following the operands), hence `Any`."""

        def __add__(self, other: Any) -> Any: ...
        def __radd__(self, other: Any) -> Any: ...
        def __sub__(self, other: Any) -> Any: ...
        def __rsub__(self, other: Any) -> Any: ...
        def __mul__(self, other: Any) -> Any: ...
        def __rmul__(self, other: Any) -> Any: ...
        def __truediv__(self, other: Any) -> Any: ...
        def __rtruediv__(self, other: Any) -> Any: ...
        def __floordiv__(self, other: Any) -> Any: ...
        def __rfloordiv__(self, other: Any) -> Any: ...
        def __mod__(self, other: Any) -> Any: ...
        def __rmod__(self, other: Any) -> Any: ...
        def __pow__(self, other: Any) -> Any: ...
        def __rpow__(self, other: Any) -> Any: ...
        def __matmul__(self, other: Any) -> Any: ...
        def __rmatmul__(self, other: Any) -> Any: ...
        def __and__(self, other: Any) -> Any: ...
        def __rand__(self, other: Any) -> Any: ...
        def __or__(self, other: Any) -> Any: ...
        def __ror__(self, other: Any) -> Any: ...
        def __xor__(self, other: Any) -> Any: ...
        def __rxor__(self, other: Any) -> Any: ...
        def __lt__(self, other: Any) -> Any: ...
        def __le__(self, other: Any) -> Any: ...
        def __gt__(self, other: Any) -> Any: ...
        def __ge__(self, other: Any) -> Any: ...
        def __ne__(self, other: Any) -> Any: ...
        def __neg__(self) -> Any: ...
        def __pos__(self) -> Any: ...
        def __abs__(self) -> Any: ...
        def __invert__(self) -> Any: ...
        def __getitem__(self, key: Any) -> Any: ...

else:
    # At run time `install` adds the operators; the base adds nothing.
    TensorOperators = object


def _binary(name: str, reflected: bool = False) -> Callable[[Any, Any], Any]:
    def method(self: Any, other: Any) -> Any:
        fn = getattr(ops_api(), name)
        return fn(other, self) if reflected else fn(self, other)

    method.__name__ = name
    return method


def install(cls: Any) -> Any:
    """Adds Keras's tensor operators to `cls` (a class decorator)."""
    for dunder, name in [
        ("add", "add"),
        ("sub", "subtract"),
        ("mul", "multiply"),
        ("truediv", "divide"),
        ("floordiv", "floor_divide"),
        ("mod", "mod"),
        ("pow", "power"),
        ("matmul", "matmul"),
        ("and", "logical_and"),
        ("or", "logical_or"),
        ("xor", "logical_xor"),
    ]:
        setattr(cls, f"__{dunder}__", _binary(name))
        setattr(cls, f"__r{dunder}__", _binary(name, reflected=True))
    for dunder, name in [
        ("lt", "less"),
        ("le", "less_equal"),
        ("gt", "greater"),
        ("ge", "greater_equal"),
        ("ne", "not_equal"),
    ]:
        setattr(cls, f"__{dunder}__", _binary(name))
    cls.__neg__ = lambda self: ops_api().negative(self)
    cls.__pos__ = lambda self: self
    cls.__abs__ = lambda self: ops_api().abs(self)
    cls.__invert__ = lambda self: ops_api().logical_not(self)
    cls.__getitem__ = get_item
    # `__ne__` without `__eq__` would make instances unhashable otherwise.
    cls.__hash__ = object.__hash__
    return cls


def _static_size(x: Any, axis: int, what: str) -> Any:
    size = x.shape[axis]
    if size is None:
        raise ValueError(
            f"Indexing a tensor with {what} needs the size of axis {axis}, which is known "
            f"only at run time. Received: a tensor of shape {tuple(x.shape)}"
        )
    return size


def get_item(x: Any, key: Any) -> Any:
    """`x[key]` for ints, slices (any step), None, Ellipsis and integer arrays.

    Returns:
        A tensor of the indexed shape (as NumPy's basic and advanced indexing
        along one axis).
    """
    ops = ops_api()
    if not isinstance(key, tuple):
        key = (key,)
    rank = len(x.shape)
    used = sum(1 for k in key if k is not None and k is not Ellipsis)
    if used > rank:
        raise IndexError(f"Too many indices for a tensor of rank {rank}. Received: key={key!r}")
    if sum(1 for k in key if k is Ellipsis) > 1:
        raise IndexError(f"An index can only have a single ellipsis. Received: key={key!r}")
    expanded = []
    for k in key:
        if k is Ellipsis:
            expanded.extend([slice(None)] * (rank - used))
        else:
            expanded.append(k)
    expanded.extend([slice(None)] * (rank - sum(1 for k in expanded if k is not None)))

    # One pass per kind: first the contiguous block of every axis (slice
    # primitive), then strides and integer arrays (gathers), then the
    # dropped (int) and new (None) axes (one reshape).
    starts, sizes, gathers, out_shape = [], [], [], []
    axis = 0
    for k in expanded:
        if k is None:
            out_shape.append(("new",))
            continue
        dim = x.shape[axis]
        if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            k = int(k)
            if k < 0:
                k += _static_size(x, axis, "a negative index")
            if dim is not None and not 0 <= k < dim:
                raise IndexError(f"Index {k} is out of bounds for axis {axis} with size {dim}.")
            starts.append(k)
            sizes.append(1)
            out_shape.append(("drop",))
        elif isinstance(k, slice):
            step = 1 if k.step is None else int(k.step)
            if step == 0:
                raise ValueError("A slice step cannot be zero.")
            if k.start is None and k.stop is None and step == 1:
                starts.append(0)
                sizes.append(-1)
                out_shape.append(("keep",))
            else:
                size = _static_size(x, axis, f"the slice {k}")
                picked = range(size)[k]
                if len(picked) and step == 1:
                    starts.append(picked.start)
                    sizes.append(len(picked))
                else:
                    starts.append(0)
                    sizes.append(-1)
                    gathers.append((axis, np.asarray(picked, np.int64)))
                out_shape.append(("keep",))
        else:
            index = np.asarray(k)
            if index.dtype.kind not in "iu" or index.ndim != 1:
                raise TypeError(
                    "Tensors are indexed with ints, slices, None, Ellipsis or a 1-D integer "
                    f"array. Received: {k!r}"
                )
            size = _static_size(x, axis, "an integer array")
            index = np.where(index < 0, index + size, index).astype(np.int64)
            if np.any((index < 0) | (index >= size)):
                raise IndexError(f"An index is out of bounds for axis {axis} with size {size}.")
            starts.append(0)
            sizes.append(-1)
            gathers.append((axis, index))
            out_shape.append(("keep",))
        axis += 1

    y = x
    if any(s != 0 for s in starts) or any(n != -1 for n in sizes):
        y = ops.slice(y, starts, sizes)
    for gather_axis, index in gathers:
        y = _take(y, index, gather_axis)
    if all(kind == ("keep",) for kind in out_shape):
        return y
    target, kept = [], iter(range(rank))
    for kind in out_shape:
        if kind == ("new",):
            target.append(1)
            continue
        a = next(kept)
        if kind == ("keep",):
            target.append(y.shape[a])
    unknown = sum(1 for d in target if d is None)
    if unknown > 1:
        raise ValueError(
            "Indexing that drops or adds axes works when at most one size is known only at "
            f"run time. Received: a tensor of shape {tuple(x.shape)} and key={key!r}"
        )
    return ops.reshape(y, [-1 if d is None else d for d in target])


def _take(x: Any, index: Any, axis: int) -> Any:
    """`x` at positions `index` of `axis`: a gather of rows (the embedding
    primitive, whose gradient scatters back)."""
    ops = ops_api()
    rank = len(x.shape)
    perm = [axis] + [a for a in range(rank) if a != axis]
    moved = ops.transpose(x, perm) if axis else x
    rest = [moved.shape[a] for a in range(1, rank)]
    unknown = sum(1 for d in rest if d is None)
    if unknown:
        raise ValueError(
            f"A strided or integer-array index on axis {axis} needs the other axes' sizes, "
            f"known only at run time here. Received: a tensor of shape {tuple(x.shape)}"
        )
    width = int(np.prod(rest)) if rest else 1
    table = ops.reshape(moved, [-1, width])
    assert _RUN is not None, "pykeras.ops binds the runner"
    rows = _RUN("embedding", [index, table], index_inputs=(0,))
    out = ops.reshape(rows, [len(index)] + rest)
    if not axis:
        return out
    back = list(np.argsort(perm))
    return ops.transpose(out, back)
