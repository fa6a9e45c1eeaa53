"""The dtype Keras reports for an op's result, from its inputs' dtypes.

The Rust core computes in three element types: float32 for data, float64
where data is float64 and the op has float64 kernels
(`_core.op_specs()[i]["float64"] == "computed"`; the other ops round
float64 to float32 at their boundary), and int64 for indices and sizes.
Keras's dtypes (bool, the integer widths, float16 to float64) are carried
beside each symbolic or traced tensor as its *logical* dtype, which
`KerasTensor.dtype` and `GraphTensor.dtype` report and which follows
`keras.backend.result_type`. What that means for values:

- bool and integer tensors compute in float32 where an op needs floats:
  integers are exact below 2**24 in magnitude (float32's 24-bit
  significand), larger ones round to the nearest float32.
- float16 and bfloat16 tensors compute in float32; float64 ones in float64
  in the ops with float64 kernels, in float32 in the others.

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

Eager results (NumPy arrays) are the core's: float64 from the ops with
float64 kernels on float64 input (as Keras on JAX with x64 gives them,
except `CAST_THROUGH_RESULT_TYPE`, which Keras makes float32), float32 from
the others. int64 stays int64 (NumPy's and Keras's TensorFlow and torch
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
# Keras's JAX ops that cast their input to `result_type(x.dtype, float)`
# first: float32 for float64 input even with x64 (its `result_type` maps
# 64-bit types to 32-bit ones), so their eager float64 results are float32.
CAST_THROUGH_RESULT_TYPE = {
    "sin",
    "cos",
    "tan",
    "sinh",
    "cosh",
    "tanh",
    "arcsin",
    "arccos",
    "arctan",
    "arcsinh",
    "floor",
    "ceil",
}
SUM = {"sum"}


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
        if name in FLOAT or core_dtype in ("float32", "float64"):
            keep = name not in ("sqrt", "rsqrt")  # Keras's sqrt promotes with float
            if keep and len(typed) == 1 and len(data) == 1 and is_float(_standard(typed[0])):
                return _standard(typed[0])
            return result_type(*data, float)
        return "int32"
    except ValueError:
        return core_dtype if core_dtype in ("float32", "float64") else "int32"


def is_float(dtype: Any) -> bool:
    """Whether a logical dtype name is a float type."""
    return "float" in str(dtype)


# The graph tracer (in the engine, below ops) types its nodes by this table.
tracing.set_result_dtype_rule(result_dtype)
