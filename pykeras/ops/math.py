"""Arithmetic, matrix products and reductions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from pykeras.errors import ShapeError
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run
from pykeras.ops.arrays import expand_dims, squeeze

if TYPE_CHECKING:
    from pykeras.engine.typing import Axis, Tensor, TensorLike
from typing import Any

__all__ = [
    "exp",
    "expm1",
    "log1p",
    "log2",
    "log10",
    "sin",
    "cos",
    "tan",
    "sinh",
    "cosh",
    "arcsin",
    "arccos",
    "arctan",
    "arcsinh",
    "reciprocal",
    "rsqrt",
    "floor",
    "ceil",
    "sign",
    "absolute",
    "exp2",
    "power",
    "round",
    "floor_divide",
    "mod",
    "true_divide",
    "abs",
    "add",
    "bias_add",
    "clip",
    "div",
    "divide",
    "log",
    "matmul",
    "max",
    "maximum",
    "mean",
    "minimum",
    "mul",
    "multiply",
    "negative",
    "sqrt",
    "square",
    "sub",
    "subtract",
    "sum",
]


def add(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Elementwise `x1 + x2` with numpy broadcasting."""
    return run("add", [x1, x2])


def subtract(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Elementwise `x1 - x2` with numpy broadcasting."""
    return run("sub", [x1, x2])


def multiply(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Elementwise `x1 * x2` with numpy broadcasting."""
    return run("mul", [x1, x2])


def divide(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Elementwise `x1 / x2` with numpy broadcasting."""
    return run("div", [x1, x2])


def maximum(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Elementwise maximum with numpy broadcasting."""
    return run("maximum", [x1, x2])


def minimum(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Elementwise minimum with numpy broadcasting."""
    return run("minimum", [x1, x2])


def sqrt(x: TensorLike) -> Tensor:
    """Elementwise square root."""
    return run("sqrt", [x])


def square(x: TensorLike) -> Tensor:
    """Elementwise square."""
    return run("square", [x])


def log(x: TensorLike) -> Tensor:
    """Elementwise natural logarithm."""
    return run("log", [x])


def abs(x: TensorLike) -> Tensor:  # noqa: A001 - Keras's name
    """Elementwise absolute value."""
    return run("abs", [x])


def negative(x: TensorLike) -> Tensor:
    """Elementwise negation."""
    return run("neg", [x])


def clip(x: TensorLike, x_min: float, x_max: float) -> Tensor:
    """Clips values to `[x_min, x_max]`."""
    return run("clip", [x], min=float(x_min), max=float(x_max))


def matmul(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Matrix product over the last two axes, broadcasting leading axes.

    As NumPy's: a 1-D first operand is a row vector and a 1-D second
    operand a column vector, their added axis removed from the result.

    Example:

    >>> import numpy as np
    >>> from pykeras import ops
    >>> ops.matmul(np.ones((2, 3)), np.ones((3, 4))).shape
    (2, 4)
    >>> ops.matmul(np.ones((2, 3)), np.ones(3)).shape
    (2,)
    """
    r1, r2 = len(C.shape_of("matmul", x1)), len(C.shape_of("matmul", x2))
    if r1 >= 2 and r2 >= 2:
        return run("matmul", [x1, x2])
    if r1 == 0 or r2 == 0:
        raise ShapeError(
            "Op 'matmul' expected operands of rank >= 1 (use `multiply` for scalars). "
            f"Received: ranks {r1} and {r2}"
        )
    a = expand_dims(x1, 0) if r1 == 1 else x1
    b = expand_dims(x2, -1) if r2 == 1 else x2
    out = run("matmul", [a, b])
    if r2 == 1:
        out = squeeze(out, -1)
    return squeeze(out, -1 if r2 == 1 else -2) if r1 == 1 else out


def bias_add(x: TensorLike, bias: TensorLike) -> Tensor:
    """Adds `bias` (shape `(channels,)`) along the last axis of `x`."""
    return run("bias_add", [x, bias])


def _axis(axis: Any) -> int | Sequence[int] | None:
    return list(axis) if isinstance(axis, (list, tuple)) else axis


def sum(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001 - Keras's name
    """Sum over `axis` (an int, a tuple, or None for all axes)."""
    return run("sum", [x], axis=_axis(axis), keepdims=keepdims)


def mean(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Mean over `axis` (an int, a tuple, or None for all axes)."""
    return run("mean", [x], axis=_axis(axis), keepdims=keepdims)


def max(
    x: TensorLike, axis: Axis = None, keepdims: bool = False, initial: float | None = None
) -> Tensor:  # noqa: A001 - Keras's name
    """Maximum over `axis` (an int, a tuple, or None for all axes), and at
    least `initial` when it is given."""
    out = run("max", [x], axis=_axis(axis), keepdims=keepdims)
    if initial is not None:
        out = run("maximum", [out, float(initial)])
    return out


sub = subtract
mul = multiply
div = divide


def _unary(name: str, doc: str) -> Callable[[TensorLike], Tensor]:
    def op(x: TensorLike) -> Tensor:
        return run(name, [x])

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"""Elementwise {doc}.

    Args:
        x: input tensor.

    Returns:
        A float32 tensor shaped like `x`.
    """
    return op


exp = _unary("exp", "e to the power `x`")
expm1 = _unary("expm1", "`exp(x) - 1`, accurate near 0")
log1p = _unary("log1p", "`log(1 + x)`, accurate near 0")
log2 = _unary("log2", "base-2 logarithm")
log10 = _unary("log10", "base-10 logarithm")
sin = _unary("sin", "sine")
cos = _unary("cos", "cosine")
tan = _unary("tan", "tangent")
sinh = _unary("sinh", "hyperbolic sine")
cosh = _unary("cosh", "hyperbolic cosine")
arcsin = _unary("arcsin", "inverse sine")
arccos = _unary("arccos", "inverse cosine")
arctan = _unary("arctan", "inverse tangent")
arcsinh = _unary("arcsinh", "inverse hyperbolic sine")
reciprocal = _unary("reciprocal", "`1 / x`")
rsqrt = _unary("rsqrt", "`1 / sqrt(x)`")
floor = _unary("floor", "largest integer not above `x` (no gradient)")
ceil = _unary("ceil", "smallest integer not below `x` (no gradient)")
sign = _unary("sign", "sign: -1, 0 or 1 (no gradient)")
absolute = abs


def exp2(x: TensorLike) -> Tensor:
    """Elementwise `2 ** x`."""
    return run("pow", [2.0, x])


def power(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Elementwise `x1 ** x2`, broadcasting.

    Args:
        x1: the bases.
        x2: the exponents.

    Returns:
        A float32 tensor of the broadcast shape. Small whole exponents given
        as Python numbers become multiplications (exact, and defined for
        negative bases).
    """
    if isinstance(x2, (int, float)) and not isinstance(x2, bool):
        if x2 == 1:
            return multiply(x1, 1.0)
        if x2 == 2:
            return square(x1)
        if x2 == 3:
            return multiply(square(x1), x1)
        if x2 == 0.5:
            return sqrt(x1)
    return run("pow", [x1, x2])


def round(x: TensorLike, decimals: int = 0) -> Tensor:
    """Rounds to `decimals` places, ties to even as NumPy (no gradient).

    Args:
        x: input tensor.
        decimals: number of decimal places.

    Returns:
        A float32 tensor shaped like `x`.
    """
    if decimals == 0:
        return run("round", [x])
    scale = 10.0 ** int(decimals)
    return divide(run("round", [multiply(x, scale)]), scale)


def floor_divide(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Elementwise `floor(x1 / x2)`, broadcasting (no gradient)."""
    q = divide(x1, x2)
    if isinstance(q, np.ndarray) and q.dtype == np.float64:
        # float64, as Keras with x64 (its `floor` alone casts float64 to
        # float32); eager only, and the gradient is zero anyway.
        return np.floor(q)
    return floor(q)


def mod(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Elementwise remainder with the sign of `x2`, as NumPy's `mod`."""
    return subtract(x1, multiply(floor_divide(x1, x2), x2))


def true_divide(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Elementwise `x1 / x2` (an alias of `divide`)."""
    return divide(x1, x2)
