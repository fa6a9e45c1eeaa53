"""Arithmetic, matrix products and reductions."""

from pykeras.ops._dispatch import run

__all__ = [
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


def add(x1, x2):
    """Elementwise `x1 + x2` with numpy broadcasting."""
    return run("add", [x1, x2])


def subtract(x1, x2):
    """Elementwise `x1 - x2` with numpy broadcasting."""
    return run("sub", [x1, x2])


def multiply(x1, x2):
    """Elementwise `x1 * x2` with numpy broadcasting."""
    return run("mul", [x1, x2])


def divide(x1, x2):
    """Elementwise `x1 / x2` with numpy broadcasting."""
    return run("div", [x1, x2])


def maximum(x1, x2):
    """Elementwise maximum with numpy broadcasting."""
    return run("maximum", [x1, x2])


def minimum(x1, x2):
    """Elementwise minimum with numpy broadcasting."""
    return run("minimum", [x1, x2])


def sqrt(x):
    """Elementwise square root."""
    return run("sqrt", [x])


def square(x):
    """Elementwise square."""
    return run("square", [x])


def log(x):
    """Elementwise natural logarithm."""
    return run("log", [x])


def abs(x):  # noqa: A001 - Keras's name
    """Elementwise absolute value."""
    return run("abs", [x])


def negative(x):
    """Elementwise negation."""
    return run("neg", [x])


def clip(x, x_min, x_max):
    """Clips values to `[x_min, x_max]`."""
    return run("clip", [x], min=float(x_min), max=float(x_max))


def matmul(x1, x2):
    """Matrix product over the last two axes, broadcasting leading axes.

    Example:

    >>> import numpy as np
    >>> from pykeras import ops
    >>> ops.matmul(np.ones((2, 3)), np.ones((3, 4))).shape
    (2, 4)
    """
    return run("matmul", [x1, x2])


def bias_add(x, bias):
    """Adds `bias` (shape `(channels,)`) along the last axis of `x`."""
    return run("bias_add", [x, bias])


def _axis(axis):
    return list(axis) if isinstance(axis, (list, tuple)) else axis


def sum(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """Sum over `axis` (an int, a tuple, or None for all axes)."""
    return run("sum", [x], axis=_axis(axis), keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean over `axis` (an int, a tuple, or None for all axes)."""
    return run("mean", [x], axis=_axis(axis), keepdims=keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """Maximum over `axis` (an int, a tuple, or None for all axes)."""
    return run("max", [x], axis=_axis(axis), keepdims=keepdims)


sub = subtract
mul = multiply
div = divide
