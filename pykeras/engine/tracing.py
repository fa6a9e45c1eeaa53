"""Lowering a model to one Rust graph.

A `Tracer` holds a `_core.Graph` being built. Running a model's layers on
`GraphTensor`s (instead of arrays) makes every `pykeras.ops` call add a node
instead of computing: the model's whole forward pass becomes one graph that
Rust plans once and runs many times with no Python per layer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from typing import Any, cast

import numpy as np

from pykeras import _core, config
from pykeras._convert import to_float32, to_float64, to_index
from pykeras.engine.dtypes import standardize_dtype
from pykeras.engine.tensor_operators import TensorOperators, install, ops_api
from pykeras.engine.variable_base import VariableBase
from pykeras.errors import DTypeError, ShapeError

# The Keras dtype of an op's result (`pykeras.ops._dtype_rules.result_dtype`):
# the op table lives with the ops, a layer above, which sets it when imported.
_RESULT_DTYPE: Callable[..., str] | None = None


def set_result_dtype_rule(rule: Callable[..., str]) -> None:
    """Called once by `pykeras.ops._dtype_rules` with its `result_dtype`."""
    global _RESULT_DTYPE
    _RESULT_DTYPE = rule


@install
class GraphTensor(TensorOperators):
    """A value inside a graph being traced.

    Args:
        tracer: the `Tracer` building the graph.
        node: the graph node id.
        shape: the static shape where known (None entries are unknown), or None.
    """

    # `ndarray + tensor` defers to the tensor's reflected operator.
    __array_priority__ = 100

    def __init__(
        self, tracer: Any, node: Any, shape: Sequence[int | None] | None = None, dtype: Any = None
    ) -> None:
        self.tracer = tracer
        self.node = node
        self.shape = None if shape is None else tuple(shape)
        # Keras's dtype of the value (`keras.backend.result_type`); the core
        # holds it as float32 or int64 (see `pykeras.ops._dtype_rules`).
        if not isinstance(getattr(type(self), "dtype", None), property):
            # (A tape's tensors report their value's dtype themselves.)
            self.dtype = dtype or _core_dtype_of(tracer, node)

    @property
    def ndim(self) -> int | None:
        return None if self.shape is None else len(self.shape)

    def __repr__(self) -> str:
        return f"<GraphTensor node={self.node} shape={self.shape}>"

    # Traced code stands for code on real tensors, where `==` compares
    # elementwise (`ops.cast(y_true == y_pred, "float32")` in a metric).
    def __eq__(self, other: object) -> Any:
        return ops_api().equal(self, other)

    __hash__ = object.__hash__

    def __bool__(self) -> bool:  # raises: a traced tensor has no value yet
        raise TypeError(
            "A model's call() used a tensor as a Python bool (in `if` or `while`) while being "
            "compiled into a graph, where tensors have no values yet. For control flow that "
            "depends on values, run the model eagerly: set `model.run_eagerly = True` (or pass "
            "`run_eagerly=True` to compile())."
        )


class Tracer:
    """Builds a `_core.Graph` from op calls on `GraphTensor`s.

    Args:
        training: whether the graph is traced for training (dropout on,
            batch statistics in batch normalization).
    """

    def __init__(self, training: bool = False) -> None:
        self.graph = _core.Graph()
        self.training = training
        self._variables: dict[Any, tuple[int | None, Any]] = {}
        # (variable node, value node) pairs assigned after each training step.
        self.updates: list[tuple[int, int]] = []
        # Variables assigned in this trace (`Variable.assign*`): id -> the
        # node of the new value, which later reads in the same step see.
        self._assigned: dict[int, int] = {}
        # Optimizer updates recorded so far in a traced custom step.
        self._updates_seen = 0
        # Losses added by layers (`add_loss`) while this graph was traced.
        self.losses: list[Any] = []
        # What a traced custom step recorded (gradients, optimizer updates,
        # metric states); see `pykeras.engine.step_trace`.
        self.step: Any = None

    def input(
        self, name: str, shape: Sequence[int | None] | None, dtype: str = "float32"
    ) -> GraphTensor:
        """A graph input of `shape` (None for sizes known at run time only):
        int64 in the core for integer dtypes, float64 for float64, else
        float32; the tensor reports `dtype` itself."""
        logical = _logical_name(dtype)
        core = "int64" if "int" in logical else "float64" if logical == "float64" else "float32"
        shape = None if shape is None else tuple(shape)
        return GraphTensor(self, self.graph.input(name, shape, core), shape, logical)

    def _variable_node(self, variable: Any) -> Any:
        key = id(variable)
        if key not in self._variables:
            self._variables[key] = (
                self.graph.variable(variable.handle, variable.trainable, variable.path),
                variable,
            )
        return self._variables[key][0]

    def node_for(
        self, x: Any, index: bool = False, what: str = "input", wide: bool | None = None
    ) -> int:
        """The node id for `x`: a graph tensor, a variable or a constant
        (float64 if `wide`, float32 if not, by floatx if None)."""
        if (
            isinstance(x, GraphTensor)
            and x.tracer is not self
            and hasattr(x.tracer, "as_constant_in_trace")
        ):
            # A tensor of an eager tape (a constant here), or a pending gradient.
            x.tracer.as_constant_in_trace(x)
            x = np.asarray(x)
        elif isinstance(x, GraphTensor):
            if x.tracer is not self:
                raise ValueError(
                    f"{what} belongs to another traced graph; tensors of two models being "
                    "traced at once cannot be mixed."
                )
            return x.node
        if isinstance(x, VariableBase):
            assigned = self._assigned.get(id(x))
            return assigned if assigned is not None else self._variable_node(x)
        # Constants stay float32 (a float64 NumPy constant in a float32 model
        # keeps it float32, as Keras casts float64 data to a float32 Input);
        # float64 flows from float64 Inputs. Under `set_floatx("float64")`
        # they are float64, as Keras's floatx constants are.
        if wide is None:
            wide = config.floatx() == "float64"
        to_floatx = to_float64 if wide else to_float32
        array = to_index(x, what) if index else to_floatx(x, what)
        # ascontiguousarray makes a 0-d array 1-d; a scalar constant keeps shape ().
        return self.graph.constant(np.ascontiguousarray(array).reshape(np.shape(array)))

    def variable_tensor(self, variable: Any) -> GraphTensor:
        """`variable` as a tensor of this graph (ops on it then add nodes instead
        of computing on its current value)."""
        return GraphTensor(self, self._variable_node(variable), variable.shape)

    def add_update(self, variable: Any, value: Any) -> None:
        """Assigns `value` (a tensor of this graph) to `variable` after each step."""
        self.updates.append((self._variable_node(variable), self.node_for(value, what="an update")))

    def read(self, variable: Any) -> GraphTensor:
        """`variable`'s value at this point of the step (after its assignments)."""
        return GraphTensor(self, self.node_for(variable), variable.shape)

    def assign(self, variable: Any, value: Any) -> None:
        """`variable.assign(value)` inside the trace: a state update after each
        step, seen by later reads of this step."""
        node = self.node_for(value, what=f"the value assigned to variable '{variable.path}'")
        spec = self.graph.spec(node)
        if spec is not None and None not in spec[0] and tuple(spec[0]) != variable.shape:
            if int(np.prod(cast("list[int]", spec[0]))) == 1 and int(np.prod(variable.shape)) == 1:
                node = self.graph.op("reshape", [node], {"shape": list(variable.shape)})
            else:
                raise ShapeError(
                    f"Variable '{variable.path}' has shape {variable.shape} and cannot be "
                    f"assigned a value of another shape. Received: value.shape={tuple(spec[0])}"
                )
        self.updates = [(v, n) for v, n in self.updates if v != self._variable_node(variable)]
        self.updates.append((self._variable_node(variable), node))
        self._assigned[id(variable)] = node
        # The Variable must outlive the graph's use of its id.
        self._variables.setdefault(("assigned", id(variable)), (None, variable))

    def after_update(self) -> int:
        """Marks an optimizer update in a traced step: reads of any variable
        from here on are new nodes, which the Rust loop evaluates after the
        update (their updated values). Returns the first node id after it."""
        self._updates_seen += 1
        for key in [k for k in self._variables if isinstance(k, int)]:
            self._variables[("before update", self._updates_seen, key)] = self._variables.pop(key)
        return len(self.graph)

    def variables(self) -> list[tuple[int, Any]]:
        """The pykeras `Variable`s the graph reads, with their node ids."""
        return [(node, var) for node, var in self._variables.values() if node is not None]

    def watches(self, x: object) -> bool:
        """Graph traces watch no arrays (tapes do)."""
        return False

    def op(
        self,
        name: str,
        inputs: Sequence[Any],
        index_inputs: Container[int],
        attrs: dict[str, Any],
        dtype: str | None = None,
    ) -> GraphTensor:
        """Adds op `name` on `inputs`; `dtype` overrides the result's
        logical dtype (else `_dtype_rules.result_dtype`)."""
        nodes = self._input_nodes(name, inputs, index_inputs)
        try:
            node = self.graph.op(name, nodes, attrs)
        except DTypeError:
            # Integer and bool values meet a float op (or float values an
            # index input): cast at the boundary, as Keras's promotion does.
            cast = self._coerced(nodes, index_inputs)
            if cast == nodes:
                raise
            node = self.graph.op(name, cast, attrs)
        # The op's own rule (in Rust) gives the shape; None if an input's is unknown.
        spec = self.graph.spec(node)
        core = "float32" if spec is None else spec[1]
        assert _RESULT_DTYPE is not None, "pykeras.ops sets the result dtype rule"
        logical = dtype or _RESULT_DTYPE(name, inputs, index_inputs, core)
        return GraphTensor(self, node, None if spec is None else spec[0], logical)

    def _input_nodes(
        self, name: str, inputs: Sequence[Any], index_inputs: Container[int]
    ) -> list[int]:
        """The nodes of an op's inputs. A Python float is weak, as in eager
        calls (`_dispatch.run`) and JAX: beside float32 tensors it is a
        float32 constant, beside a float64 one float64 (`x * 0.5` keeps
        `x`'s type whatever floatx is); alone, floatx decides."""
        weak = [type(x) is float and i not in index_inputs for i, x in enumerate(inputs)]
        nodes: list[int | None] = [
            None if w else self.node_for(x, i in index_inputs, f"{name} input {i}")
            for i, (x, w) in enumerate(zip(inputs, weak))
        ]
        wide: bool | None = None
        if any(weak):
            floats = []
            for node in nodes:
                spec = None if node is None else self.graph.spec(node)
                if spec is not None and spec[1] in ("float32", "float64"):
                    floats.append(spec[1])
            if floats:
                wide = "float64" in floats
        return [
            self.node_for(x, False, f"{name} input {i}", wide) if node is None else node
            for i, (x, node) in enumerate(zip(inputs, nodes))
        ]

    def _coerced(self, nodes: Any, index_inputs: Any) -> Any:
        """`nodes` with int64 data inputs cast to float32 and float32 index
        inputs cast to int64."""
        out = []
        for i, node in enumerate(nodes):
            spec = self.graph.spec(node)
            core = None if spec is None else spec[1]
            want = "int64" if i in index_inputs else "float32"
            if core is not None and core != want and not (core == "float64" and want == "float32"):
                node = self.graph.op("cast", [node], {"dtype": want})
            out.append(node)
        return out


def _core_dtype_of(tracer: Any, node: int) -> Any:
    spec = tracer.graph.spec(node) if hasattr(tracer, "graph") else None
    return "float32" if spec is None or spec[1] != "int64" else "int32"


def _logical_name(dtype: Any) -> str:
    """A dtype's Keras name ("float32" for None or one Keras does not know)."""
    try:
        return standardize_dtype(getattr(dtype, "name", dtype) if dtype is not None else None)
    except (ValueError, TypeError):
        return "float32"


class _ThreadStack(threading.local):
    """A list of this thread's active tracers and tapes, innermost last.

    Per thread: a trace (or tape) opened on one thread must not capture the
    ops, variables or `metric.result()` calls another thread makes meanwhile
    (a fit on one thread saw a custom step being traced on another).
    """

    def __init__(self) -> None:
        self.items: list[Any] = []

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def __contains__(self, item: object) -> bool:
        return item in self.items

    def __getitem__(self, i: int) -> Any:
        return self.items[i]

    def __delitem__(self, i: int) -> None:
        del self.items[i]

    def append(self, item: Any) -> None:
        self.items.append(item)

    def pop(self, i: int = -1) -> Any:
        return self.items.pop(i)

    def insert(self, i: int, item: Any) -> None:
        self.items.insert(i, item)

    def index(self, item: Any) -> int:
        return self.items.index(item)


_ACTIVE = _ThreadStack()


class active_tracer:
    """While tracing, ops on variables alone (no graph tensor among the
    inputs, e.g. `ops.exp(self.log_scale)`) must become graph nodes too, or
    they would be frozen into constants and get no gradient."""

    def __init__(self, tracer: Any) -> None:
        self.tracer = tracer

    def __enter__(self) -> Any:
        _ACTIVE.append(self.tracer)
        return self.tracer

    def __exit__(self, *exc: Any) -> None:
        _ACTIVE.pop()


def find_tracer(values: Iterable[Any]) -> Any:
    """The tracer of the first `GraphTensor` among `values`; else, if a
    variable (or an array a tape watches) is among them while a trace or a
    tape is active, that one; else None."""
    found = None
    for v in values:
        if isinstance(v, GraphTensor):
            if found is None:
                found = v.tracer
            elif v.tracer is not found and _inner(v.tracer, found):
                # A gradient function's graph mixing its own tensors with
                # the outer graph's: the op is the inner graph's.
                found = v.tracer
    if found is not None:
        return found
    if _ACTIVE:
        top = _ACTIVE[-1]
        if any(isinstance(v, VariableBase) or top.watches(v) for v in values):
            return top
    return None


def _inner(tracer: Any, other: Any) -> bool:
    """Whether `tracer` was opened after `other` (both active)."""
    if tracer not in _ACTIVE:
        return False
    return other not in _ACTIVE or _ACTIVE.index(tracer) > _ACTIVE.index(other)


def current_trace() -> Tracer | None:
    """The graph `Tracer` being built on this thread, if any (not a tape)."""
    return _ACTIVE[-1] if _ACTIVE and isinstance(_ACTIVE[-1], Tracer) else None


def tracer_of_update(variable: Any, value: Any) -> Tracer | None:
    """The graph tracer an assignment of `value` to `variable` belongs to:
    that of a traced tensor `value`, else the active trace; None eagerly
    (tape tensors included: a tape records no assignments)."""
    if isinstance(value, GraphTensor):
        return value.tracer if isinstance(value.tracer, Tracer) else None
    return current_trace()
