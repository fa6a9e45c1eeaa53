"""The dtype rules for data entering the Rust core.

- float32 arrays pass through untouched, whatever their layout (no copy).
- float64 arrays pass through untouched where the caller takes float64
  (`to_float`): the core computes in float64 in the ops with float64
  kernels and rounds to float32 at the boundary of the others.
- Other real floats (float16, and float64 for `to_float32`), integers and
  bools become float32; float64 values beyond float32's range become
  +-inf, as with numpy's astype.
- Where an op needs indices (embedding ids, sparse labels), integer arrays
  become int64, and float arrays are accepted only if every value is whole.
- Object, string, bytes, complex, datetime and structured arrays are refused
  with a `DTypeError` (a `TypeError`) that names the dtype.
"""

from __future__ import annotations

from typing import NoReturn

import numpy as np

from pykeras.errors import DTypeError

_REFUSED_KINDS = {
    "O": "object",
    "U": "string",
    "S": "bytes",
    "V": "structured",
    "c": "complex",
    "M": "datetime",
    "m": "timedelta",
}


def _refuse(arr: np.ndarray, what: str, expected: str) -> NoReturn:
    raise DTypeError(
        f"{what} expected {expected}. Received: dtype={arr.dtype} "
        f"({_REFUSED_KINDS.get(arr.dtype.kind, 'unsupported')}). "
        "Convert it to numbers first, e.g. with np.asarray(x, dtype='float32')."
    )


def to_float32(x: object, what: str = "input") -> np.ndarray:
    """Returns `x` as a float32 numpy array, following the module's rules."""
    arr = np.asarray(x)
    if arr.dtype == np.float32:
        return arr
    if arr.dtype.kind in "fiub":
        return arr.astype(np.float32)
    _refuse(arr, what, "a numeric array (float, int or bool)")


def to_float64(x: object, what: str = "input") -> np.ndarray:
    """Returns `x` as a float64 numpy array (the data of a float64 Input)."""
    arr = np.asarray(x)
    if arr.dtype == np.float64:
        return arr
    if arr.dtype.kind in "fiub":
        return arr.astype(np.float64)
    _refuse(arr, what, "a numeric array (float, int or bool)")


_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)


def to_float(x: object, what: str = "input") -> np.ndarray:
    """`x` as the core's float array: float64 arrays (and NumPy float64
    scalars) stay float64, everything else follows `to_float32`. Python
    numbers are weak, as in Keras: they become float32, so `x + 1.5` keeps
    `x`'s type."""
    # Builtin dtypes are singletons: `is` keeps the eager path's cost down.
    if type(x) is np.ndarray and (x.dtype is _F32 or x.dtype is _F64):
        return x
    if isinstance(x, np.generic) and x.dtype is _F64:
        return np.asarray(x)
    return to_float32(x, what)


def to_index(x: object, what: str = "indices") -> np.ndarray:
    """Returns `x` as an int64 numpy array of indices."""
    arr = np.asarray(x)
    if arr.dtype == np.int64:
        return arr
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        if arr.size and not np.all(np.isfinite(arr) & (arr == np.floor(arr))):
            raise ValueError(
                f"{what} expected whole numbers (class or token ids). "
                f"Received: a {arr.dtype} array with fractional or non-finite values."
            )
        return arr.astype(np.int64)
    _refuse(arr, what, "an integer array")
