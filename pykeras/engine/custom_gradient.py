"""`keras.ops.custom_gradient` on traced graphs and eager tapes.

The decorated function runs as usual on the graph (or tape) being built, its
result's own gradient stopped. Its `grad_fn` is then traced once, on a
symbolic upstream gradient, into a graph of its own, and one
`custom_gradient` node ties the two together (`_core.Graph.custom_vjp`): its
value is the result, and the backward pass runs the gradient graph in place
of the result's ops' rules. Values `grad_fn` reads from the outer graph (the
arguments, intermediate results it closes over, weights) become inputs of
the gradient graph, fed from the outer graph's values when the backward pass
runs: the gradient graph reads no variables itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pykeras.engine.tape import TapeTracer
from pykeras.engine.tracing import GraphTensor, Tracer, active_tracer
from pykeras.errors import InvalidArgumentError, ShapeError

OP = "custom_gradient"


class GradientFnTracer(Tracer):
    """Traces a `grad_fn` into its own graph; what it reads from `outer`
    becomes an input of that graph (a capture), in first-use order.

    Args:
        outer: the graph `Tracer` or `TapeTracer` the function ran on.
    """

    def __init__(self, outer: Any) -> None:
        super().__init__(training=bool(getattr(outer, "training", False)))
        self.outer = outer
        # outer node -> this graph's input node, and both in capture order.
        self._captured: dict[int, int] = {}
        self.outer_nodes: list[int] = []
        self.inner_nodes: list[int] = []

    def capture(self, outer_node: int) -> int:
        """The input of this graph that carries `outer_node`'s value."""
        inner = self._captured.get(outer_node)
        if inner is None:
            spec = self.outer.graph.spec(outer_node)
            shape, core = (None, "float32") if spec is None else (tuple(spec[0]), spec[1])
            inner = self.graph.input(f"captured_{len(self.outer_nodes)}", shape, core)
            self._captured[outer_node] = inner
            self.outer_nodes.append(outer_node)
            self.inner_nodes.append(inner)
        return inner

    def node_for(
        self, x: Any, index: bool = False, what: str = "input", wide: bool | None = None
    ) -> int:
        if isinstance(x, GraphTensor) and x.tracer is self.outer:
            return self.capture(x.node)
        return super().node_for(x, index, what, wide)

    def _variable_node(self, variable: Any) -> Any:
        # A weight is read from the outer graph (its value at this step).
        return self.capture(self.outer.node_for(variable))


def _single_result(result: Any) -> Any:
    if isinstance(result, (list, tuple, dict)):
        raise InvalidArgumentError(
            f"Op '{OP}' supports functions with one tensor result. Received: a "
            f"{type(result).__name__} of {len(result)} results; decorate a function per result."
        )
    return result


def unpack_result(f: Callable[..., Any], returned: Any) -> tuple[Any, Callable[..., Any]]:
    """`(result, grad_fn)` as the decorated function `f` returned them, checked."""
    if not (isinstance(returned, (tuple, list)) and len(returned) == 2 and callable(returned[1])):
        raise InvalidArgumentError(
            f"Op '{OP}' expected the decorated function '{getattr(f, '__name__', f)}' to "
            f"return `(result, grad_fn)`. Received: {type(returned).__name__}"
        )
    return _single_result(returned[0]), returned[1]


def _gradients(returned: Any, count: int) -> list[Any]:
    """`grad_fn`'s result as one entry (or None) per argument."""
    if count == 1 and not isinstance(returned, (list, tuple)):
        return [returned]
    if not isinstance(returned, (list, tuple)) or len(returned) != count:
        got = len(returned) if isinstance(returned, (list, tuple)) else 1
        raise InvalidArgumentError(
            f"Op '{OP}' expected grad_fn to return one gradient per argument ({count}). "
            f"Received: {got}"
        )
    return list(returned)


def _gradient_node(sub: GradientFnTracer, gradient: Any, shape: Any, index: int) -> int | None:
    """The gradient graph's node for one argument's gradient, checked
    against the argument's shape where both are known."""
    if gradient is None:
        return None
    node = sub.node_for(gradient, what=f"the gradient of argument {index}")
    if sub.graph.node(node).kind != "op":
        # An input or constant returned as is: an op node the plan computes.
        node = sub.graph.op("stop_gradient", [node], {})
    spec = sub.graph.spec(node)
    known = shape is not None and None not in shape
    if spec is not None and known and None not in spec[0] and tuple(spec[0]) != tuple(shape):
        raise ShapeError(
            f"Op '{OP}' expected grad_fn to return a gradient of shape {tuple(shape)} for "
            f"argument {index} (the argument's shape). Received: shape {tuple(spec[0])}"
        )
    return node


def custom_vjp(outer: Any, f: Callable[..., Any], args: Sequence[Any], kwargs: Any) -> Any:
    """Runs `f(*args, **kwargs)` on `outer` (a graph tracer or a tape) and
    returns its result as a node whose gradient is `f`'s `grad_fn`."""
    result, grad_fn = unpack_result(f, f(*args, **kwargs))
    arg_nodes = [outer.node_for(a, what=f"argument {i}") for i, a in enumerate(args)]
    stopped = outer.op("stop_gradient", [result], (), {})
    sub = GradientFnTracer(outer)
    upstream = sub.input("upstream", stopped.shape, getattr(stopped, "dtype", "float32"))
    for node in arg_nodes:
        sub.capture(node)
    with active_tracer(sub):
        returned = grad_fn(upstream)
    gradients = _gradients(returned, len(args))
    shapes = [outer.graph.spec(n) for n in arg_nodes]
    grad_nodes = [
        _gradient_node(sub, g, None if s is None else s[0], i)
        for i, (g, s) in enumerate(zip(gradients, shapes))
    ]
    # One entry per gradient-graph input after the upstream: the arguments'
    # gradients, then none for the other captures.
    grad_outputs: list[int | None] = [None] * len(sub.outer_nodes)
    for node, gradient in zip(arg_nodes, grad_nodes):
        position = sub.outer_nodes.index(node)
        earlier = grad_outputs[position]
        if earlier is not None and gradient is not None:
            # The same tensor passed twice: its gradients add up.
            gradient = sub.graph.op("add", [earlier, gradient], {})
        grad_outputs[position] = gradient if gradient is not None else earlier
    inputs = [stopped.node, *sub.outer_nodes]
    grad_inputs = [upstream.node, *sub.inner_nodes]
    if isinstance(outer, TapeTracer):
        return outer.custom_vjp(sub.graph, inputs, grad_inputs, grad_outputs)
    node = outer.graph.custom_vjp(sub.graph, inputs, grad_inputs, grad_outputs)
    return GraphTensor(outer, node, stopped.shape, stopped.dtype)
