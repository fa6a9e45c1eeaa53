"""`keras.Function`: the graph of operations between symbolic inputs and
outputs, callable on new values.

Calling one on arrays lowers the graph to one Rust graph (the tracer and
executor models use), built once per input signature and run with no Python
per operation; on `KerasTensor`s it infers the outputs' specs (and is
recorded as one operation of the enclosing graph); on the traced tensors of
a model being compiled, or under a `GradientTape` or a `StatelessScope`, it
walks its graph on them, each operation adding to the caller's trace.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from pykeras import tree as keras_tree
from pykeras._convert import to_float32, to_float64, to_index
from pykeras.backend.operation import Operation
from pykeras.engine import symbolic_scope
from pykeras.engine.executor import Executor
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.node import Node
from pykeras.engine.stateless_scope import in_stateless_scope
from pykeras.engine.tape import recording
from pykeras.engine.tracing import GraphTensor, Tracer, active_tracer
from pykeras.engine.tree import flatten, map_structure, pack_like
from pykeras.errors import InvalidArgumentError


class Function(Operation):
    """A computation graph of Keras operations, reapplied to new inputs.

    A `Function` captures the graph linking some symbolic input tensors to
    some output tensors, and computes the same on new inputs. It is like a
    Functional model that holds no state and is not a `Layer`.

    Args:
        inputs: a `KerasTensor`, or a nested structure of them.
        outputs: a `KerasTensor`, or a nested structure of them, computable
            from `inputs` alone.
        name: the function's name.

    Example:

    >>> input_1 = keras.KerasTensor(shape=(None, 2, 3))
    >>> input_2 = keras.KerasTensor(shape=(None, 2, 3))
    >>> x = input_1 + input_2
    >>> output = keras.ops.sigmoid(x)
    >>> fn = keras.Function(inputs=[input_1, input_2], outputs=output)
    >>> fn([np.zeros((4, 2, 3)), np.zeros((4, 2, 3))]).shape
    (4, 2, 3)
    """

    def __init__(self, inputs: Any, outputs: Any, name: str | None = None) -> None:
        super().__init__(name=name)
        self._inputs_struct = map_structure(lambda x: x, inputs)
        self._outputs_struct = map_structure(lambda x: x, outputs)
        self._inputs: list[KerasTensor] = flatten(inputs)
        self._outputs: list[KerasTensor] = flatten(outputs)
        for what, flat in (("inputs", self._inputs), ("outputs", self._outputs)):
            if not flat:
                raise InvalidArgumentError(
                    f"`{what}` argument cannot be empty. Received:\ninputs={inputs}\n"
                    f"outputs={outputs}"
                )
            for t in flat:
                if not isinstance(t, KerasTensor):
                    raise TypeError(
                        f"A Function's {what} must be KerasTensors (from `keras.KerasTensor`, "
                        f"`keras.Input` or symbolic calls). Received: {t!r} in {what}={flat}"
                    )
        self._nodes, self._operations = _map_graph(self._inputs, self._outputs)
        # Fails now, not at the first call, if an output needs a tensor that
        # is not computable from the inputs.
        self._run_through_graph(self._inputs, call_fn=lambda node, args, kwargs: None)
        # The Rust graphs built so far, by input signature.
        self._executors: dict[Any, Executor] = {}

    @property
    def operations(self) -> list[Any]:
        """The graph's operations (layers included), deepest first."""
        return self._operations[:]

    @property
    def inputs(self) -> list[KerasTensor]:
        """Flat list of the symbolic inputs of the Function."""
        return self._inputs

    @property
    def outputs(self) -> list[KerasTensor]:
        """Flat list of the symbolic outputs of the Function."""
        return self._outputs

    def compute_output_spec(self, inputs: Any) -> Any:
        """The outputs as `KerasTensor`s for symbolic `inputs`."""
        self._assert_input_compatibility(inputs)
        if all(tuple(x.shape) == ref.shape for x, ref in zip(flatten(inputs), self._inputs)):
            return map_structure(lambda x: KerasTensor(x.shape, x.dtype), self._outputs_struct)
        with symbolic_scope.shapes_only():
            return self._run_through_graph(
                inputs,
                call_fn=lambda node, args, kwargs: node.layer.compute_output_spec(*args, **kwargs),
            )

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shapes for inputs of `input_shape` (a shape or a structure of them)."""
        flat_shapes = _flat_shapes(input_shape)
        tensors = [KerasTensor(s, ref.dtype) for s, ref in zip(flat_shapes, self._inputs)]
        spec = self.compute_output_spec(pack_like(self._inputs_struct, tensors))
        return map_structure(lambda x: x.shape, spec)

    def call(self, inputs: Any) -> Any:
        """Computes the outputs for new inputs (arrays, or traced tensors)."""
        self._assert_input_compatibility(inputs)
        flat = flatten(inputs)
        if (
            recording() is not None
            or in_stateless_scope()
            or any(isinstance(x, GraphTensor) for x in flat)
        ):
            return self._run_through_graph(inputs)
        arrays = [_as_array(x, ref) for x, ref in zip(flat, self._inputs)]
        return self._executor(arrays).run(arrays)

    def _executor(self, arrays: list[np.ndarray]) -> Executor:
        """The Rust graph for inputs of these shapes and dtypes (built once)."""
        specs = [
            (f"input_{i}", _graph_shape(ref.shape, a.shape), ref.dtype)
            for i, (a, ref) in enumerate(zip(arrays, self._inputs))
        ]
        key = tuple((shape, str(a.dtype)) for (_, shape, _), a in zip(specs, arrays))
        executor = self._executors.get(key)
        if executor is None:
            tracer = Tracer(training=False)
            graph_inputs = [tracer.input(name, shape, dtype) for name, shape, dtype in specs]
            with active_tracer(tracer):
                outputs = self._run_through_graph(pack_like(self._inputs_struct, graph_inputs))
            executor = Executor(tracer, graph_inputs, outputs)
            self._executors[key] = executor
        return executor

    def _run_through_graph(
        self, inputs: Any, call_fn: Callable[[Node, Any, Any], Any] | None = None
    ) -> Any:
        """Walks the graph on `inputs`: each node's operation (or `call_fn`)
        on the values of its inputs; returns the outputs' values."""
        values = {id(x): v for x, v in zip(self._inputs, flatten(inputs))}

        def lookup(x: Any) -> Any:
            return values[id(x)] if isinstance(x, KerasTensor) else x

        for node in self._nodes:
            if not node.input_tensors:
                continue  # an `Input`: its tensor is fed or not at all
            if any(id(t) not in values for t in node.input_tensors):
                continue  # fed by an input not given: its outputs stay unknown
            args = map_structure(lookup, node.args)
            kwargs = map_structure(lookup, node.kwargs)
            if call_fn is not None:
                outputs = call_fn(node, args, kwargs)
                outputs = [None] * len(node.output_tensors) if outputs is None else outputs
            else:
                outputs = node.layer(*args, **kwargs)
            for t, v in zip(node.output_tensors, flatten(outputs)):
                values[id(t)] = v
        found = []
        for i, x in enumerate(self._outputs):
            if id(x) not in values:
                keys = keras_tree.flatten_with_path(self._outputs_struct)[i][0]
                path = ".".join(str(p) for p in keys)
                raise InvalidArgumentError(
                    f"Output with path `{path}` is not connected to `inputs`"
                )
            found.append(values[id(x)])
        return pack_like(self._outputs_struct, found)

    def _assert_input_compatibility(self, inputs: Any) -> None:
        try:
            keras_tree.assert_same_structure(inputs, self._inputs_struct)
        except (ValueError, TypeError):
            raise InvalidArgumentError(
                "Function was called with an invalid input structure. Expected input "
                f"structure: {self._inputs_struct}\nReceived input structure: {inputs}"
            ) from None
        for x, ref in zip(flatten(inputs), self._inputs):
            shape = tuple(np.shape(x)) if not hasattr(x, "shape") else x.shape
            if shape is None:
                continue  # a traced value of unknown static shape
            compatible = len(shape) == len(ref.shape) and all(
                d is None or r is None or d == r for d, r in zip(shape, ref.shape)
            )
            if not compatible:
                raise InvalidArgumentError(
                    f"{type(self).__name__} was passed incompatible inputs. For input "
                    f"'{ref.name}', expected shape {ref.shape}, but received instead a tensor "
                    f"with shape {tuple(shape)}."
                )


def _map_graph(
    inputs: list[KerasTensor], outputs: list[KerasTensor]
) -> tuple[list[Node], list[Any]]:
    """The nodes between `inputs` and `outputs` in creation (topological)
    order, and the operations in Keras's order: by decreasing depth from
    the outputs, ties by first visit in a depth-first walk from them."""
    input_ids = {id(t) for t in inputs}
    finished: set[int] = set()
    in_progress: set[int] = set()
    ordered: list[Node] = []
    first_visit: dict[int, int] = {}
    by_id: dict[int, Any] = {}

    def visit(tensor: KerasTensor) -> None:
        history = tensor._keras_history
        if history is None:
            return  # a graph entry point (given in `inputs`, or checked later)
        operation, node_index, _ = history
        node = operation._inbound_nodes[node_index]
        if node.id in finished:
            return
        if node.input_tensors and id(tensor) in input_ids:
            finished.add(node.id)  # an intermediate tensor given as an input
            return
        if node.id in in_progress:
            raise InvalidArgumentError(
                f"Tensor {tensor} from operation '{operation.name}' is part of a cycle."
            )
        first_visit.setdefault(id(operation), len(first_visit))
        by_id[id(operation)] = operation
        in_progress.add(node.id)
        for t in node.input_tensors:
            visit(t)
        in_progress.discard(node.id)
        finished.add(node.id)
        ordered.append(node)

    for t in outputs:
        visit(t)
    in_graph = {node.id for node in ordered}
    node_depth: dict[int, int] = {}
    op_depth: dict[int, int] = {}
    for node in reversed(ordered):
        depth = max(node_depth.setdefault(node.id, 0), op_depth.get(id(node.layer), 0))
        op_depth[id(node.layer)] = depth
        node_depth[node.id] = depth
        for t in node.input_tensors:
            if t._keras_history is None:
                continue
            operation, index, _ = t._keras_history
            parent = operation._inbound_nodes[index]
            if parent.id in in_graph:
                node_depth[parent.id] = max(depth + 1, node_depth.get(parent.id, 0))
    for t in inputs:
        # Inputs from `Input()` that no output uses are still operations of the graph.
        if t._keras_history is not None:
            operation, index, _ = t._keras_history
            if not operation._inbound_nodes[index].input_tensors and id(operation) not in op_depth:
                op_depth[id(operation)] = 0
                first_visit[id(operation)] = -1
                by_id[id(operation)] = operation
    _check_computable(inputs, ordered)
    operations = sorted(op_depth, key=lambda k: (-op_depth[k], first_visit[k]))
    names = [by_id[k].name for k in operations]
    for name in names:
        if names.count(name) != 1:
            raise InvalidArgumentError(
                f'The name "{name}" is used {names.count(name)} times in the model. All '
                "operation names should be unique."
            )
    return sorted(ordered, key=lambda n: n.id), [by_id[k] for k in operations]


def _check_computable(inputs: list[KerasTensor], nodes: list[Node]) -> None:
    """Raises if a node needs a tensor that neither an input nor an earlier node gives."""
    computable = {id(t) for t in inputs}
    accessed: list[str] = []
    for node in sorted(nodes, key=lambda n: n.id):
        for t in node.input_tensors:
            if id(t) not in computable:
                raise InvalidArgumentError(
                    f"Graph disconnected: cannot find parent for tensor {t} at operation "
                    f"'{node.layer}'. The following previous operations were accessed "
                    f"without issue: {accessed}"
                )
        accessed.append(node.layer.name)
        computable.update(id(t) for t in node.output_tensors)


def _flat_shapes(input_shape: Any) -> list[tuple[int | None, ...]]:
    if isinstance(input_shape, (list, tuple)) and all(
        d is None or isinstance(d, int) for d in input_shape
    ):
        return [tuple(input_shape)]
    if isinstance(input_shape, dict):
        return [s for v in input_shape.values() for s in _flat_shapes(v)]
    return [s for v in input_shape for s in _flat_shapes(v)]


def _graph_shape(ref: tuple[int | None, ...], actual: tuple[int, ...]) -> tuple[int | None, ...]:
    """The traced input's shape: the batch axis left open where the symbolic
    input leaves it open (one graph serves every batch size), the other sizes
    those of the data."""
    return tuple(None if i == 0 and r is None else a for i, (r, a) in enumerate(zip(ref, actual)))


def _as_array(x: Any, ref: KerasTensor) -> np.ndarray:
    """An input value as the core takes it: int64 for integer and bool
    inputs of an integer or bool symbolic input, float32 otherwise."""
    what = f"the input '{ref.name}' of a keras.Function"
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):
        x = x.numpy()
    if "int" in ref.dtype or ref.dtype == "bool":
        return to_index(x, what)
    if ref.dtype == "float64":
        return to_float64(x, what)
    return to_float32(x, what)
