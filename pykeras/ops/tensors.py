"""Tensor facts and conversions, as `keras.ops` has them: size, ndim,
dtype, is_tensor, saturate_cast, copy, array, view, and the complex-number
parts real, imag, conj, conjugate, angle and isreal.

pykeras has no complex dtypes: its tensors are real (eagerly NumPy arrays,
inside models float32 or int64), so `real`, `conj` and `conjugate` return
their input's values, `imag` zeros, `angle` 0 or pi by the sign, and
`isreal` True; a complex NumPy array raises `DTypeError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from typing import cast as cast_type

import numpy as np

from pykeras.backend.variable import Variable
from pykeras.engine.tracing import GraphTensor
from pykeras.errors import DTypeError, InvalidArgumentError
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run
from pykeras.ops.core import _dtype_name, cast

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, Tensor, TensorLike

__all__ = [
    "angle",
    "array",
    "conj",
    "conjugate",
    "copy",
    "dtype",
    "imag",
    "is_tensor",
    "isreal",
    "ndim",
    "real",
    "saturate_cast",
    "size",
    "view",
]


def _value(x: Any) -> Any:
    """An eager value as a NumPy array (Python data with Keras's default
    types: int32 integers, float32 floats)."""
    if isinstance(x, Variable):
        return x.numpy()
    if isinstance(x, (np.ndarray, np.generic)):
        return np.asarray(x)
    a = np.asarray(x)
    if a.dtype == np.int64:
        return a.astype(np.int32)
    if a.dtype == np.float64:
        return a.astype(np.float32)
    return a


def _as_is(x: TensorLike) -> Tensor:
    """A symbolic tensor returned as it is (typed as the op's result; inside
    a trace, a variable is its own value too)."""
    return cast_type("Tensor", x)


def _real(op: str, x: Any) -> Any:
    """x as a real eager array; a complex one raises DTypeError."""
    a = _value(x)
    if a.dtype.kind == "c":
        raise DTypeError(
            f"Op '{op}' works on real tensors: pykeras has no complex dtypes. "
            f"Received: an array of dtype {a.dtype}"
        )
    if a.dtype.kind not in "biuf":
        raise DTypeError(
            f"Op '{op}' expected a numeric tensor. Received: an array of dtype {a.dtype}"
        )
    return a


def size(x: TensorLike) -> int | Tensor:
    """Return the number of elements in a tensor.

    Args:
        x: Input tensor.

    Returns:
        The number of elements, a Python int when it is known; for a
        symbolic tensor with a size unknown until run time (the batch), a
        float32 scalar tensor computed when the model runs.

    Example:

    >>> keras.ops.size(np.ones((2, 3)))
    6
    """
    if not C.is_symbolic(x):
        return int(np.size(_value(x)))
    shape = C.shape_of("size", x)
    if None not in shape:
        return int(np.prod(cast_type("tuple[int, ...]", shape), dtype=np.int64))
    # where(x, 1, 1) is 1 everywhere, NaN and inf included.
    return run("sum", [run("where", [x, np.float32(1), np.float32(1)])])


def ndim(x: TensorLike) -> int:
    """Return the number of dimensions of a tensor.

    Args:
        x: Input tensor.

    Returns:
        The number of dimensions in `x`, a Python int.

    Example:

    >>> keras.ops.ndim(np.ones((2, 3)))
    2
    """
    if C.is_symbolic(x):
        return len(C.shape_of("ndim", x))
    return int(np.ndim(_value(x)))


def dtype(x: TensorLike) -> str:
    """Return the dtype of the tensor as a standardized string.

    Python ints become "int32" and Python floats "float32", as Keras
    converts them; NumPy arrays, variables and symbolic tensors give their
    own dtype's name (inside a traced model, "float32", the core's type).

    Args:
        x: The tensor.

    Returns:
        The dtype's name, such as "float32", "int32" or "bool".

    Example:

    >>> keras.ops.dtype(np.array([1, 2], "int32"))
    'int32'
    """
    d = getattr(x, "dtype", None)
    if d is None:
        if C.is_symbolic(x):
            return "float32"
        d = _value(x).dtype
    if isinstance(d, str):
        return "bfloat16" if d == "bfloat16" else np.dtype(d).name
    return np.dtype(d).name


def is_tensor(x: TensorLike) -> bool:
    """Check whether the given object is a tensor.

    pykeras's eager tensors are NumPy arrays, and tensors inside a traced
    model are graph tensors: both count. Python numbers and lists,
    variables and symbolic `KerasTensor`s do not, as in Keras.

    Args:
        x: A variable.

    Returns:
        True if `x` is a tensor, otherwise False.

    Example:

    >>> keras.ops.is_tensor(np.ones(2)), keras.ops.is_tensor([1.0])
    (True, False)
    """
    return isinstance(x, (np.ndarray, GraphTensor))


_FLOAT_LIMITS = {"float16": 65504.0, "float32": float(np.finfo(np.float32).max)}


def saturate_cast(x: TensorLike, dtype: DTypeLike) -> Tensor:
    """Performs a safe saturating cast to the desired dtype.

    Values are clipped to the range of `dtype` before the cast, so an
    out-of-range value becomes the type's smallest or largest value instead
    of wrapping around; floats cast to integers truncate toward zero.

    Args:
        x: A tensor or variable.
        dtype: The target type.

    Returns:
        A tensor of `dtype` (inside models, float types as float32 and
        integer types as int64, clipped to `dtype`'s range).

    Example:

    >>> keras.ops.saturate_cast(np.array([-300.0, 3.7, 300.0]), "uint8")
    array([  0,   3, 255], dtype=uint8)
    """
    op = "saturate_cast"
    try:
        target = np.dtype(dtype)
    except TypeError:
        raise InvalidArgumentError(
            f"Op '{op}' expected a dtype name. Received: dtype={dtype!r}"
        ) from None
    if C.is_symbolic(x):
        if target.kind in "iu":
            info = np.iinfo(target)
            clipped = run("clip", [x], min=float(max(info.min, -(2.0**63))), max=float(info.max))
            return run("cast", [clipped], dtype="int64")
        if target.kind == "b":
            return run("not_equal", [x, np.float32(0)])
        limit = _FLOAT_LIMITS.get(target.name)
        return run("clip", [x], min=-limit, max=limit) if limit is not None else x
    return np.asarray(_saturate_eager(_real(op, x), target))


def _saturate_eager(a: Any, target: Any) -> Any:
    lo: float
    hi: float
    if target.kind == "b" or target.kind == "c":
        return a.astype(target)
    if target.kind in "iu":
        info = np.iinfo(target)
        lo, hi = info.min, info.max
    else:
        info = np.finfo(target)
        lo, hi = float(info.min), float(info.max)
    if a.dtype.kind in "iu" and target.kind in "iu":
        return np.clip(a.astype(np.int64) if a.dtype != np.uint64 else a, lo, hi).astype(target)
    if a.dtype.kind == "f" and target.kind in "iu":
        # Clip in float64, where int32's limits are exact, then truncate.
        wide = np.clip(np.trunc(a.astype(np.float64)), lo, hi)
        return np.nan_to_num(wide, nan=0.0).astype(target)
    return np.clip(a, lo, hi).astype(target)


def copy(x: TensorLike) -> Tensor:
    """Returns a copy of `x`.

    Args:
        x: Input tensor.

    Returns:
        A copy of `x`, with its dtype (Python data with Keras's defaults:
        int32 integers, float32 floats); symbolic tensors, which cannot be
        changed in place, come back as they are.

    Example:

    >>> keras.ops.copy(np.array([1, 2]))
    array([1, 2])
    """
    if C.any_symbolic([x]):
        return _as_is(x)
    return np.array(_value(x), copy=True)


def array(x: TensorLike, dtype: DTypeLike = None) -> Tensor:
    """Create a tensor.

    Args:
        x: Input tensor or data.
        dtype: The desired data-type for the tensor. By default, arrays keep
            theirs and Python data takes Keras's: int32 for integers,
            float32 for floats, bool for booleans.

    Returns:
        A tensor (eagerly, a NumPy array; a symbolic tensor is cast).

    Example:

    >>> keras.ops.array([1, 2, 3])
    array([1, 2, 3], dtype=int32)
    """
    if C.any_symbolic([x]):
        return _as_is(x) if dtype is None else cast(x, dtype)
    a = _value(x)
    if dtype is not None:
        return np.array(a, dtype=_dtype_name(dtype), copy=True)
    return np.array(a, copy=True)


def view(x: TensorLike, dtype: DTypeLike = None) -> Tensor:
    """Create a new view of the tensor's bytes with a different dtype.

    As NumPy's `ndarray.view`: the bytes are reinterpreted, not converted,
    and a dtype of another item size changes the last axis's length.

    Works on concrete arrays only: inside models tensors are float32 or
    int64 computed by the core, whose bytes are not those of the dtype the
    model names, so a symbolic tensor raises `InvalidArgumentError` (use
    `cast` to convert values instead).

    Args:
        x: Input tensor.
        dtype: Data-type descriptor of the returned view; None keeps `x`'s.

    Returns:
        A tensor with the same bytes as `x`, read as `dtype`.

    Example:

    >>> keras.ops.view(np.array([1.0], "float32"), "int32")
    array([1065353216], dtype=int32)
    """
    op = "view"
    if C.any_symbolic([x]):
        raise InvalidArgumentError(
            f"Op '{op}' reinterprets an array's bytes, which a symbolic tensor does not "
            f"have until run time (the core computes in float32 or int64); use `cast` to "
            f"convert values. Received: {x!r}"
        )
    a = _value(x)
    if dtype is None:
        return np.array(a, copy=True)
    try:
        target = np.dtype(dtype)
        return np.ascontiguousarray(a).view(target).copy()
    except (TypeError, ValueError) as e:
        raise InvalidArgumentError(
            f"Op '{op}' cannot view an array of dtype {a.dtype} and shape {a.shape} as "
            f"{dtype!r} ({e}). Received: dtype={dtype!r}"
        ) from None


def real(x: TensorLike) -> Tensor:
    """Return the real part of the (complex) argument.

    pykeras's tensors are real, so this is `x` itself (a complex array
    raises `DTypeError`).

    Args:
        x: Input tensor.

    Returns:
        The real part: `x`'s values and dtype.

    Example:

    >>> keras.ops.real(np.array([1.5, -2.0]))
    array([ 1.5, -2. ])
    """
    if C.any_symbolic([x]):
        return _as_is(x)
    return np.array(_real("real", x), copy=True)


def imag(x: TensorLike) -> Tensor:
    """Return the imaginary part of the (complex) argument.

    pykeras's tensors are real, so this is zeros of `x`'s shape and dtype
    (a complex array raises `DTypeError`).

    Args:
        x: Input tensor.

    Returns:
        The imaginary part: zeros.

    Example:

    >>> keras.ops.imag(np.array([1.5, -2.0]))
    array([0., 0.])
    """
    if C.any_symbolic([x]):
        # where(x, 0, 0): zeros of x's shape, NaN and inf included.
        return run("where", [x, np.float32(0), np.float32(0)])
    return np.zeros_like(_real("imag", x))


def conjugate(x: TensorLike) -> Tensor:
    """Returns the complex conjugate, element-wise.

    pykeras's tensors are real, so this is `x` itself (a complex array
    raises `DTypeError`).

    Args:
        x: Input tensor.

    Returns:
        The conjugate: `x`'s values and dtype.

    Example:

    >>> keras.ops.conjugate(np.array([1, -2]))
    array([ 1, -2])
    """
    if C.any_symbolic([x]):
        return _as_is(x)
    return np.array(_real("conjugate", x), copy=True)


def conj(x: TensorLike) -> Tensor:
    """Shorthand for `keras.ops.conjugate`.

    Args:
        x: Input tensor.

    Returns:
        The conjugate: `x`'s values and dtype.

    Example:

    >>> keras.ops.conj(np.array([1.0, -2.0]))
    array([ 1., -2.])
    """
    if C.any_symbolic([x]):
        return _as_is(x)
    return np.array(_real("conj", x), copy=True)


def angle(x: TensorLike) -> Tensor:
    """Element-wise angle of a complex tensor.

    For real values: 0 for positive numbers and +0.0, pi for negative
    numbers and -0.0 (the angle of `x + 0j`), NaN for NaN.

    Args:
        x: Input tensor.

    Returns:
        A float32 tensor of the angles (float16 for a float16 array).

    Example:

    >>> keras.ops.angle(np.array([2.0, -1.0, 0.0]))
    array([0.       , 3.1415927, 0.       ], dtype=float32)
    """
    half = False
    if not C.any_symbolic([x]):
        a = _real("angle", x)
        half = a.dtype == np.float16
        x = a.astype(np.float32)
    # Negative values and -0.0, whose reciprocal is -inf; -inf's is -0.0,
    # caught by the first test.
    negative = run(
        "maximum",
        [run("less", [x, np.float32(0)]), run("less", [run("reciprocal", [x]), np.float32(0)])],
    )
    angles = run("where", [negative, np.float32(np.pi), np.float32(0)])
    # NaN stays NaN.
    out = run("where", [run("equal", [x, x]), angles, x])
    # A float16 array keeps its type, as in Keras; others give float32.
    return np.asarray(out).astype(np.float16) if half else out


def isreal(x: TensorLike) -> Tensor:
    """Test element-wise whether each element of the tensor is real.

    pykeras's tensors are real, so every element is (a complex array
    raises `DTypeError`).

    Args:
        x: Input tensor.

    Returns:
        A bool tensor of `x`'s shape, all True (a float32 mask of ones on
        symbolic tensors).

    Example:

    >>> keras.ops.isreal(np.array([1.0, 2.0]))
    array([ True,  True])
    """
    if C.any_symbolic([x]):
        return run("where", [x, np.float32(1), np.float32(1)])
    return np.ones(_real("isreal", x).shape, bool)
