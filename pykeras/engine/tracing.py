"""Lowering a model to one Rust graph.

A `Tracer` holds a `_core.Graph` being built. Running a model's layers on
`GraphTensor`s (instead of arrays) makes every `pykeras.ops` call add a node
instead of computing: the model's whole forward pass becomes one graph that
Rust plans once and runs many times with no Python per layer.
"""

import numpy as np

from pykeras import _core
from pykeras._convert import to_float32, to_index
from pykeras.engine.tensor_operators import install


@install
class GraphTensor:
    """A value inside a graph being traced.

    Args:
        tracer: the `Tracer` building the graph.
        node: the graph node id.
        shape: the static shape where known (None entries are unknown), or None.
    """

    def __init__(self, tracer, node, shape=None):
        self.tracer = tracer
        self.node = node
        self.shape = None if shape is None else tuple(shape)

    @property
    def ndim(self):
        return None if self.shape is None else len(self.shape)

    def __repr__(self):
        return f"<GraphTensor node={self.node} shape={self.shape}>"

    def __bool__(self):
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

    def __init__(self, training=False):
        self.graph = _core.Graph()
        self.training = training
        self._variables = {}
        # (variable node, value node) pairs assigned after each training step.
        self.updates = []

    def input(self, name, shape, dtype="float32"):
        """A graph input of `shape` (None for sizes known at run time only)."""
        dtype = "int64" if "int" in str(dtype) else "float32"
        shape = None if shape is None else tuple(shape)
        return GraphTensor(self, self.graph.input(name, shape, dtype), shape)

    def _variable_node(self, variable):
        key = id(variable)
        if key not in self._variables:
            self._variables[key] = (
                self.graph.variable(variable.handle, variable.trainable, variable.path),
                variable,
            )
        return self._variables[key][0]

    def node_for(self, x, index=False, what="input"):
        """The node id for `x`: a graph tensor, a variable or a constant."""
        from pykeras.backend.variable import Variable

        if isinstance(x, GraphTensor):
            if x.tracer is not self:
                raise ValueError(
                    f"{what} belongs to another traced graph; tensors of two models being "
                    "traced at once cannot be mixed."
                )
            return x.node
        if isinstance(x, Variable):
            return self._variable_node(x)
        array = to_index(x, what) if index else to_float32(x, what)
        return self.graph.constant(np.ascontiguousarray(array))

    def variable_tensor(self, variable):
        """`variable` as a tensor of this graph (ops on it then add nodes instead
        of computing on its current value)."""
        return GraphTensor(self, self._variable_node(variable), variable.shape)

    def add_update(self, variable, value):
        """Assigns `value` (a tensor of this graph) to `variable` after each step."""
        self.updates.append((self._variable_node(variable), self.node_for(value, what="an update")))

    def variables(self):
        """The pykeras `Variable`s the graph reads, with their node ids."""
        return [(node, var) for node, var in self._variables.values()]

    def op(self, name, inputs, index_inputs, attrs):
        nodes = [
            self.node_for(x, i in index_inputs, f"{name} input {i}") for i, x in enumerate(inputs)
        ]
        node = self.graph.op(name, nodes, attrs)
        # The op's own rule (in Rust) gives the shape; None if an input's is unknown.
        spec = self.graph.spec(node)
        return GraphTensor(self, node, None if spec is None else spec[0])


_ACTIVE = []


class active_tracer:
    """While tracing, ops on variables alone (no graph tensor among the
    inputs, e.g. `ops.exp(self.log_scale)`) must become graph nodes too, or
    they would be frozen into constants and get no gradient."""

    def __init__(self, tracer):
        self.tracer = tracer

    def __enter__(self):
        _ACTIVE.append(self.tracer)
        return self.tracer

    def __exit__(self, *exc):
        _ACTIVE.pop()


def find_tracer(values):
    """The tracer of the first `GraphTensor` among `values`; else, if a
    variable is among them while a trace is active, that trace; else None."""
    from pykeras.backend.variable import Variable

    for v in values:
        if isinstance(v, GraphTensor):
            return v.tracer
    if _ACTIVE and any(isinstance(v, Variable) for v in values):
        return _ACTIVE[-1]
    return None
