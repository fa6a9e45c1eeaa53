"""`nextafter`, `i0`, `divide_no_nan` and `nan_to_num` for `numeric.py`:
float32 bit steps, a Bessel function, safe division and NaN replacement,
written with the core's primitives (so they run inside models too), kept
apart to keep each file short.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.ops import _composite as C
from pykeras.ops import _numeric_common as N
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike


def _float(out: Any) -> Any:
    return N.finish(out, np.float32)


def nextafter(x1: Any, x2: Any) -> Any:
    """Return the next floating-point value after `x1` towards `x2`.

    Steps one float32 unit in the last place from `x1` (half a unit below
    a power of two when moving towards zero, the smallest subnormal from
    zero), so results are bit-exact, as NumPy's `nextafter` on float32.
    Not differentiable (the gradient is zero), as in Keras; inside models
    it runs as the same composite.

    Args:
        x1: Input tensor whose values will be moved.
        x2: Input tensor indicating the direction for `x1` to move.

    Returns:
        Output tensor (float32; float64 steps for float64 input).

    Example:

    >>> keras.ops.nextafter(np.float32([1.0]), np.float32([2.0]))
    array([1.0000001], dtype=float32)
    """
    if (N.is_float64(x1) or N.is_float64(x2)) and not C.any_symbolic([x1, x2]):
        # float64 steps, as Keras with x64 (no gradient flows here either).
        left, right = np.broadcast_arrays(N.eager_array(x1), N.eager_array(x2))
        return np.nextafter(left.astype(np.float64), right.astype(np.float64))
    x = run("stop_gradient", [run("mul", [x1, 1.0])])  # mul keeps -0.0
    y = run("stop_gradient", [run("mul", [x2, 1.0])])
    a = run("abs", [x])
    tiny = 2.0**-149
    finite_nonzero = N.logical_and(N.isfinite(x), run("not_equal", [x, 0.0]))
    a_safe = N.where(finite_nonzero, a, 1.0)
    e = run("floor", [run("log2", [a_safe])])
    # log2 rounds near powers of two: make 2**e <= a < 2**(e + 1) exact.
    e = run("sub", [e, run("greater", [run("pow", [2.0, e]), a_safe])])
    e = run("add", [e, run("less_equal", [run("pow", [2.0, run("add", [e, 1.0])]), a_safe])])
    e = run("maximum", [e, -126.0])  # subnormals are spaced as 2**-126's units
    ulp = run("pow", [2.0, run("sub", [e, 23.0])])
    at_power = run("equal", [a_safe, run("pow", [2.0, e])])
    away = run("equal", [run("greater", [y, x]), run("greater", [x, 0.0])])
    down_ulp = N.where(N.logical_and(at_power, run("greater", [e, -126.0])), 0.5, 1.0)
    step = run("mul", [ulp, N.where(away, 1.0, run("neg", [down_ulp]))])
    moved = run("add", [x, run("mul", [run("sign", [x]), step])])
    # Reaching zero from a subnormal keeps x's sign (-0.0 from below).
    moved = N.where(run("equal", [moved, 0.0]), run("mul", [x, 0.0]), moved)
    from_zero = run("mul", [run("sign", [y]), tiny])
    from_inf = run("mul", [run("sign", [x]), N.F32_MAX])
    out = N.where(run("equal", [x, 0.0]), from_zero, N.where(N.isinf(x), from_inf, moved))
    out = N.where(run("equal", [x, y]), y, out)
    nan = N.logical_or(N.isnan(x), N.isnan(y))
    return _float(N.where(nan, math.nan, out))


# Chebyshev coefficients of exp(-x) I0(x) on [0, 8] and of exp(-x) sqrt(x) I0(x)
# on (8, inf), from Cephes (as NumPy's `i0`).
_I0_A = (
    -4.41534164647933937950e-18,
    3.33079451882223809783e-17,
    -2.43127984654795469359e-16,
    1.71539128555513303061e-15,
    -1.16853328779934516808e-14,
    7.67618549860493561688e-14,
    -4.85644678311192946090e-13,
    2.95505266312963983461e-12,
    -1.72682629144155570723e-11,
    9.67580903537323691224e-11,
    -5.18979560163526290666e-10,
    2.65982372468238665035e-09,
    -1.30002500998624804212e-08,
    6.04699502254191894932e-08,
    -2.67079385394061173391e-07,
    1.11738753912010371815e-06,
    -4.41673835845875056359e-06,
    1.64484480707288970893e-05,
    -5.75419501008210370398e-05,
    1.88502885095841655729e-04,
    -5.76375574538582365885e-04,
    1.63947561694133579842e-03,
    -4.32430999505057594430e-03,
    1.05464603945949983183e-02,
    -2.37374148058994688156e-02,
    4.93052842396707084878e-02,
    -9.49010970480476444210e-02,
    1.71620901522208775349e-01,
    -3.04682672343198398683e-01,
    6.76795274409476084995e-01,
)
_I0_B = (
    -7.23318048787475395456e-18,
    -4.83050448594418207126e-18,
    4.46562142029675999901e-17,
    3.46122286769746109310e-17,
    -2.82762398051658348494e-16,
    -3.42548561967721913462e-16,
    1.77256013305652638360e-15,
    3.81168066935262242075e-15,
    -9.55484669882830764870e-15,
    -4.15056934728722208663e-14,
    1.54008621752140982691e-14,
    3.85277838274214270114e-13,
    7.18012445138366623367e-13,
    -1.79417853150680611778e-12,
    -1.32158118404477131188e-11,
    -3.14991652796324136454e-11,
    1.18891471078464383424e-11,
    4.94060238822496958910e-10,
    3.39623202570838634515e-09,
    2.26666899049817806459e-08,
    2.04891858946906374183e-07,
    2.89137052083475648297e-06,
    6.88975834691682398426e-05,
    3.36911647825569408990e-03,
    8.04490411014108831608e-01,
)


def _chbevl(t: Any, coeffs: Any) -> Any:
    """Clenshaw's recurrence for a Chebyshev series at `t`."""
    b0, b1, b2 = coeffs[0], 0.0, 0.0
    for c in coeffs[1:]:
        b2, b1 = b1, b0
        b0 = run("add", [run("sub", [run("mul", [t, b1]), b2]), c])
    return run("mul", [run("sub", [b0, b2]), 0.5])


def i0(x: Any) -> Any:
    """Modified Bessel function of the first kind, order 0.

    Cephes's Chebyshev expansions (as NumPy's `i0`), evaluated with the
    core's primitives, so it also runs inside models; Keras gives it no
    gradient, here it has the expansions' (close to `i1(x)`). Infinite
    input gives NaN, as in Keras.

    Args:
        x: Input tensor.

    Returns:
        Output tensor, the values of `I0(x)` (float32).

    Example:

    >>> keras.ops.i0(np.array([1.0, 2.0]))
    array([1.26606588, 2.2795853 ])
    """
    a = run("abs", [x])
    near = run("less_equal", [a, 8.0])
    a_near = N.where(near, a, 0.0)
    a_far = N.where(near, 9.0, a)
    small = _chbevl(run("sub", [run("mul", [a_near, 0.5]), 2.0]), _I0_A)
    large = run(
        "mul",
        [_chbevl(run("sub", [run("div", [32.0, a_far]), 2.0]), _I0_B), run("rsqrt", [a_far])],
    )
    return N.float_result(run("mul", [run("exp", [a]), N.where(near, small, large)]))


# ---------------------------------------------------------------- safe division, NaN


def divide_no_nan(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Safe element-wise division which returns 0 where the denominator is 0.

    Whatever the numerator (NaN and inf included), as in Keras; the
    gradient is zero there too.

    Args:
        x1: First input tensor.
        x2: Second input tensor.

    Returns:
        The quotient `x1/x2`, element-wise, with zero where x2 is zero
        (float32; float64 for float64 input).

    Example:

    >>> keras.ops.divide_no_nan(np.array([1.0, 4.0]), np.array([0.0, 2.0]))
    array([0., 2.])
    """
    zero = run("equal", [x2, 0.0])
    quotient = run("div", [x1, N.where(zero, 1.0, x2)])
    return N.float_result(N.where(zero, 0.0, quotient))


def nan_to_num(
    x: TensorLike, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> Tensor:
    """Replace NaN with zero and infinity with large finite numbers.

    Args:
        x: Input data.
        nan: Optional float or int. Value to replace `NaN` entries with.
        posinf: Optional float or int.
            Value to replace positive infinity with. Defaults to the
            largest float32.
        neginf: Optional float or int.
            Value to replace negative infinity with. Defaults to the
            lowest float32.

    Returns:
        `x`, with non-finite values replaced (integer and bool arrays are
        returned unchanged, with their dtype). The gradient passes through
        the finite values.

    Example:

    >>> keras.ops.nan_to_num(np.array([np.nan, np.inf, 1.0]))
    array([0.00000000e+000, 1.79769313e+308, 1.00000000e+000])
    """
    if not N.float_input(x):
        return np.array(N.eager_array(x))
    big = float(np.finfo(np.float64).max) if N.is_float64(x) else N.F32_MAX
    posinf = big if posinf is None else float(posinf)
    neginf = -big if neginf is None else float(neginf)
    out = N.where(run("equal", [x, N.INF]), posinf, x)
    out = N.where(run("equal", [x, -N.INF]), neginf, out)
    return N.float_result(N.where(N.isnan(x), float(nan), out))
