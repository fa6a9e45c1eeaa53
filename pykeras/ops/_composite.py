"""Helpers for the composite ops (`creation.py`, `arrays.py`): ops written in
Python from the core's primitives, so they run eagerly, in Functional models
and in traced graphs alike, and get their gradients from the primitives'.

- Static shapes, with None for a size known only at run time (the batch).
- Reshapes that write the one unknown size as -1, and refuse two.
- Checks that raise the core's exception classes, naming the op in the
  core's words: "Op 'expand_dims': axis must be in [-3, 3) ... Received: ...".
- `rearrange`: the eager path that keeps integer and bool arrays exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from pykeras._convert import to_float32
from pykeras.backend.variable import Variable
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.tracing import GraphTensor, find_tracer
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from typing import TypeGuard


# float32 holds every integer up to 2**24 exactly: element positions below
# this bound survive a trip through the core.
EXACT_POSITIONS = 2**24


def is_symbolic(x: object) -> TypeGuard[KerasTensor | GraphTensor]:
    """Whether `x` is a symbolic `KerasTensor` or a traced `GraphTensor`."""
    return isinstance(x, (KerasTensor, GraphTensor))


def any_symbolic(values: Iterable[Any]) -> bool:
    """Whether any of `values` is symbolic, or a variable inside a trace (ops
    on it must become graph nodes, not constants)."""
    return any(is_symbolic(v) for v in values) or find_tracer(list(values)) is not None


def shape_of(op: str, x: Any) -> tuple[Any, ...]:
    """The static shape of `x`: ints, and None where a size is unknown."""
    shape = getattr(x, "shape", None)
    if shape is None:
        if hasattr(x, "tracer"):
            raise ShapeError(
                f"Op '{op}' needs the rank of its input, and this traced tensor's shape is "
                f"unknown (an input was declared without one). Received: {x!r}"
            )
        shape = np.shape(x)
    return tuple(None if d is None else int(d) for d in shape)


def dims_text(shape: Any) -> str:
    """A shape as Keras prints it: `(None, 3)`."""
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def check_int(op: str, name: str, value: Any, low: int | None = None) -> int:
    """`value` as an int (Python or NumPy integer), at least `low` if given."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise InvalidArgumentError(f"Op '{op}': {name} must be an int. Received: {name}={value!r}")
    if low is not None and value < low:
        raise InvalidArgumentError(
            f"Op '{op}': {name} must be at least {low}. Received: {name}={value!r}"
        )
    return int(value)


def int_list(op: str, name: str, value: Any, low: int | None = None) -> list[int]:
    """An int or a sequence of ints as a list of ints."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    try:
        return [check_int(op, name, v, low) for v in values]
    except InvalidArgumentError:
        bound = "" if low is None else f" (each at least {low})"
        raise InvalidArgumentError(
            f"Op '{op}': {name} must be an int or a sequence of ints{bound}. "
            f"Received: {name}={value!r}"
        ) from None


def axis_of(op: str, axis: Any, ndim: int, name: str = "axis") -> int:
    """`axis` in [-ndim, ndim), as a non-negative int."""
    axis = check_int(op, name, axis)
    if not -ndim <= axis < ndim:
        raise InvalidArgumentError(
            f"Op '{op}': {name} must be in [-{ndim}, {ndim}) for a tensor of rank {ndim}. "
            f"Received: {name}={axis}"
        )
    return axis % ndim


def axes_of(op: str, axis: Any, ndim: int, name: str = "axis") -> list[int]:
    """An int or a sequence of distinct ints, each in [-ndim, ndim), as a list."""
    axes = [axis_of(op, a, ndim, name) for a in int_list(op, name, axis)]
    if len(set(axes)) != len(axes):
        raise InvalidArgumentError(
            f"Op '{op}': {name} must not repeat an axis. Received: {name}={axis!r}"
        )
    return axes


def static_size(op: str, shape: Any, axis: int, what: str = "axis") -> int:
    """The size of `shape[axis]`, which the op needs to know before run time."""
    size = shape[axis]
    if size is None:
        raise ShapeError(
            f"Op '{op}' needs the size of {what} {axis}, which is unknown until run time "
            f"(the batch size of a symbolic tensor). Received: a tensor of shape "
            f"{dims_text(shape)}"
        )
    return size


def reshape(op: str, x: Any, dims: Sequence[int | None], shape: Any = None) -> Any:
    """`x` reshaped to `dims`, where None marks the one size known at run time
    only (written -1); returns `x` itself when nothing changes."""
    dims = [None if d is None else int(d) for d in dims]
    if shape is not None and list(shape) == dims:
        return x
    if sum(d is None for d in dims) > 1:
        raise ShapeError(
            f"Op '{op}' can reshape a tensor with at most one size unknown until run time; "
            f"the result would have shape {dims_text(dims)}. Received: a tensor of shape "
            f"{dims_text(shape if shape is not None else shape_of(op, x))}"
        )
    return run("reshape", [x], shape=[-1 if d is None else d for d in dims])


def flatten(op: str, x: Any) -> Any:
    """`x` as a 1-D tensor (row-major)."""
    shape = shape_of(op, x)
    size = None if None in shape else int(np.prod(cast("tuple[int, ...]", shape), dtype=np.int64))
    return reshape(op, x, [size], shape)


def transpose(x: Any, perm: Any) -> Any:
    """`x` with its axes permuted; `x` itself for the identity."""
    perm = [int(p) for p in perm]
    if perm == list(range(len(perm))):
        return x
    return run("transpose", [x], axes=perm)


def concat(op: str, tensors: Sequence[Any], axis: int) -> Any:
    """`tensors` joined along `axis` (already non-negative), after checking
    ranks and the other sizes so that a mismatch names `op`."""
    shapes = [shape_of(op, t) for t in tensors]
    first = shapes[0]
    for s in shapes[1:]:
        same = len(s) == len(first) and all(
            a is None or b is None or a == b for i, (a, b) in enumerate(zip(first, s)) if i != axis
        )
        if not same:
            raise ShapeError(
                f"Op '{op}' expected tensors of the same rank whose sizes match except along "
                f"axis {axis}. Received: shapes " + ", ".join(dims_text(t) for t in shapes)
            )
    if len(tensors) == 1:
        return tensors[0]
    return run("concat", list(tensors), axis=int(axis))


def zeros(dims: Any) -> np.ndarray:
    """A float32 zero constant; adding it broadcasts without changing values
    (inf and NaN included), and its gradient sums the copies."""
    return np.zeros(dims, np.float32)


def result_dtype(arrays: Sequence[np.ndarray]) -> np.dtype:
    """The dtype of an eager result built from `arrays`' elements: their
    promoted dtype (NumPy's rules on these arrays), float32 where NumPy
    widens integers meeting float32 to float64 (Keras's promotion); float64
    arrays keep float64, as Keras with JAX's x64 gives it."""
    if not arrays:
        return np.dtype(np.float32)
    dtype = np.result_type(*arrays)
    if dtype == np.float64 and not any(a.dtype == np.float64 for a in arrays):
        return np.dtype(np.float32)
    return dtype


def as_array(t: Any) -> np.ndarray:
    """An eager value as NumPy; a Python float is weak, as in Keras: float32,
    so it never makes a result float64."""
    if isinstance(t, Variable):
        return t.numpy()
    if isinstance(t, float):
        return np.asarray(t, np.float32)
    return np.asarray(t)


def rearrange(fn: Callable[..., Any], tensors: Sequence[Any], *args: Any) -> Any:
    """`fn(*tensors, *args)`, where `fn` moves, copies or zeroes elements.

    Symbolic tensors (or variables in a trace) go straight through. Eagerly,
    float32 (and float16) arrays are run as float32; float64, integer and
    bool arrays run as their elements' 1-based positions (exact in
    float32), which then pick the original values, so they come back exact
    and with their dtype, as in Keras (0 picks the zero that tril, triu and
    the like fill in).
    """
    if any_symbolic(tensors):
        return fn(*tensors, *args)
    arrays = [as_array(t) for t in tensors]
    dtype = result_dtype(arrays)
    total = int(sum(a.size for a in arrays))
    wide = dtype == np.float64
    if dtype.kind == "f" and not wide:
        # Other float types compute in float32 and come back in their type.
        out = fn(*[to_float32(a) for a in arrays], *args)
        return out if dtype == np.float32 else _map(lambda r: np.asarray(r).astype(dtype), out)
    if dtype.kind not in "biuf":
        return fn(*[to_float32(a) for a in arrays], *args)
    if wide and total >= EXACT_POSITIONS:
        # float64 moved by the primitives themselves: exact through those
        # with float64 kernels, float32's precision through the others.
        return _map(lambda r: np.asarray(r).astype(dtype), fn(*arrays, *args))
    # float64, integers and bools: by positions, so every value is exact.
    if total >= EXACT_POSITIONS:
        # Too many elements to number exactly: carry the values instead
        # (exact for integers below 2**24 in magnitude).
        return _map(lambda r: r.astype(dtype), fn(*[to_float32(a) for a in arrays], *args))
    positions, start = [], 1
    for a in arrays:
        positions.append(np.arange(start, start + a.size, dtype=np.float32).reshape(a.shape))
        start += a.size
    values = np.concatenate([np.zeros(1, dtype)] + [a.astype(dtype).ravel() for a in arrays])
    return _map(lambda r: np.asarray(values[np.asarray(r).astype(np.int64)]), fn(*positions, *args))


def _map(f: Callable[..., Any], out: Any) -> Any:
    if isinstance(out, (list, tuple)):
        return [f(o) for o in out]
    return f(out)


def float_default(*values: Any) -> str:
    """The default float type of a sequence between `values` (`linspace`,
    `geomspace`): float64 if one is a float64 array or NumPy scalar (as
    Keras with JAX's x64), float32 otherwise."""
    wide = any(isinstance(v, (np.ndarray, np.generic)) and v.dtype == np.float64 for v in values)
    return "float64" if wide else "float32"
