"""Lowering a whole training (or test) step to one Rust graph.

The model's forward pass is traced as for inference; then the targets and
sample weights become graph inputs, the losses, regularization penalties and
metric states are built with `pykeras.ops` on the traced outputs, and the
result is handed to `_core.TrainStep`, which runs it batch after batch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from pykeras import _core, ops
from pykeras.engine import call_context
from pykeras.engine.tracing import GraphTensor, Tracer, active_tracer
from pykeras.engine.tree import flatten, pack_like
from pykeras.metrics.metric import Metric
from pykeras.trainers.constraints import trace_constraints

if TYPE_CHECKING:
    from pykeras.trainers.compile_state import OutputMetric
    from pykeras.trainers.model_protocol import TrainedModel
    from pykeras.trainers.prepared import PreparedData

# (shape, dtype) of each output's target, None for an output without one.
TargetSpecs = list[Optional[tuple[tuple[Optional[int], ...], str]]]


class CompiledStep:
    """A `_core.TrainStep` plus how to read the `StepResults` it returns.

    Attributes:
        native: the `_core.TrainStep`.
        output_losses: names logged for each output's loss (several outputs
            only), in the order of `StepResults.output_losses`.
        metrics: `(log name, metric)` for each metric whose result is logged.
        reported_metrics: the metrics whose batch states the step reports, in
            the order of `StepResults.metric_states`.
        constrained: variables whose constraint could not be traced (applied
            in Python after each step; the others run in the loop).
        tracer: the tracer, kept alive (and with it every variable node) with the step.
    """

    eager = False

    def __init__(
        self,
        native: _core.TrainStep,
        output_losses: list[str],
        metrics: list[tuple[str, Metric]],
        reported_metrics: list[Metric],
        constrained: list[Any],
        tracer: Tracer,
    ) -> None:
        self.native = native
        self.output_losses = output_losses
        self.metrics = metrics
        self.reported_metrics = reported_metrics
        self.constrained = constrained
        self.tracer = tracer


def _graph_tensor(tracer: Tracer, value: Any) -> GraphTensor:
    if isinstance(value, GraphTensor):
        return value
    return GraphTensor(tracer, tracer.node_for(value, what="a loss or metric value"), ())


def target_specs(prepared: PreparedData) -> TargetSpecs:
    """`(shape, dtype)` of each output's target (batch axis None), or None."""
    return [None if t is None else ((None,) + t.shape[1:], str(t.dtype)) for t in prepared.targets]


def build_step(
    model: TrainedModel,
    prepared: PreparedData,
    metrics: list[list[OutputMetric]],
    training: bool,
) -> CompiledStep:
    """Traces one step of `model` for data shaped as `prepared`.

    Args:
        model: the model.
        prepared: the data: input specs and structure, targets, whether sample
            weights are fed, the loss of each output and the output shapes.
        metrics: per output, its compiled metrics.
        training: True for a training step, False for a test step.
    """
    tracer = Tracer(training=training)
    with active_tracer(tracer):
        return _trace_step(tracer, model, prepared, metrics, training)


def _trace_step(
    tracer: Tracer,
    model: TrainedModel,
    prepared: PreparedData,
    metrics: list[list[OutputMetric]],
    training: bool,
) -> CompiledStep:
    x_specs, output_shapes = prepared.specs, prepared.output_shapes
    x_inputs = [tracer.input(name, shape, dtype) for name, shape, dtype in x_specs]
    packed = pack_like(prepared.structure, x_inputs)
    with call_context.training_scope(training):
        outputs = model._call_with_training(packed, (), {}, training)
    flat_outputs = flatten(outputs)
    if len(flat_outputs) != len(output_shapes):
        raise ValueError(
            f"Model '{model.name}' returned {len(flat_outputs)} outputs while tracing its "
            f"training step, but {len(output_shapes)} were expected."
        )
    for out, shape in zip(flat_outputs, output_shapes):
        if isinstance(out, GraphTensor):
            out.shape = tuple(shape)

    # Fed as `PreparedData.feeds()` orders the arrays: the inputs, the targets
    # given, then (with sample weights) one weight per target.
    targets: list[GraphTensor | None] = []
    weights: list[GraphTensor | None] = []
    target_feeds, weight_feeds = [], []
    for i, spec in enumerate(target_specs(prepared)):
        if spec is None:
            targets.append(None)
            weights.append(None)
            continue
        shape, dtype = spec
        y = tracer.input(f"y{i}", shape, dtype)
        target_feeds.append(y)
        targets.append(y)
        if prepared.weights is not None:
            sw = tracer.input(f"sample_weight{i}", (shape[0],))
            weight_feeds.append(sw)
            weights.append(sw)
        else:
            weights.append(None)
    feeds = list(x_inputs) + target_feeds + weight_feeds

    total: GraphTensor | None = None
    output_losses: list[tuple[str, GraphTensor]] = []
    with call_context.training_scope(training):
        for i, entry in enumerate(prepared.losses):
            if entry is None or targets[i] is None:
                continue
            value = _graph_tensor(tracer, entry(targets[i], flat_outputs[i], weights[i]))
            output_losses.append((entry.output_name, value))
            weighted = value if entry.weight == 1.0 else value * entry.weight
            total = weighted if total is None else total + weighted
        for v in model.weights:
            regularizer = getattr(v, "regularizer", None)
            if regularizer is not None:
                penalty = _graph_tensor(tracer, regularizer(tracer.variable_tensor(v)))
                total = penalty if total is None else total + penalty
        for added in tracer.losses:
            # `add_loss` in call() (activity regularizers included).
            added = _graph_tensor(tracer, added)
            if added.shape not in ((), None):
                added = _graph_tensor(tracer, ops.sum(added))
            total = added if total is None else total + added
        if total is None:
            raise ValueError(
                f"Model '{model.name}' has no loss to train on: compile() it with a `loss` and "
                "pass targets `y` for the outputs that have one, or add losses in the model "
                "with `self.add_loss(...)`."
            )
        logged_losses: list[str] = []
        output_loss_nodes: list[int] = []
        if len(output_losses) > 1:
            for name, value in output_losses:
                logged_losses.append(f"{name}_loss")
                output_loss_nodes.append(value.node)
        logged_metrics: list[tuple[str, Metric]] = []
        reported_metrics: list[Metric] = []
        metric_states: list[list[int]] = []
        for i, output_metrics in enumerate(metrics):
            if targets[i] is None:
                continue
            for compiled_metric in output_metrics:
                metric = compiled_metric.metric
                metric_weight = weights[i] if compiled_metric.weighted else None
                logged_metrics.append((compiled_metric.log_name, metric))
                if not metric._sums_batch_states():
                    # A Keras-style metric: its assign_adds become step updates.
                    metric.update_state(targets[i], flat_outputs[i], metric_weight)
                    continue
                states = metric.batch_state(targets[i], flat_outputs[i], metric_weight)
                nodes = [_graph_tensor(tracer, s).node for s in states]
                if nodes:
                    reported_metrics.append(metric)
                    metric_states.append(nodes)

        # Metrics updated inside call() (an endpoint layer's own metric).
        if tracer.step is not None:
            for metric, states in tracer.step.reports:
                nodes = [_graph_tensor(tracer, st).node for st in states]
                logged_metrics.append((metric.name, metric))
                if nodes:
                    reported_metrics.append(metric)
                    metric_states.append(nodes)

    trainable: list[int] = []
    constrained: list[Any] = []
    phases: list[_core.StepPhase] = []
    if training:
        variables = list(model.trainable_weights)
        trainable = [tracer._variable_node(v) for v in variables]
        constraints, constrained = trace_constraints(tracer, variables)
        phases.append(_core.StepPhase(total.node, trainable, constraints=constraints))
    updates = list(tracer.updates)
    native = _core.TrainStep(
        tracer.graph,
        [f.node for f in feeds],
        total.node,
        phases,
        updates,
        output_losses=output_loss_nodes,
        metric_states=metric_states,
    )
    return CompiledStep(
        native, logged_losses, logged_metrics, reported_metrics, constrained, tracer
    )
