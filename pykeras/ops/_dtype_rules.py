"""The dtype Keras reports for an op's result, from its inputs' dtypes.

The Rust core computes in two element types: float32 for data and int64
for indices and sizes. Keras's dtypes (bool, the integer widths, float16 to
float64) are carried beside each symbolic or traced tensor as its *logical*
dtype, which `KerasTensor.dtype` and `GraphTensor.dtype` report and which
follows `keras.backend.result_type`. What that means for values:

- bool and integer tensors compute in float32 where an op needs floats:
  integers are exact below 2**24 in magnitude (float32's 24-bit
  significand), larger ones round to the nearest float32.
- float16, bfloat16 and float64 tensors compute in float32: no op here has a
  float64 kernel, so a float64 result has float32's precision.

An op's rule is one of:

- `PROMOTE`: `result_type` of its data inputs (Python numbers weak), as
  `add`, `maximum`, `concatenate` or `matmul`;
- `SAME`: the input's dtype (`neg`, `abs`, `max`, `reshape`, `transpose`);
- `FLOAT`: float inputs keep their type, integers and bool give
  `floatx()` (`divide`, `exp`, `mean`, activations);
- `BOOL`: comparisons;
- `SUM`: Keras's sum (bool and narrow integers give int32);
- `INT32`: positions and sizes (`argmax`, `dim`);
- anything else: the core's result (float32 gives the promoted float
  type of the inputs, int64 gives int32).

Eager results (NumPy arrays) take these dtypes, except that float64 becomes
float32 (`eager_dtype`): the precision it was computed in, and what Keras on
JAX gives. int64 stays int64 (NumPy's and Keras's TensorFlow and torch
backends' answer; JAX without x64 narrows it to int32).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.backend.dtypes import result_type, standardize_dtype
from pykeras.backend.variable import Variable
from pykeras.engine import tracing

if TYPE_CHECKING:
    from collections.abc import Container, Sequence


# Two or more inputs: `result_type` of them; one: its dtype.
PROMOTE = {
    "add",
    "sub",
    "mul",
    "maximum",
    "minimum",
    "mod",
    "pow",
    "matmul",
    "concat",
    "where",
    "clip",
}
# One input kept as it is (Keras reports the input's dtype).
SAME = {
    "neg",
    "abs",
    "square",
    "sign",
    "relu",
    "max",
    "min",
    "round",
    "floor",
    "ceil",
    "reshape",
    "reshape_dynamic",
    "broadcast_dynamic",
    "transpose",
    "slice",
    "pad",
    "stop_gradient",
}
# Floats keep their type, integers and bool give floatx().
FLOAT = {
    "div",
    "exp",
    "exponential",
    "expm1",
    "log",
    "log1p",
    "log2",
    "log10",
    "sqrt",
    "rsqrt",
    "reciprocal",
    "mean",
    "sin",
    "cos",
    "tan",
    "tanh",
    "sinh",
    "cosh",
    "arcsin",
    "arccos",
    "arctan",
    "arcsinh",
    "sigmoid",
    "softmax",
    "log_softmax",
    "softplus",
    "softsign",
    "silu",
    "swish",
    "gelu",
    "elu",
    "selu",
    "leaky_relu",
    "hard_sigmoid",
    "erf",
    "erfc",
    "erfinv",
}
BOOL = {
    "equal",
    "not_equal",
    "less",
    "less_equal",
    "greater",
    "greater_equal",
    "in_top_k",
}
INT32 = {"argmax", "argsort", "dim", "arange_dynamic"}
SUM = {"sum"}
# The core computes floats in float32, so eager float64 results are float32
# (as Keras on JAX gives them); integers keep their width, as NumPy does.
_NARROW = {"float64": "float32", "complex128": "complex64"}


def dtype_of(x: Any) -> Any:
    """The logical dtype of one op input, or a Python type for a weak number."""
    if isinstance(x, bool):
        return "bool"
    if isinstance(x, int):
        return int
    if isinstance(x, float):
        return float
    dtype = getattr(x, "dtype", None)
    if isinstance(x, Variable):
        return str(dtype or "float32")
    if dtype is None:
        dtype = np.asarray(x).dtype
    name = getattr(dtype, "name", None) or str(dtype)
    return name


def _standard(dtype: Any) -> str:
    try:
        return standardize_dtype(dtype)
    except ValueError:
        return "float32"


def result_dtype(
    name: str, inputs: Sequence[Any], index_inputs: Container[int] = (), core_dtype: str = "float32"
) -> str:
    """The logical dtype of op `name`'s result on `inputs` (as a symbolic
    Keras op reports it: a single input's 64-bit type is kept)."""
    data = [dtype_of(x) for i, x in enumerate(inputs) if i not in index_inputs]
    if name == "where" and len(data) == 3:
        data = data[1:]
    typed = [d for d in data if not isinstance(d, type)]
    try:
        if name in BOOL:
            return "bool"
        if name in INT32:
            return "int32"
        if name in SUM and data:
            first = result_type(data[0])
            return {"bool": "int32", "int8": "int32", "int16": "int32"}.get(
                first, {"uint8": "uint32", "uint16": "uint32"}.get(first, first)
            )
        if name in SAME and data:
            return _standard(data[0]) if typed else result_type(data[0])
        if name in PROMOTE and data:
            if len(typed) == 1 and len(data) == 1:
                return _standard(typed[0])
            out = result_type(*data)
            if name == "matmul" and out in ("int8", "int16"):
                return "int32"
            return out
        if name in FLOAT or core_dtype == "float32":
            keep = name not in ("sqrt", "rsqrt")  # Keras's sqrt promotes with float
            if keep and len(typed) == 1 and len(data) == 1 and is_float(_standard(typed[0])):
                return _standard(typed[0])
            return result_type(*data, float)
        return "int32"
    except ValueError:
        return "float32" if core_dtype == "float32" else "int32"


def eager_dtype(logical: str) -> str:
    """The dtype of an eager result: float64 narrows to float32 (the
    precision it was computed in); integer types are kept."""
    return _NARROW.get(logical, logical)


def is_float(dtype: Any) -> bool:
    """Whether a logical dtype name is a float type."""
    return "float" in str(dtype)


# The graph tracer (in the engine, below ops) types its nodes by this table.
tracing.set_result_dtype_rule(result_dtype)
