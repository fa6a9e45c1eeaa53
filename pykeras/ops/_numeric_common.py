"""Helpers shared by the numeric, predicate, bitwise and statistics
composites (`numeric.py`, `predicates.py`, `bitwise.py`, `statistics.py`).

- `eager_dtype`: the dtype Keras (on JAX) gives an elementwise result of
  eager arguments, with Python numbers "weak" as in JAX: `int32 array + 2`
  stays int32, `bool array + 2` becomes int32, any float makes float32.
- `finish`: an eager result cast to that dtype; symbolic results (float32
  in the core) go through unchanged.
- Masks written with primitives: NaN (`x != x`), infinities, finiteness.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras.backend.variable import Variable
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run

F32_MAX = float(np.finfo(np.float32).max)
INF = float("inf")


def is_python_number(x: Any) -> bool:
    return isinstance(x, (bool, int, float)) and not isinstance(x, np.generic)


def eager_array(x: Any) -> np.ndarray:
    """`x` as a NumPy array (variables hold float32)."""
    if isinstance(x, Variable):
        return x.numpy()
    return np.asarray(x)


def eager_dtype(values: list[Any], bool_to_int: bool = False) -> np.dtype:
    """Keras's (JAX's) result dtype for an elementwise op on eager `values`.

    Arrays promote as NumPy does, except that any float gives float32 (the
    core's type) unless a float64 array takes part (float64, as Keras with
    JAX's x64); Python numbers take the arrays' kind unless they raise it
    (a Python float makes an integer result float32, a Python int makes a
    bool one int32). `bool_to_int` turns an all-bool result into int32, as
    arithmetic (`fmod`, shifts) does in Keras.
    """
    arrays = [eager_array(v) for v in values if not is_python_number(v)]
    scalars = [v for v in values if is_python_number(v)]
    if any(a.dtype == np.float64 for a in arrays):
        return np.dtype(np.float64)
    if any(a.dtype.kind == "f" for a in arrays) or any(isinstance(s, float) for s in scalars):
        return np.dtype(np.float32)
    ints = [a for a in arrays if a.dtype.kind in "iu"]
    if ints:
        return np.result_type(*ints)
    weak_int = any(not isinstance(s, bool) for s in scalars)
    if weak_int or bool_to_int:
        return np.dtype(np.int32)
    return np.dtype(np.bool_)


def finish(out: Any, dtype: Any) -> Any:
    """The eager result cast to `dtype` (NaN to 0 for integers: an integer
    result never holds NaN in Keras); symbolic results go through."""
    if C.any_symbolic([out]):
        return out
    out = np.asarray(out)
    dtype = np.dtype(dtype)
    if dtype.kind in "iub" and out.dtype.kind == "f":
        out = np.where(np.isnan(out), 0.0, out)
    return out.astype(dtype)


def float_result(out: Any) -> Any:
    """An eager float result as float32, or as float64 where it was computed
    in float64 (float64 input, as Keras with JAX's x64 keeps it); symbolic
    results go through."""
    if C.any_symbolic([out]):
        return out
    out = np.asarray(out)
    return out if out.dtype == np.float64 else finish(out, np.float32)


def is_float64(x: Any) -> bool:
    """Whether `x` is a float64 array or tensor (symbolic, traced or on a
    tape, by its dtype); a Python float is not."""
    if C.any_symbolic([x]):
        return str(getattr(x, "dtype", "")) == "float64"
    if is_python_number(x):
        return False
    return eager_array(x).dtype == np.float64


def float_input(x: Any) -> bool:
    """Whether `x` is symbolic or a float array (integers and bools cannot
    hold NaN or infinities, so ops that only touch those pass them through)."""
    if C.any_symbolic([x]) or is_python_number(x) and isinstance(x, float):
        return True
    if is_python_number(x):
        return False
    return eager_array(x).dtype.kind == "f"


def isnan(x: Any) -> Any:
    """1 where `x` is NaN (the only value unequal to itself)."""
    return run("not_equal", [x, x])


def isinf(x: Any) -> Any:
    return run("equal", [run("abs", [x]), INF])


def isfinite(x: Any) -> Any:
    """1 where `x - x` is 0: NaN for NaN and both infinities."""
    return run("equal", [run("sub", [x, x]), 0.0])


def logical_not(mask: Any) -> Any:
    return run("sub", [1.0, mask])


def logical_and(a: Any, b: Any) -> Any:
    return run("mul", [a, b])


def logical_or(a: Any, b: Any) -> Any:
    return run("maximum", [a, b])


def where(cond: Any, a: Any, b: Any) -> Any:
    return run("where", [cond, a, b])


def broadcast_ndim(op: str, *values: Any) -> int:
    return max(len(C.shape_of(op, v)) for v in values)


def as_float(x: Any) -> Any:
    """A symbolic integer tensor (int64 in the core, e.g. `Input(dtype="int32")`)
    cast to float32, which the arithmetic primitives take; anything else as is."""
    if C.is_symbolic(x) and "int" in str(getattr(x, "dtype", "")):
        return run("cast", [x], dtype="float32")
    return x
