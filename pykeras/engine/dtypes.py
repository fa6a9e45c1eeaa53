"""Dtype names and Keras 3's type promotion (`standardize_dtype`, `result_type`).

The promotion is Keras's lattice (the one `jnp.result_type` uses): bool below
the weak Python `int`, below the unsigned and signed integers, below the weak
`float`, below the floats. pykeras answers as Keras does on its JAX backend,
where 64-bit results narrow to 32 bits.
"""

from __future__ import annotations

import functools
from typing import Any, Union, cast

import numpy as np

from pykeras import config

# A dtype as the API takes it: a name ("float32"), a NumPy dtype or type, a
# Python type, or None (floatx). `pykeras.engine.typing` re-exports it.
DTypeLike = Union[str, "np.dtype[Any]", type, None]

BOOL_TYPES = ("bool",)
INT_TYPES = ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64")
FLOAT_TYPES = ("bfloat16", "float16", "float32", "float64")
WEAK_TYPES = ("int", "float")
COMPLEX_TYPES = ("complex64", "complex128")
FLOAT8_TYPES = ("float8_e4m3fn", "float8_e5m2")
ALLOWED_DTYPES = (
    FLOAT_TYPES[1:] + INT_TYPES + ("bfloat16", "bool", "string") + FLOAT8_TYPES + COMPLEX_TYPES
)
PYTHON_DTYPES_MAP = {
    bool: "bool",
    int: "int32",
    float: "float32",
    str: "string",
    "int": "int32",
    complex: "complex64",
}
# Keras on JAX (64-bit off) narrows these.
_BIT64_TO_BIT32 = {
    "int64": "int32",
    "uint64": "uint32",
    "float64": "float32",
    "complex128": "complex64",
}


def standardize_dtype(dtype: DTypeLike) -> str:
    """The canonical dtype name of `dtype` (a string, numpy dtype, or Python type).

    Args:
        dtype: e.g. `"float32"`, `np.int64`, `float`; None means `floatx()`.

    Returns:
        A name from Keras's allowed dtypes, such as `"float32"`.
    """
    if dtype is None:
        return config.floatx()
    dtype = PYTHON_DTYPES_MAP.get(dtype, dtype)
    if hasattr(dtype, "name"):
        dtype = dtype.name
    elif hasattr(dtype, "__name__"):
        dtype = dtype.__name__
    elif isinstance(dtype, str) and dtype.startswith(("jax.numpy.", "torch.")):
        dtype = dtype.split(".")[-1]
    if dtype not in ALLOWED_DTYPES:
        raise ValueError(f"Invalid dtype: {dtype}")
    return cast(str, dtype)


def is_float_dtype(dtype: DTypeLike) -> bool:
    """Whether `dtype` is a floating-point dtype (`bfloat16` included)."""
    dtype = standardize_dtype(dtype)
    return dtype.startswith("float") or dtype.startswith("bfloat")


def is_int_dtype(dtype: DTypeLike) -> bool:
    """Whether `dtype` is a signed or unsigned integer dtype."""
    dtype = standardize_dtype(dtype)
    return dtype.startswith("int") or dtype.startswith("uint")


def _lattice() -> Any:
    u1, u2, u4, u8, i1, i2, i4, i8 = INT_TYPES
    bf, f2, f4, f8 = FLOAT_TYPES
    c64, c128 = COMPLEX_TYPES
    return {
        "bool": ["int"],
        u1: [i2, u2],
        u2: [i4, u4],
        u4: [i8, u8],
        u8: ["float"],
        "int": [u1, i1, c64],
        i1: [i2],
        i2: [i4],
        i4: [i8],
        i8: ["float"],
        "float": [bf, f2],
        bf: [f4],
        f2: [f4],
        f4: [f8, c64],
        f8: [c128],
        c64: [c128],
        c128: [],
    }


@functools.cache
def _upper_bounds() -> Any:
    lattice = _lattice()
    bounds = {node: {node} for node in lattice}
    for node in lattice:
        while True:
            new = set().union(*(lattice[b] for b in bounds[node]))
            if new.issubset(bounds[node]):
                break
            bounds[node] |= new
    return bounds


def _least_upper_bound(*names: str) -> str:
    nodes = set(names)
    ub = _upper_bounds()
    for n in nodes:
        if n not in ub:
            raise ValueError(f"dtype='{n}' is not a valid dtype for Keras type promotion.")
    common = set.intersection(*(ub[n] for n in nodes))
    least = (common & nodes) or {c for c in common if common.issubset(ub[c])}
    if len(least) != 1:
        raise ValueError(
            f"Input dtypes {tuple(sorted(nodes))} have no available implicit dtype promotion "
            "path. Try explicitly casting inputs to the desired output type."
        )
    return least.pop()


def _weak(dtype: str) -> str:
    if dtype == "bool":
        return dtype
    for kind in ("float", "int", "complex"):
        if kind in dtype:
            return kind
    raise ValueError(f"Invalid value for argument `dtype`. Received: dtype={dtype}")


def _resolve_weak(dtype: str, precision: str) -> str:
    indicator = "f" if dtype == "bfloat16" else dtype[:1]
    if indicator == "b":
        return "bool"
    if indicator == "i":
        return f"int{precision}"
    if indicator == "u":
        return f"uint{precision}"
    return f"float{precision}"


def result_type(*dtypes: Any) -> str:
    """The dtype Keras's promotion rules give for combining `dtypes`.

    Python `int` and `float` are weak: they do not widen a typed operand.

    Args:
        *dtypes: dtype names, numpy dtypes or Python types (None: `floatx()`).

    Returns:
        A dtype name.

    Example:

    >>> pykeras.backend.result_type("int32", "float32")
    'float32'
    >>> pykeras.backend.result_type("bfloat16", int)
    'bfloat16'
    """
    if not dtypes:
        return config.floatx()
    for dtype in dtypes:
        if dtype in FLOAT8_TYPES:
            raise ValueError(
                "There is no implicit conversions from float8 dtypes to others. You must "
                f"cast it internally. Received: {dtypes}"
            )
    args = [config.floatx() if d is None else d for d in dtypes]
    names = [standardize_dtype(a) for a in args]
    weak = [a is int or a is float for a in args]
    if len(names) == 1:
        out, out_weak = names[0], weak[0]
    elif len(set(names)) == 1 and not all(weak):
        out, out_weak = names[0], False
    elif all(weak):
        out, out_weak = _least_upper_bound(*names), True
    else:
        out = _least_upper_bound(*(_weak(d) if w else d for d, w in zip(names, weak)))
        out_weak = out in WEAK_TYPES
    if out != "bool" and out_weak:
        out = _resolve_weak(out, config.floatx()[-2:])
    return _BIT64_TO_BIT32.get(out, out)


def numpy_dtype(dtype: DTypeLike) -> np.dtype:
    """The numpy dtype of a Keras dtype name (bfloat16 has none in numpy)."""
    return np.dtype(standardize_dtype(dtype))
