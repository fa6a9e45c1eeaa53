"""Creation ops: arrays of ones, zeros, a fill value, ranges, identities and
triangles, as `keras.ops` makes them.

Ops that take only sizes return NumPy arrays of Keras's default dtypes
(float32; int32 for `arange` over integers) or of the `dtype` asked for. The
`*_like` ops and `full`, `linspace` and `logspace` given a symbolic or traced
tensor stay symbolic: they are built from the core's primitives, so they
run inside Functional and traced models (as float32, the core's type).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np

from pykeras.backend.dtypes import standardize_dtype
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops import _dynamic
from pykeras.ops._dispatch import run
from pykeras.ops.arrays import broadcast_to, expand_dims

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, Tensor, TensorLike

__all__ = [
    "arange",
    "empty",
    "empty_like",
    "eye",
    "full",
    "full_like",
    "identity",
    "linspace",
    "logspace",
    "ones",
    "ones_like",
    "tri",
    "zeros",
    "zeros_like",
]


def _dtype(op: str, dtype: Any, default: str = "float32") -> np.dtype:
    if dtype is None:
        return np.dtype(default)
    name = getattr(dtype, "name", dtype)
    try:
        return np.dtype(name)
    except TypeError:
        raise InvalidArgumentError(
            f"Op '{op}': dtype must be a NumPy-compatible dtype name such as 'float32', "
            f"'int32' or 'bool'. Received: dtype={dtype!r}"
        ) from None


def _sized(op: str, shape: Any, value: Any, dtype: Any) -> Any:
    """A tensor of `value` whose shape holds sizes known at run time only
    (scalar tensors from `ops.shape`), or None for a shape of ints."""
    if not _dynamic.has_size_tensor(shape) and not _dynamic.is_size_tensor(shape):
        return None
    name = _dtype(op, dtype).name if dtype is not None else None
    return _dynamic.broadcast(op, np.float32(value), shape, dtype=standardize_dtype(name))


def _shape(op: str, shape: Any) -> tuple[int, ...]:
    if C.is_symbolic(shape):
        raise InvalidArgumentError(
            f"Op '{op}' needs a shape of concrete ints, not a tensor. Received: shape={shape!r}"
        )
    return tuple(C.int_list(op, "shape", shape, low=0))


def _no_tensor(op: str, name: str, value: Any) -> None:
    if C.is_symbolic(value):
        raise InvalidArgumentError(
            f"Op '{op}' needs a concrete number for {name}, not a tensor. "
            f"Received: {name}={value!r}"
        )


def ones(shape: int | Sequence[int], dtype: DTypeLike = None) -> np.ndarray:
    """Return a new tensor of given shape and type, filled with ones.

    Args:
        shape: Shape of the new tensor (an int or a sequence of ints);
            inside a layer's call or a traced model, a size may be a scalar
            tensor from `ops.shape(x)` (the batch, known at run time only).
        dtype: Desired data type of the tensor; float32 by default.

    Returns:
        Tensor of ones with the given shape and dtype.

    Example:

    >>> keras.ops.ones((2, 3))
    array([[1., 1., 1.],
           [1., 1., 1.]], dtype=float32)
    """
    sized = _sized("ones", shape, 1.0, dtype)
    if sized is not None:
        return sized
    return np.ones(_shape("ones", shape), _dtype("ones", dtype))


def zeros(shape: int | Sequence[int], dtype: DTypeLike = None) -> np.ndarray:
    """Return a new tensor of given shape and type, filled with zeros.

    Args:
        shape: Shape of the new tensor (an int or a sequence of ints);
            inside a layer's call or a traced model, a size may be a scalar
            tensor from `ops.shape(x)` (the batch, known at run time only).
        dtype: Desired data type of the tensor; float32 by default.

    Returns:
        Tensor of zeros with the given shape and dtype.

    Example:

    >>> keras.ops.zeros(3)
    array([0., 0., 0.], dtype=float32)
    """
    sized = _sized("zeros", shape, 0.0, dtype)
    if sized is not None:
        return sized
    return np.zeros(_shape("zeros", shape), _dtype("zeros", dtype))


def empty(shape: int | Sequence[int], dtype: DTypeLike = None) -> np.ndarray:
    """Return a tensor of given shape and type, without meaningful values.

    As in Keras's JAX backend, the values are zeros, so results never depend
    on leftover memory.

    Args:
        shape: Shape of the new tensor (an int or a sequence of ints);
            inside a layer's call or a traced model, a size may be a scalar
            tensor from `ops.shape(x)` (the batch, known at run time only).
        dtype: Desired data type of the tensor; float32 by default.

    Returns:
        A tensor of the given shape and dtype.

    Example:

    >>> keras.ops.empty((2, 2)).shape
    (2, 2)
    """
    sized = _sized("empty", shape, 0.0, dtype)
    if sized is not None:
        return sized
    return np.zeros(_shape("empty", shape), _dtype("empty", dtype))


def full(shape: int | Sequence[int], fill_value: Any, dtype: DTypeLike = None) -> Tensor:
    """Return a new tensor of given shape and type, filled with `fill_value`.

    Args:
        shape: Shape of the new tensor (an int or a sequence of ints);
            inside a layer's call or a traced model, a size may be a scalar
            tensor from `ops.shape(x)` (the batch, known at run time only).
        fill_value: Fill value: a number, or a tensor that broadcasts to
            `shape`.
        dtype: Desired data type of the tensor; float32 by default (also for
            an integer `fill_value`, as in Keras).

    Returns:
        Tensor of `fill_value` with the given shape; symbolic when
        `fill_value` is.

    Example:

    >>> keras.ops.full((2, 2), 7)
    array([[7., 7.],
           [7., 7.]], dtype=float32)
    """
    if _dynamic.has_size_tensor(shape) or _dynamic.is_size_tensor(shape):
        name = _dtype("full", dtype).name if dtype is not None else None
        return _dynamic.broadcast("full", fill_value, shape, dtype=standardize_dtype(name))
    shape = _shape("full", shape)
    if C.any_symbolic([fill_value]):
        return broadcast_to(fill_value, shape)
    value = np.asarray(fill_value)
    try:
        target = np.broadcast_shapes(value.shape, shape)
    except ValueError:
        target = None
    if target != shape:
        raise ShapeError(
            f"Op 'full' expected a fill_value that broadcasts to shape {C.dims_text(shape)}. "
            f"Received: fill_value of shape {C.dims_text(value.shape)}"
        )
    return np.full(shape, value, _dtype("full", dtype))


def _like(op: str, x: Any, fill_value: float, dtype: Any) -> Any:
    """A tensor shaped like `x` holding `fill_value`: NumPy for arrays, a
    composite of `x` for symbolic tensors."""
    if C.any_symbolic([x]):
        # where(x, v, v) is v at every position of x whatever x holds (x * 0
        # would turn inf and NaN into NaN), and gives x no gradient.
        return run("where", [x, fill_value, fill_value])
    if C.any_symbolic([fill_value]):
        return broadcast_to(fill_value, C.shape_of(op, x))
    array = C.as_array(x)
    if dtype is None:
        dtype = C.result_dtype([array])
    return np.full(array.shape, fill_value, _dtype(op, dtype))


def ones_like(x: TensorLike, dtype: DTypeLike = None) -> Tensor:
    """Return a tensor of ones with the same shape and type of `x`.

    Args:
        x: Input tensor.
        dtype: Overrides the data type of the result. By default bool and
            integer arrays keep theirs and anything else gives float32.

    Returns:
        A tensor of ones with the same shape and type as `x`; symbolic when
        `x` is.

    Example:

    >>> keras.ops.ones_like(np.arange(3))
    array([1, 1, 1])
    """
    return _like("ones_like", x, 1.0, dtype)


def zeros_like(x: TensorLike, dtype: DTypeLike = None) -> Tensor:
    """Return a tensor of zeros with the same shape and type as `x`.

    Args:
        x: Input tensor.
        dtype: Overrides the data type of the result. By default bool and
            integer arrays keep theirs and anything else gives float32.

    Returns:
        A tensor of zeros with the same shape and type as `x`; symbolic when
        `x` is.

    Example:

    >>> keras.ops.zeros_like(np.ones((2, 2)))
    array([[0., 0.],
           [0., 0.]])
    """
    return _like("zeros_like", x, 0.0, dtype)


def empty_like(x: TensorLike, dtype: DTypeLike = None) -> Tensor:
    """Return a tensor shaped like `x`, without meaningful values (zeros).

    Args:
        x: Input tensor.
        dtype: Overrides the data type of the result. By default bool and
            integer arrays keep theirs and anything else gives float32.

    Returns:
        A tensor with the same shape and type as `x`; symbolic when `x` is.

    Example:

    >>> keras.ops.empty_like(np.ones((2, 3))).shape
    (2, 3)
    """
    return _like("empty_like", x, 0.0, dtype)


def full_like(x: TensorLike, fill_value: Any, dtype: DTypeLike = None) -> Tensor:
    """Return a full tensor with the same shape and type as the given tensor.

    Args:
        x: Input tensor.
        fill_value: Fill value: a number, or a tensor that broadcasts to the
            shape of `x`.
        dtype: Overrides the data type of the result. By default bool and
            integer arrays keep theirs (the fill value is converted, so 2.5
            becomes 2 for an int array) and anything else gives float32.

    Returns:
        Tensor of `fill_value` with the same shape and type as `x`; symbolic
        when `x` or `fill_value` is.

    Example:

    >>> keras.ops.full_like(np.zeros((2,), "float32"), 3)
    array([3., 3.], dtype=float32)
    """
    return _like("full_like", x, fill_value, dtype)


def arange(
    start: float, stop: float | None = None, step: float | None = None, dtype: DTypeLike = None
) -> np.ndarray:
    """Return evenly spaced values within a given interval.

    Called with one number, `arange(n)` counts from 0 to `n - 1`. The values
    are `start + i * step` for `i = 0, 1, ...` while they stay below `stop`
    (above it for a negative step).

    Args:
        start: Start of the interval (included); the end when `stop` is None.
        stop: End of the interval (excluded).
        step: Spacing between values; 1 by default.
        dtype: The type of the result. By default int32 when `start`, `stop`
            and `step` are all integers, else float32 (as Keras).

    Returns:
        A 1-D tensor of evenly spaced values.

    Example:

    >>> keras.ops.arange(1, 7, 2)
    array([1, 3, 5], dtype=int32)
    >>> keras.ops.arange(0.0, 1.0, 0.25)
    array([0.  , 0.25, 0.5 , 0.75], dtype=float32)
    """
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    if _dynamic.is_size_tensor(stop):
        # A size known at run time only (`ops.arange(ops.shape(x)[0])`).
        whole = all(isinstance(v, (int, np.integer)) for v in (start, step))
        name = _dtype("arange", dtype).name if dtype is not None else None
        return _dynamic.arange(start, stop, step, name or ("int32" if whole else "float32"))
    for name, value in (("start", start), ("stop", stop), ("step", step)):
        _no_tensor("arange", name, value)
    if np.ndim(start) or np.ndim(stop) or np.ndim(step):
        raise InvalidArgumentError(
            "Op 'arange' expected numbers for start, stop and step. "
            f"Received: start={start!r}, stop={stop!r}, step={step!r}"
        )
    if step == 0:
        raise InvalidArgumentError("Op 'arange': step must not be 0. Received: step=0")
    if dtype is None:
        whole = all(np.asarray(v).dtype.kind in "biu" for v in (start, stop, step))
        dtype = "int32" if whole else "float32"
    return np.arange(start, stop, step, dtype=_dtype("arange", dtype))


def eye(N: int, M: int | None = None, k: int = 0, dtype: DTypeLike = None) -> np.ndarray:
    """Return a 2-D tensor with ones on the diagonal and zeros elsewhere.

    Args:
        N: Number of rows in the output.
        M: Number of columns in the output; `N` by default.
        k: Index of the diagonal: 0 (the default) is the main diagonal, a
            positive value an upper diagonal, a negative one a lower.
        dtype: Data type of the returned tensor; float32 by default.

    Returns:
        Tensor with ones on the k-th diagonal and zeros elsewhere.

    Example:

    >>> keras.ops.eye(2, 3, k=1)
    array([[0., 1., 0.],
           [0., 0., 1.]], dtype=float32)
    """
    n = C.check_int("eye", "N", N, low=0)
    m = n if M is None else C.check_int("eye", "M", M, low=0)
    return np.eye(n, m, C.check_int("eye", "k", k), dtype=_dtype("eye", dtype))


def identity(n: int, dtype: DTypeLike = None) -> np.ndarray:
    """Return the identity tensor: a square matrix with ones on the main diagonal.

    Args:
        n: Number of rows (and columns) in the `n x n` output tensor.
        dtype: Data type of the output tensor; float32 by default.

    Returns:
        The identity tensor.

    Example:

    >>> keras.ops.identity(2)
    array([[1., 0.],
           [0., 1.]], dtype=float32)
    """
    n = C.check_int("identity", "n", n, low=0)
    return np.eye(n, dtype=_dtype("identity", dtype))


def tri(N: int, M: int | None = None, k: int = 0, dtype: DTypeLike = None) -> np.ndarray:
    """Return a tensor with ones at and below a diagonal and zeros elsewhere.

    Args:
        N: Number of rows in the tensor.
        M: Number of columns in the tensor; `N` by default.
        k: The sub-diagonal at and below which the tensor is filled: 0 is the
            main diagonal, `k < 0` is below it and `k > 0` above.
        dtype: Data type of the returned tensor; float32 by default.

    Returns:
        Tensor whose lower triangle (from the k-th diagonal) is ones.

    Example:

    >>> keras.ops.tri(3, k=-1)
    array([[0., 0., 0.],
           [1., 0., 0.],
           [1., 1., 0.]], dtype=float32)
    """
    n = C.check_int("tri", "N", N, low=0)
    m = n if M is None else C.check_int("tri", "M", M, low=0)
    return np.tri(n, m, C.check_int("tri", "k", k), dtype=_dtype("tri", dtype))


@overload
def linspace(
    start: TensorLike,
    stop: TensorLike,
    num: int = 50,
    endpoint: bool = True,
    retstep: Literal[False] = False,
    dtype: DTypeLike = None,
    axis: int = 0,
) -> Tensor: ...
@overload
def linspace(
    start: TensorLike,
    stop: TensorLike,
    num: int = 50,
    endpoint: bool = True,
    *,
    retstep: Literal[True],
    dtype: DTypeLike = None,
    axis: int = 0,
) -> tuple[Tensor, Tensor]: ...
@overload
def linspace(
    start: TensorLike,
    stop: TensorLike,
    num: int,
    endpoint: bool,
    retstep: bool,
    dtype: DTypeLike = None,
    axis: int = 0,
) -> Tensor | tuple[Tensor, Tensor]: ...
def linspace(
    start: TensorLike,
    stop: TensorLike,
    num: int = 50,
    endpoint: bool = True,
    retstep: bool = False,
    dtype: DTypeLike = None,
    axis: int = 0,
) -> Tensor | tuple[Tensor, Tensor]:
    """Return evenly spaced numbers over a specified interval.

    Returns `num` evenly spaced samples, calculated over the interval
    `[start, stop]`; the endpoint can optionally be excluded.

    Args:
        start: The starting value of the sequence (a number or a tensor).
        stop: The end value of the sequence (a number or a tensor), unless
            `endpoint` is False: then the sequence is the first `num` of
            `num + 1` evenly spaced samples, and `stop` is excluded.
        num: Number of samples to generate; 50 by default, non-negative.
        endpoint: If True, `stop` is the last sample.
        retstep: If True, return `(samples, step)`, where `step` is the
            spacing between samples.
        dtype: The type of the output tensor; float32 by default (integer
            types round the samples down).
        axis: The axis of the result along which the samples are stored,
            when `start` or `stop` are tensors; 0 by default, -1 for last.

    Returns:
        A tensor of evenly spaced numbers; with `retstep`, a tuple
        `(samples, step)`. Symbolic when `start` or `stop` is.

    Example:

    >>> keras.ops.linspace(0.0, 1.0, 5)
    array([0.  , 0.25, 0.5 , 0.75, 1.  ], dtype=float32)
    """
    num = C.check_int("linspace", "num", num, low=0)
    if C.any_symbolic([start, stop]):
        return _symbolic_linspace("linspace", start, stop, num, endpoint, retstep, dtype, axis)
    dtype = _dtype("linspace", dtype, C.float_default(start, stop))
    start, stop = _endpoints("linspace", start, stop, axis)
    samples, step = np.linspace(start, stop, num, endpoint=endpoint, retstep=True, axis=axis)
    samples = (samples if dtype.kind == "f" else np.floor(samples)).astype(dtype)
    if retstep:
        return samples, np.asarray(step, dtype if dtype.kind == "f" else np.float32)
    return samples


def logspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    base: float = 10,
    dtype: DTypeLike = None,
    axis: int = 0,
) -> Tensor:
    """Returns numbers spaced evenly on a log scale.

    In linear space, the sequence starts at `base ** start` and ends with
    `base ** stop` (see `endpoint`).

    Args:
        start: `base ** start` is the starting value of the sequence.
        stop: `base ** stop` is the final value of the sequence, unless
            `endpoint` is False: then `num + 1` values are spaced over the
            interval in log-space, and all but the last are returned.
        num: Number of samples to generate; 50 by default.
        endpoint: If True, `stop` is the last sample.
        base: The base of the log space; 10 by default.
        dtype: The type of the output tensor; float32 by default.
        axis: The axis of the result along which the samples are stored,
            when `start` or `stop` are tensors.

    Returns:
        A tensor of evenly spaced samples on a log scale; symbolic when
        `start` or `stop` is.

    Example:

    >>> keras.ops.logspace(0.0, 2.0, 3)
    array([  1.,  10., 100.], dtype=float32)
    """
    num = C.check_int("logspace", "num", num, low=0)
    _no_tensor("logspace", "base", base)
    if C.any_symbolic([start, stop]):
        exponents = _symbolic_linspace("logspace", start, stop, num, endpoint, False, dtype, axis)
        return run("exponential", [exponents * float(np.log(base))])
    dtype = _dtype("logspace", dtype, C.float_default(start, stop))
    start, stop = _endpoints("logspace", start, stop, axis)
    exponents = np.linspace(start, stop, num, endpoint=endpoint, axis=axis)
    samples = np.power(np.asarray(base, np.float64), exponents)
    if dtype.kind != "f":
        samples = np.floor(samples)
    return samples.astype(dtype)


def _endpoints(op: str, start: Any, stop: Any, axis: Any) -> tuple[np.ndarray, np.ndarray]:
    start, stop = np.asarray(start, np.float64), np.asarray(stop, np.float64)
    try:
        rank = len(np.broadcast_shapes(start.shape, stop.shape))
    except ValueError:
        raise ShapeError(
            f"Op '{op}' expected start and stop that broadcast together. Received: shapes "
            f"{C.dims_text(start.shape)} and {C.dims_text(stop.shape)}"
        ) from None
    C.axis_of(op, axis, rank + 1)
    return start, stop


def _symbolic_linspace(
    op: str,
    start: Any,
    stop: Any,
    num: int,
    endpoint: bool,
    retstep: bool,
    dtype: Any,
    axis: Any,
) -> Any:
    """`start + i * step` for i in 0..num, built from primitives, with the
    samples along `axis` of a result one rank above start and stop's."""
    if dtype is not None and _dtype(op, dtype).kind != "f":
        raise InvalidArgumentError(
            f"Op '{op}' on symbolic tensors gives float32 samples only. Received: dtype={dtype!r}"
        )
    shapes = [C.shape_of(op, v) for v in (start, stop)]
    rank = max(len(s) for s in shapes)
    axis = C.axis_of(op, axis, rank + 1)
    divisions = num - 1 if endpoint else num
    # numpy's step is nan for a single sample with the endpoint, and the one
    # sample is start: the fractions of the way along stay finite.
    fractions = np.arange(num, dtype=np.float32) / np.float32(max(divisions, 1))
    fractions = fractions.reshape([num if i == axis else 1 for i in range(rank + 1)])
    delta = run("sub", [stop, start])
    samples = run(
        "add",
        [
            expand_dims(_as_rank(start, rank), axis),
            run("mul", [expand_dims(_as_rank(delta, rank), axis), fractions]),
        ],
    )
    if retstep:
        return samples, run("mul", [delta, np.float32(1.0 / divisions if divisions else np.nan)])
    return samples


def _as_rank(x: Any, rank: int) -> Any:
    """`x` with leading axes of size 1 up to `rank` (broadcasting's view)."""
    shape = C.shape_of("linspace", x)
    if len(shape) == rank:
        return x
    return expand_dims(x, list(range(rank - len(shape))))
