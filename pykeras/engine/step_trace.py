"""What a traced custom step records besides graph nodes.

A `train_step` override runs once on graph tensors. Inside it,
`GradientTape.gradient` returns `PendingGradient`s (the Rust loop computes
them), `optimizer.apply` names the variables the loop updates, and metrics
add their per-batch states as reports of the step. `StepRecorder` collects
these; `pykeras.trainers.custom_step` turns them into a `_core.TrainStep`.
Several updates (a GAN's two optimizers) become phases of one step: each
`optimizer.apply` marks where later code reads the updated variables. A step
the loop cannot run as one graph (gradients changed or used in further ops
before the update, gradients with respect to tensors) raises
`EagerStepRequired`, and runs op by op instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from pykeras.engine.tensor_operators import ops_api
from pykeras.engine.tracing import GraphTensor
from pykeras.engine.tree import flatten
from pykeras.engine.variable_base import VariableBase

if TYPE_CHECKING:
    from pykeras.engine.typing import TensorLike


class EagerStepRequired(Exception):
    """A traced step needs Python between its parts; it runs eagerly instead."""


class PendingGradient(GraphTensor):
    """The gradient of a traced loss for one variable, computed by the loop.

    It can be handed to `optimizer.apply`/`apply_gradients`; any other use
    needs its value in the graph, so the step then runs eagerly.
    """

    def __init__(self, tracer: Any, request: Any, variable: Any) -> None:
        super().__init__(tracer, None, variable.shape)
        self.request = request
        self.variable = variable

    def as_constant_in_trace(self, x: TensorLike) -> NoReturn:
        raise EagerStepRequired("a gradient is used in an op before the optimizer applies it")


class _PendingTracer:
    """The `tracer` of a pending gradient: its node does not exist in the graph."""

    def __init__(self, tracer: Any) -> None:
        self.graph_tracer = tracer

    def as_constant_in_trace(self, x: TensorLike) -> NoReturn:
        raise EagerStepRequired("a gradient is used in an op before the optimizer applies it")

    def watches(self, x: object) -> bool:
        return False

    def op(self, name: str, inputs: Any, index_inputs: Any, attrs: Any) -> NoReturn:
        raise EagerStepRequired(f"a gradient is used in op '{name}' before the update")

    def node_for(self, x: TensorLike, index: bool = False, what: str = "input") -> NoReturn:
        raise EagerStepRequired(f"a gradient is used as {what} before the update")


class GradientRequest:
    """`tape.gradient(target, variables)` inside a traced step, with the
    graph nodes the variables were read as when the gradient was asked for."""

    def __init__(self, target: Any, variables: Any, nodes: list[int]) -> None:
        self.target = target
        self.variables = variables
        self.nodes = nodes


class AppliedUpdate:
    """`optimizer.apply(grads, variables)` inside a traced step.

    Attributes:
        optimizer: the optimizer.
        request: the gradient request the gradients came from.
        variables: the variables updated, in the order given.
        nodes: each variable's graph node when the gradient was asked for.
        end: the first graph node traced after the update.
    """

    def __init__(
        self, optimizer: Any, request: GradientRequest, variables: list[Any], end: int
    ) -> None:
        self.optimizer = optimizer
        self.request = request
        self.variables = variables
        by_id = {id(v): n for v, n in zip(request.variables, request.nodes)}
        self.nodes = [by_id[id(v)] for v in variables]
        self.end = end


class MetricResult:
    """`metric.result()` of a state-summing metric inside a traced step: the
    value exists only once the loop has run, so the log reads it then."""

    def __init__(self, metric: Any) -> None:
        self.metric = metric

    def resolve(self) -> Any:
        return self.metric.result()


class StepRecorder:
    """Gradient requests, optimizer updates and metric reports of one traced step."""

    def __init__(self, tracer: Any) -> None:
        self.tracer = tracer
        self.requests: list[GradientRequest] = []
        self.applies: list[AppliedUpdate] = []
        # (metric, [graph tensors]): per-batch states summed by the trainer.
        self.reports: list[tuple[Any, list[Any]]] = []

    def gradients(self, target: Any, sources: Any) -> list[Any]:
        """Pending gradients of `target` (graph tensors, summed) for `sources`."""
        targets = [t for t in flatten(target) if isinstance(t, GraphTensor)]
        if not targets:
            return [None for _ in flatten(sources)]
        total = targets[0]
        for t in targets[1:]:
            total = ops_api().add(total, t)
        if total.shape not in ((), None):
            total = ops_api().sum(total)
        variables = flatten(sources)
        for v in variables:
            if not isinstance(v, VariableBase):
                raise EagerStepRequired("a gradient with respect to a tensor, not a variable")
        request = GradientRequest(
            total, variables, [self.tracer._variable_node(v) for v in variables]
        )
        self.requests.append(request)
        pending_tracer = _PendingTracer(self.tracer)
        grads = []
        for v in variables:
            g = PendingGradient(pending_tracer, request, v)
            grads.append(g)
        return grads

    def apply(self, optimizer: Any, grads: Sequence[Any], variables: Sequence[Any]) -> None:
        """`optimizer.apply(grads, variables)` inside the traced step."""
        pairs = [(g, v) for g, v in zip(grads, variables) if g is not None]
        requests = {id(g.request) for g, _ in pairs if isinstance(g, PendingGradient)}
        if len(requests) != 1 or any(
            not isinstance(g, PendingGradient) or g.variable is not v for g, v in pairs
        ):
            raise EagerStepRequired("the optimizer applies gradients changed after the tape")
        request = pairs[0][0].request
        if any(a.request is request for a in self.applies):
            raise EagerStepRequired("the same gradients are applied twice")
        updated = [v for _, v in pairs]
        self.applies.append(AppliedUpdate(optimizer, request, updated, self.tracer.after_update()))

    def report(self, metric: Any, states: Any) -> None:
        """Adds a metric's per-batch states to the step's reports."""
        self.reports.append((metric, list(states)))


def recorder_of(tracer: Any) -> StepRecorder:
    """The tracer's step recorder, made on first use."""
    if tracer.step is None:
        tracer.step = StepRecorder(tracer)
    return tracer.step
