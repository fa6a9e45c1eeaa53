"""Elementwise numeric functions of NumPy's namespace beyond the basic math.

Each is a composite of the core's primitives (log1p, arctan, pow, where,
comparisons, ...), so it runs eagerly, in Functional models and in traced
graphs, with gradients from the primitives' rules. Branches that would give
inf or NaN on the side `where` discards are fed a safe value instead, so no
NaN leaks into a gradient (`0 * inf`).

Eagerly, results have Keras's dtypes: float32 for the transcendental ones
(float64 input keeps float64 where Keras with x64 keeps it: `cbrt`, `fabs`,
`hypot`, `deg2rad`, `heaviside`, `divide_no_nan`, ...),
and the promoted input dtype for `fmax`, `fmin`, `fmod` (bool gives int32),
`trunc` and `nan_to_num` (integers and bools pass through). Symbolic
results are float32, as the core computes.

Integers are computed in float32, so they are exact below 2**24.
`nextafter`, `i0`, `divide_no_nan` and `nan_to_num` live in
`_numeric_special.py`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.errors import DTypeError
from pykeras.ops import _composite as C
from pykeras.ops import _numeric_common as N
from pykeras.ops._dispatch import run
from pykeras.ops._numeric_special import divide_no_nan, i0, nan_to_num, nextafter

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__ = [
    "arccosh",
    "arctan2",
    "arctanh",
    "cbrt",
    "deg2rad",
    "divide_no_nan",
    "fabs",
    "fmax",
    "fmin",
    "fmod",
    "heaviside",
    "hypot",
    "i0",
    "ldexp",
    "logaddexp",
    "logaddexp2",
    "nan_to_num",
    "nextafter",
    "rad2deg",
    "sinc",
    "trunc",
]

_LN2 = math.log(2.0)
_F32 = np.dtype(np.float32)


def _float(out: Any) -> Any:
    """float32, as Keras casts these ops' float64 input (`result_type(x, float)`)."""
    return N.finish(out, _F32)


# ---------------------------------------------------------------- inverse hyperbolics


def arccosh(x: TensorLike) -> Tensor:
    """Inverse hyperbolic cosine, element-wise.

    Computed as `log1p(t + sqrt(t * (t + 2)))` with `t = x - 1` (accurate
    near 1), and as `log(x) + log(2)` past 1e8, where the square would lose
    nothing but could overflow. Values below 1 give NaN.

    Args:
        x: Input tensor.

    Returns:
        Output tensor of same shape as x (float32).

    Example:

    >>> keras.ops.arccosh(np.array([1.0, 10.0]))
    array([0.      , 2.993223], dtype=float32)
    """
    big = run("greater", [x, 1e8])
    t = run("sub", [N.where(big, 2.0, x), 1.0])
    near = run("log1p", [run("add", [t, run("sqrt", [run("mul", [t, run("add", [t, 2.0])])])])])
    far = run("add", [run("log", [N.where(big, x, 2.0)]), _LN2])
    return _float(N.where(big, far, near))


def arctanh(x: TensorLike) -> Tensor:
    """Inverse hyperbolic tangent, element-wise.

    Computed as `(log1p(x) - log1p(-x)) / 2`: infinite at -1 and 1, NaN
    beyond.

    Args:
        x: Input tensor.

    Returns:
        Output tensor of same shape as `x` (float32).

    Example:

    >>> keras.ops.arctanh(np.array([0.0, 0.5]))
    array([0.        , 0.54930615], dtype=float32)
    """
    diff = run("sub", [run("log1p", [x]), run("log1p", [run("neg", [x])])])
    return _float(run("mul", [diff, 0.5]))


# ---------------------------------------------------------------- angles and roots


def arctan2(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Element-wise arc tangent of `x1/x2` choosing the quadrant correctly.

    The quadrant (i.e., branch) is chosen so that `arctan2(x1, x2)` is the
    signed angle in radians between the ray ending at the origin and passing
    through the point `(1, 0)`, and the ray ending at the origin and passing
    through the point `(x2, x1)`. (Note the role reversal: the "y-coordinate"
    is the first function parameter, the "x-coordinate" is the second.) By
    IEEE convention, this function is defined for `x2 = +/-0` and for either
    or both of `x1` and `x2` `= +/-inf`, and signed zeros pick the branch,
    as in NumPy.

    The angle is `arctan(x1 / x2)` where `|x1| <= |x2|` and
    `+/-pi/2 - arctan(x2 / x1)` elsewhere, so the gradient is
    `(x2, -x1) / (x1**2 + x2**2)` everywhere but the origin.

    Args:
        x1: First input tensor (the y-coordinates).
        x2: Second input tensor (the x-coordinates).

    Returns:
        Tensor of angles in radians, in the range `[-pi, pi]` (float32).

    Example:

    >>> keras.ops.arctan2(np.array([1.0, 1.0, -1.0]), np.array([1.0, -1.0, -1.0]))
    array([ 0.7853982,  2.3561945, -2.3561945], dtype=float32)
    """
    y, x = x1, x2
    both_inf = N.logical_and(N.isinf(y), N.isinf(x))
    # Both infinite: the angle of (sign y, sign x), an odd multiple of pi/4.
    y = N.where(both_inf, run("sign", [y]), y)
    x = N.where(both_inf, run("sign", [x]), x)
    ay, ax = run("abs", [y]), run("abs", [x])
    flat = run("less_equal", [ay, ax])  # NaN goes to the steep branch
    x_safe = N.where(N.logical_and(flat, run("not_equal", [x, 0.0])), x, 1.0)
    low = run("arctan", [run("div", [y, x_safe])])
    # x < 0 (or -0): add pi with the sign of y (signed zero included).
    half_turn = N.where(_signbit(y), -math.pi, math.pi)
    low = N.where(_signbit(x), run("add", [low, half_turn]), low)  # keeps -0.0
    y_safe = N.where(flat, 1.0, y)
    steep = run("arctan", [run("div", [x, y_safe])])
    high = run("sub", [run("mul", [run("sign", [y]), math.pi / 2]), steep])
    return _float(N.where(flat, low, high))


def _signbit(x: Any) -> Any:
    """1 where `x` is negative or -0 (`1 / -0` is -inf); 0 for NaN."""
    negative = run("less", [x, 0.0])
    negative_zero = N.logical_and(
        run("equal", [x, 0.0]), run("less", [run("reciprocal", [x]), 0.0])
    )
    return N.logical_or(negative, negative_zero)


def cbrt(x: TensorLike) -> Tensor:
    """Computes the cube root of the input tensor, element-wise.

    Args:
        x: Input tensor.

    Returns:
        A tensor with the cube root of `x` (float32; float64 for float64 input).

    Example:

    >>> keras.ops.cbrt(np.array([-27.0, 8.0]))
    array([-3.,  2.])
    """
    root = run("pow", [run("abs", [x]), 1.0 / 3.0])
    return N.float_result(run("mul", [run("sign", [x]), root]))


def deg2rad(x: TensorLike) -> Tensor:
    """Convert angles from degrees to radians.

    The conversion is defined as:
    `rad = deg * (pi / 180)`

    Args:
        x: Input tensor of angles in degrees.

    Returns:
        A tensor containing angles converted to radians (float32; float64 for float64 input).

    Example:

    >>> keras.ops.deg2rad(np.array([180.0, 90.0]))
    array([3.14159265, 1.57079633])
    """
    return N.float_result(run("mul", [x, math.pi / 180.0]))


def rad2deg(x: TensorLike) -> Tensor:
    """Convert angles from radians to degrees.

    The conversion is defined as:
    `deg = rad * (180 / pi)`

    Args:
        x: Input tensor of angles in radians.

    Returns:
        A tensor containing angles converted to degrees (float32; float64 for float64 input).

    Example:

    >>> keras.ops.rad2deg(np.array([np.pi, np.pi / 2]))
    array([180.,  90.])
    """
    return N.float_result(run("mul", [x, 180.0 / math.pi]))


def fabs(x: TensorLike) -> Tensor:
    """Compute the absolute values element-wise, as floats.

    Args:
        x: Input tensor.

    Returns:
        An array containing the absolute values of the elements of `x`
        (float32, also for integer input; float64 for float64 input).

    Example:

    >>> keras.ops.fabs(np.array([-2, 3]))
    array([2., 3.], dtype=float32)
    """
    return N.float_result(run("abs", [x]))


# ---------------------------------------------------------------- min, max, remainders


def _fext(x1: Any, x2: Any, name: str) -> Any:
    nan1, nan2 = N.isnan(x1), N.isnan(x2)
    both = run(name, [x1, x2])
    out = N.where(nan1, x2, N.where(nan2, x1, both))
    return N.finish(out, N.eager_dtype([x1, x2]))


def fmax(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Element-wise maximum that ignores NaN.

    Where exactly one of the two values is NaN the other is returned; NaN
    only where both are.

    Args:
        x1: First tensor.
        x2: Second tensor.

    Returns:
        Output tensor, element-wise maximum of `x1` and `x2` (the promoted
        dtype of the inputs, bool and integers kept).

    Example:

    >>> keras.ops.fmax(np.array([1.0, np.nan]), np.array([np.nan, 2.0]))
    array([1., 2.])
    """
    return _fext(x1, x2, "maximum")


def fmin(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Element-wise minimum that ignores NaN.

    Where exactly one of the two values is NaN the other is returned; NaN
    only where both are.

    Args:
        x1: First tensor.
        x2: Second tensor.

    Returns:
        Output tensor, element-wise minimum of `x1` and `x2` (the promoted
        dtype of the inputs, bool and integers kept).

    Example:

    >>> keras.ops.fmin(np.array([1.0, np.nan]), np.array([np.nan, 2.0]))
    array([1., 2.])
    """
    return _fext(x1, x2, "minimum")


def fmod(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Returns the element-wise remainder of division, with the sign of `x1`.

    This is C's `fmod` (NumPy's `fmod`), unlike `mod`, whose result takes
    the sign of `x2`: `x1 - trunc(x1 / x2) * x2`, corrected by one `x2`
    where the rounded quotient was off. Division by zero gives NaN for
    floats and 0 for integers, as in Keras.

    Args:
        x1: First tensor (the dividends).
        x2: Second tensor (the divisors).

    Returns:
        Output tensor, the remainders (the promoted dtype of the inputs;
        bool gives int32).

    Example:

    >>> keras.ops.fmod(np.array([7, -7]), np.array([2, 2]))
    array([ 1, -1])
    """
    q = _trunc(run("div", [x1, x2]))
    r = run("sub", [x1, run("mul", [q, x2])])
    # The rounded quotient can be off by one: bring r back into
    # [0, |x2|) with the sign of x1.
    step = run("mul", [run("abs", [x2]), run("sign", [x1])])
    wrong_sign = run("less", [run("mul", [r, x1]), 0.0])
    r = N.where(wrong_sign, run("add", [r, step]), r)
    too_big = run("greater_equal", [run("abs", [r]), run("abs", [x2])])
    r = N.where(too_big, run("sub", [r, step]), r)
    # A finite x1 over an infinite x2 is x1 itself (trunc(0) * inf is NaN).
    r = N.where(N.logical_and(N.isinf(x2), N.isfinite(x1)), x1, r)
    return N.finish(r, N.eager_dtype([x1, x2], bool_to_int=True))


def _trunc(x: Any) -> Any:
    # float64 stays float64 (fmod's quotient needs all its digits).
    ceil, floor = run("ceil", [x], keep_float64=True), run("floor", [x], keep_float64=True)
    return N.where(run("less", [x, 0.0]), ceil, floor)


def trunc(x: TensorLike) -> Tensor:
    """Return the truncated value of the input, element-wise.

    The truncated value of the scalar `x` is the nearest integer `i` which
    is closer to zero than `x` is. In short, the fractional part of the
    signed number `x` is discarded. The gradient is zero.

    Args:
        x: Input tensor.

    Returns:
        The truncated value of each element in `x` (integer and bool arrays
        are returned unchanged, with their dtype).

    Example:

    >>> keras.ops.trunc(np.array([-1.7, -1.5, -0.2, 0.2, 1.5, 1.7, 2.0]))
    array([-1., -1., -0.,  0.,  1.,  1.,  2.])
    """
    if not N.float_input(x):
        return np.array(N.eager_array(x))
    return N.float_result(_trunc(x))


def heaviside(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Heaviside step function.

    The Heaviside step function is defined as:
    `heaviside(x1, x2) = 0 if x1 < 0, 1 if x1 > 0, x2 if x1 == 0`, and NaN
    where `x1` is NaN.

    Args:
        x1: A tensor input.
        x2: A scalar or tensor, the value of the function when `x1 == 0`.

    Returns:
        A tensor with a shape determined by broadcasting `x1` and `x2`
        (float32; float64 for float64 input).

    Example:

    >>> keras.ops.heaviside(np.array([-1.5, 0.0, 2.0]), 0.5)
    array([0. , 0.5, 1. ], dtype=float32)
    """
    out = N.where(run("greater", [x1, 0.0]), 1.0, N.where(run("less", [x1, 0.0]), 0.0, x2))
    return N.float_result(N.where(N.isnan(x1), math.nan, out))


def hypot(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Element-wise hypotenuse of right triangles with legs `x1` and `x2`.

    This is equivalent to computing `sqrt(x1**2 + x2**2)` element-wise,
    with shape determined by broadcasting, but scaled so that no square
    overflows or underflows: `m * sqrt(1 + (n / m)**2)` with `m` the larger
    magnitude. An infinite leg gives inf, even against NaN.

    Args:
        x1: A tensor, representing the first leg of the right triangle.
        x2: A tensor, representing the second leg of the right triangle.

    Returns:
        A tensor with a shape determined by broadcasting `x1` and `x2`
        (float32; float64 for float64 input).

    Example:

    >>> keras.ops.hypot(np.array([3.0, 5.0]), np.array([4.0, 12.0]))
    array([ 5., 13.])
    """
    a, b = run("abs", [x1]), run("abs", [x2])
    any_inf = N.logical_or(N.isinf(a), N.isinf(b))
    big, small = run("maximum", [a, b]), run("minimum", [a, b])
    zero = run("equal", [big, 0.0])
    ratio = run("div", [small, N.where(zero, 1.0, big)])
    scaled = run("mul", [big, run("sqrt", [run("add", [1.0, run("square", [ratio])])])])
    return N.float_result(N.where(any_inf, N.INF, N.where(zero, big, scaled)))


# ---------------------------------------------------------------- log-sum-exp pairs


def logaddexp(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Logarithm of the sum of exponentiations of the inputs.

    Calculates `log(exp(x1) + exp(x2))`, stably, as
    `max(x1, x2) + log1p(exp(-abs(x1 - x2)))`; two infinities of one sign
    give that infinity.

    Args:
        x1: Input tensor.
        x2: Input tensor.

    Returns:
        Output tensor, element-wise logarithm of the sum of exponentiations
        of the inputs (float32).

    Example:

    >>> keras.ops.logaddexp(np.array([0.0, 1.0]), np.array([0.0, 3.0]))
    array([0.6931472, 3.126928 ], dtype=float32)
    """
    return _float(_logaddexp(x1, x2, 1.0))


def logaddexp2(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Base-2 logarithm of the sum of exponentiations of the inputs.

    Calculates `log2(2**x1 + 2**x2)`, stably, as
    `max(x1, x2) + log1p(2**-abs(x1 - x2)) / log(2)`.

    Args:
        x1: Input tensor.
        x2: Input tensor.

    Returns:
        Output tensor, element-wise base-2 logarithm of the sum of
        exponentiations of the inputs (float32).

    Example:

    >>> keras.ops.logaddexp2(np.array([0.0, 1.0]), np.array([0.0, 3.0]))
    array([1.      , 3.321928], dtype=float32)
    """
    return _float(_logaddexp(x1, x2, 2.0))


def _logaddexp(x1: Any, x2: Any, base: Any) -> Any:
    top = run("maximum", [x1, x2])
    delta = run("sub", [x1, x2])
    # inf - inf (both infinite, one sign) is NaN: x1 + x2 is the answer there,
    # and also carries a NaN input through.
    same_inf = N.isnan(delta)
    delta = N.where(same_inf, 0.0, delta)
    tail = run("neg", [run("abs", [delta])])
    if base == 1.0:
        term = run("log1p", [run("exp", [tail])])
    else:
        term = run("mul", [run("log1p", [run("pow", [2.0, tail])]), 1.0 / _LN2])
    return N.where(same_inf, run("add", [x1, x2]), run("add", [top, term]))


# ---------------------------------------------------------------- special values


def sinc(x: TensorLike) -> Tensor:
    """Return the normalized sinc function.

    `sin(pi * x) / (pi * x)`, and 1 at 0 (where the gradient is 0).

    Args:
        x: Input tensor.

    Returns:
        The sinc values of `x` (float32).

    Example:

    >>> keras.ops.sinc(np.array([0.0, 0.5]))
    array([1.        , 0.63661975], dtype=float32)
    """
    zero = run("equal", [x, 0.0])
    pix = run("mul", [N.where(zero, 1.0, x), math.pi])
    return _float(N.where(zero, 1.0, run("div", [run("sin", [pix]), pix])))


def ldexp(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Multiply `x1` by 2 raised to the power of `x2`, element-wise.

    This function computes:
    `ldexp(x1, x2) = x1 * 2**x2`

    The power is applied as two halves, so results near the largest float32
    do not overflow on the way. Eagerly `x2` must be an integer array (or a
    Python int), as in Keras; inside models the symbolic tensor's values
    are used as they are (whole numbers expected).

    Args:
        x1: Float input tensor.
        x2: Integer exponent tensor.

    Returns:
        Output tensor (float32).

    Example:

    >>> keras.ops.ldexp(np.array([0.75, 3.0]), np.array([2, -1]))
    array([3. , 1.5], dtype=float32)
    """
    if not C.any_symbolic([x2]):
        kind = "b" if isinstance(x2, bool) else N.eager_array(x2).dtype.kind
        if kind not in "iu":
            dtype = "bool" if kind == "b" else N.eager_array(x2).dtype
            raise DTypeError(
                f"Op 'ldexp' expected an integer exponent x2. Received: x2 of dtype {dtype}"
            )
    half = run("floor", [run("mul", [x2, 0.5])])
    rest = run("sub", [x2, half])
    out = run("mul", [run("mul", [x1, run("pow", [2.0, half])]), run("pow", [2.0, rest])])
    return _float(out)
