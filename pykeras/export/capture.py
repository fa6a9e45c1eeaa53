"""A model's inference graph, traced for export, with the layer behind each node.

The exporter reads the same Rust graph `predict` runs (`Tracer`): every
`pykeras.ops` call of every layer, subclassed models and custom layers
included, is a node there. `ExportTracer` also records which layer was
running (its name-scope path) when each node was added, so that an op the
exporter cannot write is reported with the layer that made it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pykeras.backend.name_scope import current_path
from pykeras.engine import call_context
from pykeras.engine.dtypes import standardize_dtype
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.tracing import GraphTensor, Tracer, active_tracer
from pykeras.engine.tree import ShapeTuple, flatten, map_structure, pack_like
from pykeras.errors import InvalidArgumentError


@dataclass(frozen=True)
class InputSignature:
    """One flat model input as the exported artifact takes it.

    Args:
        name: the input's name in the artifact.
        shape: its shape; None entries (the batch size at least) are free.
        dtype: its Keras dtype name ("float32", "int32", ...).
    """

    name: str
    shape: tuple[int | None, ...]
    dtype: str


@dataclass
class CapturedGraph:
    """A traced inference graph and where its inputs and outputs are."""

    tracer: Tracer
    inputs: list[tuple[InputSignature, int]]
    outputs: list[int]
    # node id -> the name-scope path of the layer that added it ("" outside any).
    origins: dict[int, str] = field(default_factory=dict)


class ExportTracer(Tracer):
    """A `Tracer` that remembers the layer (name-scope path) behind each node."""

    def __init__(self) -> None:
        super().__init__(training=False)
        self.origins: dict[int, str] = {}

    def op(
        self,
        name: str,
        inputs: Sequence[Any],
        index_inputs: Any,
        attrs: dict[str, Any],
        dtype: str | None = None,
    ) -> GraphTensor:
        first = len(self.graph)
        out = super().op(name, inputs, index_inputs, attrs, dtype)
        path = current_path()
        for node in range(first, len(self.graph)):
            self.origins[node] = path
        return out


def _spec_of(x: Any, index: int) -> InputSignature:
    """An `InputSignature` from an InputSpec, a KerasTensor, an array or a
    `(shape, dtype)`-like object; the batch size is always left free."""
    shape = getattr(x, "shape", None)
    if shape is None:
        raise InvalidArgumentError(
            "export: each entry of `input_signature` must have a `shape` (a "
            "`keras.InputSpec`, a `keras.KerasTensor` or an array). "
            f"Received: {x!r} at flat position {index}"
        )
    shape = tuple(None if d is None else int(d) for d in shape)
    if not shape:
        raise InvalidArgumentError(
            f"export: input {index} must have a batch axis. Received: shape={shape}"
        )
    dtype = getattr(x, "dtype", None)
    dtype = standardize_dtype(getattr(dtype, "name", dtype) if dtype is not None else "float32")
    name = getattr(x, "name", None) if not isinstance(x, np.ndarray) else None
    return InputSignature(name or f"input_{index}", (None,) + shape[1:], dtype)


def default_signature(model: Any) -> Any:
    """The model's inputs as Keras's `get_input_signature` finds them: the
    symbolic inputs of a Functional or Sequential model, else the shapes a
    subclassed model was built with."""
    if not model.built:
        raise InvalidArgumentError(
            "The model provided has not yet been built. It must be built before export."
        )
    struct = getattr(model, "_inputs_struct", None)
    if struct is not None and all(isinstance(t, KerasTensor) for t in flatten(struct)):
        return struct
    inputs = getattr(model, "inputs", None)
    if inputs:
        return inputs[0] if len(inputs) == 1 else list(inputs)
    shapes = getattr(model, "_build_shapes_dict", None)
    if not shapes:
        raise InvalidArgumentError(
            "The model provided has never been called. It must be called at least once "
            "before export, or pass `input_signature`."
        )
    dtype = getattr(model, "input_dtype", None) or "float32"
    return map_structure(lambda s: KerasTensor((None,) + tuple(s)[1:], dtype), _as_shapes(shapes))


def _as_shapes(structure: Any) -> Any:
    """`structure` with its shape tuples marked as leaves (`ShapeTuple`)."""
    if isinstance(structure, (list, tuple)) and all(
        d is None or isinstance(d, int) for d in structure
    ):
        return ShapeTuple(structure)
    if isinstance(structure, (list, tuple)):
        return type(structure)(_as_shapes(s) for s in structure)
    if isinstance(structure, dict):
        return {k: _as_shapes(v) for k, v in structure.items()}
    return structure


def capture(model: Any, input_signature: Any = None) -> CapturedGraph:
    """Traces `model`'s inference forward pass for inputs `input_signature`
    (the model's own inputs if None) into a graph the exporter reads."""
    if input_signature is None:
        input_signature = default_signature(model)
    elif isinstance(input_signature, (list, tuple)) and len(input_signature) == 1:
        # Keras's signatures list the call's positional arguments: one here.
        input_signature = input_signature[0]
    flat = flatten(input_signature)
    specs = [_spec_of(x, i) for i, x in enumerate(flat)]
    seen: set[str] = set()
    for i, s in enumerate(specs):
        if s.name in seen:  # artifact inputs need distinct names
            specs[i] = InputSignature(f"{s.name}_{i}", s.shape, s.dtype)
        seen.add(specs[i].name)
    tracer = ExportTracer()
    graph_inputs = [tracer.input(s.name, s.shape, s.dtype) for s in specs]
    packed = pack_like(input_signature, graph_inputs)
    with call_context.training_scope(False), active_tracer(tracer):
        outputs = model._call_with_training(packed, (), {}, False)
    flat_out = flatten(outputs)
    for t in flat_out:
        if not isinstance(t, GraphTensor):
            raise InvalidArgumentError(
                f"export: model '{model.name}' must return tensors computed from its inputs. "
                f"Received an output of type {type(t).__name__}."
            )
    return CapturedGraph(
        tracer,
        [(s, g.node) for s, g in zip(specs, graph_inputs)],
        [t.node for t in flat_out],
        tracer.origins,
    )
