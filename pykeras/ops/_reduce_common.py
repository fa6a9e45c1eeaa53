"""What the reductions (`reductions`, `scans`) share: their axes, output
dimensions, and results in Keras's dtypes."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras.backend.variable import Variable
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run


def axes(op: str, x: Any, axis: Any) -> Any:
    """(static shape, sorted non-negative axes or None for all)."""
    shape = C.shape_of(op, x)
    if axis is None:
        return shape, None
    return shape, sorted(C.axes_of(op, axis, len(shape)))


def reduced_axes(shape: Any, axes: Any) -> Any:
    return list(range(len(shape))) if axes is None else axes


def out_dims(shape: Any, axes: Any, keepdims: bool) -> Any:
    reduced = reduced_axes(shape, axes)
    if keepdims:
        return [1 if i in reduced else d for i, d in enumerate(shape)]
    return [d for i, d in enumerate(shape) if i not in reduced]


def nonempty(op: str, shape: Any, axes: Any) -> None:
    """Refuse a reduction with no identity over zero elements (min of nothing)."""
    for i in reduced_axes(shape, axes):
        if shape[i] == 0:
            raise ShapeError(
                f"Op '{op}' expected non-empty reduced axes ({op} of nothing is undefined). "
                f"Received: axis {i} of size 0 in a tensor of shape {C.dims_text(shape)}"
            )


def input_dtype(x: Any) -> Any:
    """The dtype an eager input arrives with (variables are float32)."""
    if isinstance(x, Variable):
        return np.dtype(np.float32)
    return np.asarray(x).dtype


def finish(out: Any, x: Any, kind: str, dtype: Any = None) -> Any:
    """The eager result in Keras's dtype; symbolic results go through,
    cast by the core when `dtype` is given (float types as float32,
    integer types as int64)."""
    if C.any_symbolic([out]):
        if dtype is not None:
            name = np.dtype(dtype).name
            return run("cast", [out], dtype="int64" if "int" in name else "float32")
        return out
    if dtype is not None:
        return np.asarray(out).astype(dtype)
    source = input_dtype(x)
    out = np.asarray(out)
    target: np.dtype
    if kind in ("real", "int_real") and source == np.float64 and out.dtype == np.float64:
        # The core computed it in float64 end to end (an op without float64
        # kernels would have returned float32): float64, as Keras with x64.
        target = source
    elif kind == "bool":
        target = np.dtype(np.bool_)
    elif kind == "int32":
        target = np.dtype(np.int32)
    elif kind == "keep" and (source.kind in "biu" or source == np.float64):
        # float64 too: min, max, ptp and diff are built from primitives
        # with float64 kernels, and Keras with x64 keeps float64.
        target = source
    elif kind in ("int", "int_real") and source.kind in "iu":
        target = source
    elif kind in ("int", "int_real") and source.kind == "b":
        target = np.dtype(np.int32)
    else:
        target = np.dtype(np.float32)
    return out.astype(target)


def check_dtype(op: str, dtype: Any) -> Any:
    if dtype is None:
        return None
    try:
        return np.dtype(dtype)
    except TypeError:
        raise InvalidArgumentError(
            f"Op '{op}': dtype must be a NumPy dtype name. Received: dtype={dtype!r}"
        ) from None


def neg(x: Any) -> Any:
    return run("neg", [x])
