"""Runs a primitive op of the Rust core in one of three ways.

- On arrays (numpy, lists, scalars, `Variable`s): eagerly, returning numpy.
- On `GraphTensor`s (a model being lowered to Rust): adds a graph node.
- On symbolic `KerasTensor`s (a model being defined): records an op layer,
  so `x + y` or `ops.concatenate([a, b])` work inside Functional models.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras import _core
from pykeras._convert import to_float, to_index
from pykeras.backend.variable import Variable
from pykeras.dtype_policies.scope import PRECISION_OPS, product_precision
from pykeras.engine import symbolic_scope
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.tracing import find_tracer
from pykeras.errors import DTypeError
from pykeras.ops._dtype_rules import CAST_THROUGH_RESULT_TYPE, result_dtype

if TYPE_CHECKING:
    from pykeras.engine.typing import Shape, Tensor, TensorLike

    # `record(name, inputs, index_inputs, attrs)`: the op layer's output.
    OpLayerRecorder = Callable[[str, Sequence[Any], Sequence[int], dict[str, Any]], KerasTensor]

# Records an op on symbolic tensors as an op layer of the Functional model
# being defined: `pykeras.layers.op_layer` (layers sit above ops) sets it
# when imported.
_RECORD_OP_LAYER: OpLayerRecorder | None = None


def set_op_layer_recorder(record: OpLayerRecorder) -> None:
    """Called once by `pykeras.layers.op_layer` with `record(name, inputs,
    index_inputs, attrs)`, which returns the op layer's output."""
    global _RECORD_OP_LAYER
    _RECORD_OP_LAYER = record


def run(
    name: str,
    inputs: Sequence[TensorLike],
    index_inputs: Sequence[int] = (),
    training_mode: bool = False,
    step_seed: int = 0,
    keras_dtype: str | None = None,
    keep_float64: bool = False,
    **attrs: Any,
) -> Tensor:
    """Runs op `name` on `inputs`.

    Args:
        name: the primitive op's name (see `pykeras._core.op_names()`).
        inputs: the op's inputs, in order.
        index_inputs: positions of inputs that hold indices (int64).
        training_mode: training mode for eager runs (dropout, batch_norm).
        step_seed: the step seed dropout draws its mask from, for eager runs.
        keras_dtype: the symbolic result's Keras dtype, where the op's rule
            (`_dtype_rules`) does not give it (creation ops).
        keep_float64: keep an eager float64 result float64 even for the ops
            Keras casts to float32 (`floor` inside a float64 composite).
        **attrs: the op's attributes; `None` values are left out.

    Returns:
        A numpy array, a `GraphTensor` or a `KerasTensor`, following the inputs.
    """
    attrs = {k: v for k, v in attrs.items() if v is not None}
    if name in PRECISION_OPS and "precision" not in attrs and product_precision() != "float32":
        # Called inside a mixed_bfloat16 layer: bf16 products (dtype_policies.scope).
        attrs["precision"] = product_precision()
    if any(isinstance(x, KerasTensor) for x in inputs):
        if symbolic_scope.active():
            shape, dtype = output_spec(name, inputs, index_inputs, attrs, keras_dtype)
            return KerasTensor(shape, dtype)
        assert _RECORD_OP_LAYER is not None, "pykeras.layers sets the op-layer recorder"
        out = _RECORD_OP_LAYER(name, inputs, index_inputs, attrs)
        if keras_dtype is not None:
            out.dtype = keras_dtype
        return out
    tracer = find_tracer(inputs)
    if tracer is not None:
        if keras_dtype is not None and hasattr(tracer, "graph"):
            return tracer.op(name, inputs, index_inputs, attrs, dtype=keras_dtype)
        return tracer.op(name, inputs, index_inputs, attrs)
    arrays = []
    weak = False
    for i, x in enumerate(inputs):
        if isinstance(x, Variable):
            x = x.numpy()
        elif type(x) is float:
            weak = True
            if (x > _F32_MAX or x < -_F32_MAX) and i not in index_inputs:
                # Past float32's range: inf in float32 (without NumPy's
                # overflow warning); float64 keeps it below.
                arrays.append(np.asarray(np.copysign(np.inf, x), np.float32))
                continue
        convert = to_index if i in index_inputs else to_float
        arrays.append(convert(x, f"{name} input {i}"))
    if weak:
        # A Python float is weak: beside a float64 array it is taken in
        # float64 (0.1 as float64's 0.1, not float32's), as JAX with x64.
        # (A plain loop: a generator cost float32 calls 200 ns.)
        for a in arrays:
            if a.dtype is _F64:
                arrays = [
                    np.asarray(x, np.float64) if type(x) is float and i not in index_inputs else a
                    for i, (x, a) in enumerate(zip(inputs, arrays))
                ]
                break
    # Eager results stay the core's type: float64 from ops with float64
    # kernels given float64 arrays (`_core.op_specs()[i]["float64"]`),
    # float32 from the others (int64 for index ops): the composite ops
    # build on that, and restore Keras's dtype themselves where an integer
    # or bool result is exact (`_composite.rearrange`).
    result = _core.op(name, arrays, attrs, training_mode, step_seed)
    if result.dtype is _F64 and name in CAST_THROUGH_RESULT_TYPE and not keep_float64:
        # Keras (on JAX, x64 too) casts these ops' float64 input to
        # `result_type(float64, float)`, which is float32.
        return result.astype(np.float32)
    return result


_F64 = np.dtype(np.float64)
_F32_MAX = float(np.finfo(np.float32).max)


def core_dtype(dtype: object) -> str:
    """The core's element type for a dtype name: int64 for integers, float64
    for float64, else float32."""
    name = str(dtype)
    return "int64" if "int" in name else "float64" if name == "float64" else "float32"


def input_spec(x: Any, is_index: bool) -> tuple[Shape, str]:
    """`(shape, dtype)` of one op input as the core sees it: symbolic tensors
    by their spec, variables and constants by their value."""
    if isinstance(x, KerasTensor):
        return tuple(x.shape), core_dtype(x.dtype)
    if hasattr(x, "tracer") and hasattr(x.tracer, "graph"):
        spec = x.tracer.graph.spec(x.node)
        return tuple(x.shape or ()), "float32" if spec is None else spec[1]
    if isinstance(x, Variable):
        return tuple(x.shape), "float32"
    if is_index:
        return tuple(np.shape(x)), "int64"
    wide = isinstance(x, np.ndarray | np.generic) and x.dtype == np.float64
    return tuple(np.shape(x)), "float64" if wide else "float32"


def output_spec(
    name: str,
    inputs: Sequence[Any],
    index_inputs: Sequence[int],
    attrs: dict[str, Any],
    dtype: str | None = None,
) -> tuple[Shape, str]:
    """`(shape, dtype)` of op `name` on `inputs`, by the op's rule in the
    core (nothing runs); a bad shape or attribute raises, naming the op.

    The dtype is Keras's (`_dtype_rules.result_dtype`, or `dtype` if given):
    integer and bool inputs of a float op are cast at its boundary, as a
    traced graph does (`Tracer.op`)."""
    specs = [input_spec(x, i in index_inputs) for i, x in enumerate(inputs)]
    try:
        shape, core = _core.op_output(name, specs, attrs)
    except DTypeError:
        cast = [
            (shape, "int64" if i in index_inputs else "float32")
            for i, (shape, _) in enumerate(specs)
        ]
        if cast == specs:
            raise
        shape, core = _core.op_output(name, cast, attrs)
    return tuple(shape), dtype or result_dtype(name, inputs, index_inputs, core)


def integer_positions(inputs: Sequence[TensorLike], positions: Sequence[int]) -> tuple[int, ...]:
    """Those of `positions` whose input is an integer array: labels and ids
    stay int64 instead of being converted to float32."""
    found = []
    for i in positions:
        x = inputs[i]
        if isinstance(x, (np.ndarray, np.generic, int)) and not isinstance(x, bool):
            if np.asarray(x).dtype.kind in "iu":
                found.append(i)
    return tuple(found)
