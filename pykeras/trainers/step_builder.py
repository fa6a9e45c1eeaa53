"""Lowering a whole training (or test) step to one Rust graph.

The model's forward pass is traced as for inference; then the targets and
sample weights become graph inputs, the losses, regularization penalties and
metric states are built with `pykeras.ops` on the traced outputs, and the
result is handed to `_core.TrainStep`, which runs it batch after batch.
"""

from pykeras import _core, ops
from pykeras.engine import call_context
from pykeras.engine.tracing import GraphTensor, Tracer, active_tracer
from pykeras.engine.tree import flatten, pack_like


class CompiledStep:
    """A `_core.TrainStep` plus how to read its per-step rows.

    Attributes:
        native: the `_core.TrainStep`.
        output_losses: names logged for each output's loss (several outputs only).
        metrics: the `Metric` objects whose states follow, in order.
        state_counts: how many report nodes each metric has.
        constrained: variables with a constraint (applied after each step).
    """

    def __init__(self, native, output_losses, metrics, state_counts, constrained):
        self.native = native
        self.output_losses = output_losses
        self.metrics = metrics
        self.state_counts = state_counts
        self.constrained = constrained


def _graph_tensor(tracer, value):
    if isinstance(value, GraphTensor):
        return value
    return GraphTensor(tracer, tracer.node_for(value, what="a loss or metric value"), ())


def build_step(
    model,
    x_structure,
    x_specs,
    target_specs,
    with_weights,
    losses,
    metrics,
    output_shapes,
    training,
):
    """Traces one step.

    Args:
        model: the model.
        x_structure: how the flat inputs pack into what `call()` takes.
        x_specs: (name, shape, dtype) per flat model input.
        target_specs: (shape, dtype) per output that has a target, else None.
        with_weights: whether a sample-weight array is fed per output with a target.
        losses: one `LossEntry` or None per output.
        metrics: per output, a list of `Metric`s (with a `weighted` flag attribute).
        output_shapes: the model's flat output shapes.
        training: True for a training step, False for a test step.
    """
    tracer = Tracer(training=training)
    with active_tracer(tracer):
        return _trace_step(
            tracer,
            model,
            x_structure,
            x_specs,
            target_specs,
            with_weights,
            losses,
            metrics,
            output_shapes,
            training,
        )


def _trace_step(
    tracer,
    model,
    x_structure,
    x_specs,
    target_specs,
    with_weights,
    losses,
    metrics,
    output_shapes,
    training,
):
    x_inputs = [tracer.input(name, shape, dtype) for name, shape, dtype in x_specs]
    packed = pack_like(x_structure, x_inputs)
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

    feeds = list(x_inputs)
    targets, weights = [], []
    for i, spec in enumerate(target_specs):
        if spec is None:
            targets.append(None)
            weights.append(None)
            continue
        shape, dtype = spec
        y = tracer.input(f"y{i}", shape, dtype)
        feeds.append(y)
        targets.append(y)
        if with_weights:
            sw = tracer.input(f"sample_weight{i}", (shape[0],))
            feeds.append(sw)
            weights.append(sw)
        else:
            weights.append(None)

    total = None
    output_losses = []
    reports = []
    with call_context.training_scope(training):
        for i, entry in enumerate(losses):
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
        logged_losses = []
        if len(output_losses) > 1:
            for name, value in output_losses:
                logged_losses.append(f"{name}_loss")
                reports.append(value.node)
        flat_metrics, state_counts = [], []
        for i, output_metrics in enumerate(metrics):
            if targets[i] is None:
                continue
            for metric in output_metrics:
                sw = weights[i] if getattr(metric, "_weighted", False) else None
                if not metric._sums_batch_states():
                    # A Keras-style metric: its assign_adds become step updates.
                    metric.update_state(targets[i], flat_outputs[i], sw)
                    flat_metrics.append(metric)
                    state_counts.append(0)
                    continue
                states = metric.batch_state(targets[i], flat_outputs[i], sw)
                nodes = [_graph_tensor(tracer, s).node for s in states]
                reports.extend(nodes)
                flat_metrics.append(metric)
                state_counts.append(len(nodes))

        # Metrics updated inside call() (an endpoint layer's own metric).
        if tracer.step is not None:
            for metric, states in tracer.step.reports:
                nodes = [_graph_tensor(tracer, st).node for st in states]
                reports.extend(nodes)
                if not hasattr(metric, "_log_name"):
                    metric._log_name = metric.name
                flat_metrics.append(metric)
                state_counts.append(len(nodes))

    trainable, constrained = [], []
    if training:
        for v in model.trainable_weights:
            trainable.append(tracer._variable_node(v))
            if getattr(v, "constraint", None) is not None:
                constrained.append(v)
    updates = list(tracer.updates)
    native = _core.TrainStep(
        tracer.graph, [f.node for f in feeds], total.node, reports, trainable, updates
    )
    # Keep the tracer (and with it every variable node) alive with the step.
    native_holder = CompiledStep(native, logged_losses, flat_metrics, state_counts, constrained)
    native_holder.tracer = tracer
    return native_holder
