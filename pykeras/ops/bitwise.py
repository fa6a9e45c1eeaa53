"""Bitwise operations and integer greatest common divisors.

These work on integer and bool arrays only and have no gradient, as in
Keras:

- Eagerly they run in NumPy on the arrays' own integer types (exact for
  every value), with Keras's result dtypes: NumPy's promotion with Python
  ints taking the array's type, bool kept by AND/OR/XOR/NOT and made int32
  by the shifts. Float arrays raise `DTypeError` (`gcd`/`lcm`:
  `InvalidArgumentError`, a `ValueError`, as Keras raises). Shifts by a
  negative amount or by the type's width or more give 0 (-1 for a negative
  value shifted right), as on JAX.
- On symbolic tensors (Functional models, traced models), whose values are
  the core's float32, they are computed exactly with floor and power-of-two
  arithmetic for whole numbers in [-2**23, 2**23) in two's complement
  (AND, OR, XOR over 24 bits at once; NOT as `-x - 1`; shifts as `x * 2**y`
  and `floor(x / 2**y)`, exact while the result stays in that range).
  A symbolic tensor declared bool is negated logically by `bitwise_not`.
  `gcd` and `lcm` need a data-dependent number of steps and raise
  `InvalidArgumentError` on symbolic input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.errors import DTypeError, InvalidArgumentError
from pykeras.ops import _composite as C
from pykeras.ops import _numeric_common as N
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__ = [
    "bitwise_and",
    "bitwise_invert",
    "bitwise_left_shift",
    "bitwise_not",
    "bitwise_or",
    "bitwise_right_shift",
    "bitwise_xor",
    "gcd",
    "lcm",
    "left_shift",
    "right_shift",
]

_BITS = 24  # whole numbers in [-2**23, 2**23) are exact in float32's 24 bits


def _eager_ints(op: str, values: list[Any], error: type = DTypeError) -> list[Any]:
    """`values` as NumPy integer or bool arrays (Python ints stay as they
    are, to promote weakly); anything else raises naming the op."""
    out = []
    for i, v in enumerate(values):
        if N.is_python_number(v):
            if isinstance(v, float):
                raise error(f"Op '{op}' expected integer or bool inputs. Received: {v!r}")
            out.append(v)
            continue
        a = N.eager_array(v)
        if a.dtype.kind not in "biu":
            raise error(
                f"Op '{op}' expected integer or bool inputs. Received: input {i} of dtype {a.dtype}"
            )
        out.append(a)
    return out


def _cast(values: Any, dtype: Any) -> Any:
    return [np.asarray(v).astype(dtype) for v in values]


# ---------------------------------------------------------------- AND, OR, XOR


def _bits(x: Any, ndim: int) -> Any:
    """The 24 low bits of `x`'s two's complement, stacked on a new axis 0."""
    low = run("sub", [x, run("mul", [run("floor", [run("mul", [x, 2.0**-_BITS])]), 2.0**_BITS])])
    powers = (2.0 ** np.arange(_BITS, dtype=np.float32)).reshape((_BITS,) + (1,) * ndim)
    q = run("floor", [run("div", [low, powers])])
    return run("sub", [q, run("mul", [run("floor", [run("mul", [q, 0.5])]), 2.0])]), powers


def _symbolic_logic(op: str, x: Any, y: Any, combine: str) -> Any:
    x, y = N.as_float(x), N.as_float(y)
    ndim = N.broadcast_ndim(op, x, y)
    bx, powers = _bits(x, ndim)
    by, _ = _bits(y, ndim)
    unsigned = run("sum", [run("mul", [run(combine, [bx, by]), powers])], axis=[0])
    wrapped = run("mul", [run("greater_equal", [unsigned, 2.0 ** (_BITS - 1)]), 2.0**_BITS])
    return run("sub", [unsigned, wrapped])


def _logic(op: str, x: Any, y: Any, numpy_fn: Any, combine: str) -> Any:
    if C.any_symbolic([x, y]):
        return _symbolic_logic(op, x, y, combine)
    values = _eager_ints(op, [x, y])
    dtype = N.eager_dtype(values)
    return np.asarray(numpy_fn(*_cast(values, dtype))).astype(dtype)


def bitwise_and(x: TensorLike, y: TensorLike) -> Tensor:
    """Compute the bit-wise AND of two arrays element-wise.

    Computes the bit-wise AND of the underlying binary representation of the
    integers in the input arrays. This ufunc implements the C/Python
    operator `&`.

    Args:
        x: Input integer tensor.
        y: Input integer tensor.

    Returns:
        Result tensor (the promoted integer dtype; bool for bools).

    Example:

    >>> keras.ops.bitwise_and(np.array([12, -7]), np.array([10, 3]))
    array([8, 1])
    """
    return _logic("bitwise_and", x, y, np.bitwise_and, "mul")


def bitwise_or(x: TensorLike, y: TensorLike) -> Tensor:
    """Compute the bit-wise OR of two arrays element-wise.

    Computes the bit-wise OR of the underlying binary representation of the
    integers in the input arrays. This ufunc implements the C/Python
    operator `|`.

    Args:
        x: Input integer tensor.
        y: Input integer tensor.

    Returns:
        Result tensor (the promoted integer dtype; bool for bools).

    Example:

    >>> keras.ops.bitwise_or(np.array([12, -7]), np.array([10, 3]))
    array([14, -5])
    """
    return _logic("bitwise_or", x, y, np.bitwise_or, "maximum")


def bitwise_xor(x: TensorLike, y: TensorLike) -> Tensor:
    """Compute the bit-wise XOR of two arrays element-wise.

    Computes the bit-wise XOR of the underlying binary representation of the
    integers in the input arrays. This ufunc implements the C/Python
    operator `^`.

    Args:
        x: Input integer tensor.
        y: Input integer tensor.

    Returns:
        Result tensor (the promoted integer dtype; bool for bools).

    Example:

    >>> keras.ops.bitwise_xor(np.array([12, -7]), np.array([10, 3]))
    array([ 6, -6])
    """
    return _logic("bitwise_xor", x, y, np.bitwise_xor, "not_equal")


# ---------------------------------------------------------------- NOT


def bitwise_not(x: TensorLike) -> Tensor:
    """Compute bit-wise inversion, or bit-wise NOT, element-wise.

    Computes the bit-wise NOT of the underlying binary representation of the
    integers in the input arrays. This ufunc implements the C/Python
    operator `~`: `-x - 1` for signed integers, logical NOT for bools.

    Args:
        x: Input integer tensor.

    Returns:
        Result tensor (the input's dtype).

    Example:

    >>> keras.ops.bitwise_not(np.array([0, 7, -8]))
    array([-1, -8,  7])
    """
    return _invert("bitwise_not", x)


def bitwise_invert(x: TensorLike) -> Tensor:
    """Compute bit-wise inversion, or bit-wise NOT, element-wise.

    Computes the bit-wise NOT of the underlying binary representation of the
    integers in the input arrays. This ufunc implements the C/Python
    operator `~`. The same as `bitwise_not`.

    Args:
        x: Input integer tensor.

    Returns:
        Result tensor (the input's dtype).

    Example:

    >>> keras.ops.bitwise_invert(np.array([True, False]))
    array([False,  True])
    """
    return _invert("bitwise_invert", x)


def _invert(op: str, x: Any) -> Any:
    if C.any_symbolic([x]):
        x = N.as_float(x)
        if str(getattr(x, "dtype", "")) == "bool":
            return run("sub", [1.0, x])
        return run("sub", [run("neg", [x]), 1.0])
    (a,) = _eager_ints(op, [x])
    return np.invert(np.asarray(a))


# ---------------------------------------------------------------- shifts


def _shift(op: str, x: Any, y: Any, left: Any) -> Any:
    if C.any_symbolic([x, y]):
        x, y = N.as_float(x), N.as_float(y)
        scale = run("pow", [2.0, y])
        if left:
            return run("mul", [x, scale])
        return run("floor", [run("div", [x, scale])])
    values = _eager_ints(op, [x, y])
    dtype = N.eager_dtype(values, bool_to_int=True)
    a, s = _cast(values, dtype)
    width = dtype.itemsize * 8
    # NumPy leaves shifts by the width or more (or negative) to the CPU;
    # JAX defines them: everything shifted out.
    out_of_range = (s < 0) | (s >= width)
    safe = np.where(out_of_range, 0, s).astype(dtype)
    if left:
        out = np.where(out_of_range, 0, np.left_shift(a, safe))
    else:
        fill = np.where(a < 0, -1, 0) if dtype.kind == "i" else 0
        out = np.where(out_of_range, fill, np.right_shift(a, safe))
    return np.asarray(out).astype(dtype)


def bitwise_left_shift(x: TensorLike, y: TensorLike) -> Tensor:
    """Shift the bits of an integer to the left.

    Bits are shifted to the left by appending `y` 0s at the right of `x`.
    Since the internal representation of numbers is in binary format, this
    operation is equivalent to multiplying `x` by `2**y`.

    Args:
        x: Input integer tensor.
        y: Input integer tensor.

    Returns:
        Result tensor (the promoted integer dtype; bools give int32).

    Example:

    >>> keras.ops.bitwise_left_shift(np.array([1, -3]), np.array([4, 1]))
    array([16, -6])
    """
    return _shift("bitwise_left_shift", x, y, True)


def left_shift(x: TensorLike, y: TensorLike) -> Tensor:
    """Shift the bits of an integer to the left.

    Bits are shifted to the left by appending `y` 0s at the right of `x`.
    Since the internal representation of numbers is in binary format, this
    operation is equivalent to multiplying `x` by `2**y`. The same as
    `bitwise_left_shift`.

    Args:
        x: Input integer tensor.
        y: Input integer tensor.

    Returns:
        Result tensor (the promoted integer dtype; bools give int32).

    Example:

    >>> keras.ops.left_shift(np.array([1, -3]), 2)
    array([  4, -12])
    """
    return _shift("left_shift", x, y, True)


def bitwise_right_shift(x: TensorLike, y: TensorLike) -> Tensor:
    """Shift the bits of an integer to the right.

    Bits are shifted to the right `y`. Because the internal representation
    of numbers is in binary format, this operation is equivalent to
    dividing `x` by `2**y` and rounding down (an arithmetic shift).

    Args:
        x: Input integer tensor.
        y: Input integer tensor.

    Returns:
        Result tensor (the promoted integer dtype; bools give int32).

    Example:

    >>> keras.ops.bitwise_right_shift(np.array([16, -7]), np.array([2, 1]))
    array([ 4, -4])
    """
    return _shift("bitwise_right_shift", x, y, False)


def right_shift(x: TensorLike, y: TensorLike) -> Tensor:
    """Shift the bits of an integer to the right.

    Bits are shifted to the right `y`. Because the internal representation
    of numbers is in binary format, this operation is equivalent to
    dividing `x` by `2**y` and rounding down. The same as
    `bitwise_right_shift`.

    Args:
        x: Input integer tensor.
        y: Input integer tensor.

    Returns:
        Result tensor (the promoted integer dtype; bools give int32).

    Example:

    >>> keras.ops.right_shift(np.array([16, -7]), 1)
    array([ 8, -4])
    """
    return _shift("right_shift", x, y, False)


# ---------------------------------------------------------------- gcd, lcm


def _divisors(op: str, x1: Any, x2: Any, numpy_fn: Any) -> Any:
    if C.any_symbolic([x1, x2]):
        raise InvalidArgumentError(
            f"Op '{op}' runs on integer arrays eagerly only: Euclid's algorithm takes a "
            "number of steps that depends on the values, which a model's graph cannot "
            f"follow. Received: a symbolic tensor ({x1!r}, {x2!r})"
        )
    values = _eager_ints(op, [x1, x2], InvalidArgumentError)
    if any(not N.is_python_number(v) and v.dtype.kind == "b" for v in values):
        raise InvalidArgumentError(
            f"Op '{op}' expected integer inputs (as Keras, not bool). "
            f"Received: dtypes {[getattr(v, 'dtype', type(v).__name__) for v in values]}"
        )
    dtype = N.eager_dtype(values)
    return np.asarray(numpy_fn(*_cast(values, dtype))).astype(dtype)


def gcd(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Greatest common divisor of `x1` and `x2`, element-wise.

    Non-negative; `gcd(0, 0)` is 0. Integer arrays only, eagerly only (see
    the module's notes).

    Args:
        x1: First input tensor (integer type).
        x2: Second input tensor (integer type).

    Returns:
        Output tensor, element-wise greatest common divisor of `x1` and
        `x2` (the promoted integer dtype).

    Example:

    >>> keras.ops.gcd(np.array([12, -18, 0]), np.array([18, 12, 5]))
    array([6, 6, 5])
    """
    return _divisors("gcd", x1, x2, np.gcd)


def lcm(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Least common multiple of `x1` and `x2`, element-wise.

    Non-negative; 0 where either is 0. Integer arrays only, eagerly only
    (see the module's notes).

    Args:
        x1: First input tensor (integer type).
        x2: Second input tensor (integer type).

    Returns:
        Output tensor, element-wise least common multiple of `x1` and `x2`
        (the promoted integer dtype).

    Example:

    >>> keras.ops.lcm(np.array([4, -6, 0]), np.array([6, 4, 5]))
    array([12, 12,  0])
    """
    return _divisors("lcm", x1, x2, np.lcm)
