"""Elementwise truth tests on floats: NaN, infinities, sign bit, closeness.

Each is a composite of the core's comparisons (`x != x` is true for NaN
only, `x - x` is 0 for finite values only), so it runs eagerly, in
Functional models and in traced graphs. Eagerly the result is a bool array,
as in Keras; symbolically it is the core's float32 0/1 mask. None has a
gradient.

Integer and bool inputs are never NaN nor infinite; they are compared in
float32.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.ops import _composite as C
from pykeras.ops import _numeric_common as N
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__ = [
    "allclose",
    "isclose",
    "isfinite",
    "isinf",
    "isnan",
    "isneginf",
    "isposinf",
    "signbit",
]

_BOOL = np.dtype(np.bool_)


def _bool(out: Any) -> Any:
    return N.finish(out, _BOOL)


def isnan(x: TensorLike) -> Tensor:
    """Test element-wise for NaN and return result as a boolean tensor.

    Args:
        x: Input tensor.

    Returns:
        Output boolean tensor (a float32 0/1 mask inside models).

    Example:

    >>> keras.ops.isnan(np.array([1.0, np.nan]))
    array([False,  True])
    """
    return _bool(N.isnan(x))


def isinf(x: TensorLike) -> Tensor:
    """Test element-wise for positive or negative infinity.

    Args:
        x: Input tensor.

    Returns:
        Output boolean tensor (a float32 0/1 mask inside models).

    Example:

    >>> keras.ops.isinf(np.array([1.0, -np.inf, np.nan]))
    array([False,  True, False])
    """
    return _bool(N.isinf(x))


def isfinite(x: TensorLike) -> Tensor:
    """Return whether a tensor is finite, element-wise.

    Real values are finite when they are not NaN, not positive infinity,
    and not negative infinity.

    Args:
        x: Input tensor.

    Returns:
        Output boolean tensor (a float32 0/1 mask inside models).

    Example:

    >>> keras.ops.isfinite(np.array([1.0, np.inf, np.nan]))
    array([ True, False, False])
    """
    return _bool(N.isfinite(x))


def isneginf(x: TensorLike) -> Tensor:
    """Test element-wise for negative infinity.

    Args:
        x: Input tensor.

    Returns:
        Output boolean tensor (a float32 0/1 mask inside models).

    Example:

    >>> keras.ops.isneginf(np.array([-np.inf, np.inf]))
    array([ True, False])
    """
    return _bool(run("equal", [x, -N.INF]))


def isposinf(x: TensorLike) -> Tensor:
    """Test element-wise for positive infinity.

    Args:
        x: Input tensor.

    Returns:
        Output boolean tensor (a float32 0/1 mask inside models).

    Example:

    >>> keras.ops.isposinf(np.array([-np.inf, np.inf]))
    array([False,  True])
    """
    return _bool(run("equal", [x, N.INF]))


def signbit(x: TensorLike) -> Tensor:
    """Return the sign bit of the elements of `x`.

    The output boolean tensor contains `True` where the sign of `x` is
    negative, and `False` otherwise; -0.0 has its sign bit set. Eagerly the
    bit is read from the float32 value, so a negative NaN counts, as in
    Keras; inside models it is computed as `x < 0 or 1 / x < 0`, which
    sees -0.0 but takes every NaN as positive.

    Args:
        x: Input tensor.

    Returns:
        Output boolean tensor of same shape as `x` (a float32 0/1 mask
        inside models).

    Example:

    >>> keras.ops.signbit(np.array([-1.0, -0.0, 0.0, 2.0]))
    array([ True,  True, False, False])
    """
    if not C.any_symbolic([x]):
        # Not differentiable and elementwise: reading the bit is exact.
        return np.signbit(N.eager_array(x).astype(np.float32))
    negative = run("less", [x, 0.0])
    negative_zero = N.logical_and(
        run("equal", [x, 0.0]), run("less", [run("reciprocal", [x]), 0.0])
    )
    return N.logical_or(negative, negative_zero)


def _isclose(x1: Any, x2: Any, rtol: float, atol: float, equal_nan: bool) -> Any:
    rtol, atol = float(rtol), float(atol)
    gap = run("abs", [run("sub", [x1, x2])])
    bound = run("add", [atol, run("mul", [rtol, run("abs", [x2])])])
    finite = N.logical_and(N.isfinite(x1), N.isfinite(x2))
    # Infinities are close only to themselves (inf - inf would be NaN, and
    # inf's tolerance would make every finite value close to it).
    close = N.logical_or(
        N.logical_and(finite, run("less_equal", [gap, bound])), run("equal", [x1, x2])
    )
    if equal_nan:
        close = N.logical_or(close, N.logical_and(N.isnan(x1), N.isnan(x2)))
    return close


def isclose(
    x1: TensorLike,
    x2: TensorLike,
    rtol: float = 1e-05,
    atol: float = 1e-08,
    equal_nan: bool = False,
) -> Tensor:
    """Return whether two tensors are element-wise almost equal.

    `|x1 - x2| <= atol + rtol * |x2|` for finite values (in float32, as
    Keras computes); infinities are close only to the same infinity, and
    NaN to nothing unless `equal_nan`.

    Args:
        x1: First input tensor.
        x2: Second input tensor.
        rtol: Relative tolerance.
        atol: Absolute tolerance.
        equal_nan: If `True`, element-wise NaNs are considered equal.

    Returns:
        Output boolean tensor (a float32 0/1 mask inside models).

    Example:

    >>> keras.ops.isclose(np.array([1.0, 1.0]), np.array([1.000001, 1.1]))
    array([ True, False])
    """
    return _bool(_isclose(x1, x2, rtol, atol, equal_nan))


def allclose(
    x1: TensorLike,
    x2: TensorLike,
    rtol: float = 1e-05,
    atol: float = 1e-08,
    equal_nan: bool = False,
) -> Tensor:
    """Whether two tensors are element-wise almost equal, all of them.

    `isclose(x1, x2, rtol, atol, equal_nan)` reduced with a logical AND
    over every element (of the broadcast shape).

    Args:
        x1: First input tensor.
        x2: Second input tensor.
        rtol: Relative tolerance.
        atol: Absolute tolerance.
        equal_nan: If `True`, element-wise NaNs are considered equal.

    Returns:
        A boolean scalar (a float32 0/1 scalar inside models).

    Example:

    >>> keras.ops.allclose(np.array([1.0, 2.0]), np.array([1.0, 2.000001]))
    array(True)
    """
    close = _isclose(x1, x2, rtol, atol, equal_nan)
    misses = run("sum", [run("equal", [close, 0.0])])
    return _bool(run("equal", [misses, 0.0]))
