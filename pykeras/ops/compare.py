"""Comparisons and selection. Comparisons and logical ops give bool arrays
eagerly, as Keras's (inside a traced model the core carries them as 0/1
float32 masks, which mix into arithmetic; their symbolic dtype is bool);
integer labels may be either operand."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.ops._dispatch import integer_positions, run
from pykeras.ops.math import maximum, multiply

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__ = [
    "equal",
    "greater",
    "greater_equal",
    "in_top_k",
    "less",
    "less_equal",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "not_equal",
    "one_hot",
    "where",
]


def _as_bool(out: Any) -> Any:
    """An eager 0/1 result as a bool array; symbolic and traced results go
    through (the core's mask)."""
    return out != 0 if isinstance(out, np.ndarray) else out


def _compare(name: str, x1: Any, x2: Any) -> Any:
    inputs = [x1, x2]
    return _as_bool(run(name, inputs, integer_positions(inputs, (0, 1))))


def equal(x1: TensorLike, x2: TensorLike) -> Tensor:
    """`x1 == x2` elementwise, as bool, with broadcasting."""
    return _compare("equal", x1, x2)


def not_equal(x1: TensorLike, x2: TensorLike) -> Tensor:
    """`x1 != x2` elementwise, as bool, with broadcasting."""
    return _compare("not_equal", x1, x2)


def greater(x1: TensorLike, x2: TensorLike) -> Tensor:
    """`x1 > x2` elementwise, as bool, with broadcasting."""
    return _compare("greater", x1, x2)


def greater_equal(x1: TensorLike, x2: TensorLike) -> Tensor:
    """`x1 >= x2` elementwise, as bool, with broadcasting."""
    return _compare("greater_equal", x1, x2)


def less(x1: TensorLike, x2: TensorLike) -> Tensor:
    """`x1 < x2` elementwise, as bool, with broadcasting."""
    return _compare("less", x1, x2)


def less_equal(x1: TensorLike, x2: TensorLike) -> Tensor:
    """`x1 <= x2` elementwise, as bool, with broadcasting."""
    return _compare("less_equal", x1, x2)


def where(condition: TensorLike, x1: TensorLike, x2: TensorLike) -> Tensor:
    """`x1` where `condition` is nonzero, else `x2` (broadcasting all three)."""
    inputs = [condition, x1, x2]
    return run("where", inputs, integer_positions(inputs, (0,)))


def one_hot(x: TensorLike, num_classes: int) -> Tensor:
    """Class ids `x` as one-hot float32 rows of length `num_classes`."""
    inputs = [x]
    return run("one_hot", inputs, integer_positions(inputs, (0,)), num_classes=int(num_classes))


def in_top_k(targets: TensorLike, predictions: TensorLike, k: int) -> Tensor:
    """1.0 where the target class is among the `k` largest predictions."""
    inputs = [targets, predictions]
    return run("in_top_k", inputs, integer_positions(inputs, (0,)), k=int(k))


def _truth(x: Any) -> Any:
    """True where `x` is non-zero."""
    return not_equal(x, 0.0)


def logical_and(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Elementwise logical AND of the truth values of `x1` and `x2` (bool)."""
    return _as_bool(multiply(_truth(x1), _truth(x2)))


def logical_or(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Elementwise logical OR of the truth values of `x1` and `x2` (bool)."""
    return _as_bool(maximum(_truth(x1), _truth(x2)))


def logical_xor(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Elementwise logical XOR of the truth values of `x1` and `x2` (bool)."""
    return not_equal(_truth(x1), _truth(x2))


def logical_not(x: TensorLike) -> Tensor:
    """Elementwise logical NOT of the truth value of `x` (bool)."""
    return equal(x, 0.0)
