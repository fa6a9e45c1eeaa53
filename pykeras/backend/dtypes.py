"""Dtype names and Keras 3's type promotion (`standardize_dtype`, `result_type`).

They live in `pykeras.engine.dtypes`, a layer below, because the graph tracer
names the dtypes of its inputs too; `keras.backend` exports them from here.
"""

from __future__ import annotations

from pykeras.engine.dtypes import (
    ALLOWED_DTYPES,
    BOOL_TYPES,
    COMPLEX_TYPES,
    FLOAT8_TYPES,
    FLOAT_TYPES,
    INT_TYPES,
    PYTHON_DTYPES_MAP,
    WEAK_TYPES,
    is_float_dtype,
    is_int_dtype,
    numpy_dtype,
    result_type,
    standardize_dtype,
)

__all__ = [
    "ALLOWED_DTYPES",
    "BOOL_TYPES",
    "COMPLEX_TYPES",
    "FLOAT8_TYPES",
    "FLOAT_TYPES",
    "INT_TYPES",
    "PYTHON_DTYPES_MAP",
    "WEAK_TYPES",
    "is_float_dtype",
    "is_int_dtype",
    "numpy_dtype",
    "result_type",
    "standardize_dtype",
]
