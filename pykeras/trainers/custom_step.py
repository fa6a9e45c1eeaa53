"""Running an overridden `train_step` / `test_step` (or `compute_loss`,
`compute_metrics`) in `fit` and `evaluate`.

The override is traced once on graph tensors. A tape's gradients and one
`optimizer.apply` become the loss and trainable variables of a
`_core.TrainStep`, so the Rust loop keeps running whole epochs; metric
states and the scalars of the returned logs become per-step reports. A
step that needs Python in between (gradients changed before the update,
several optimizers) or `run_eagerly=True` runs the override op by op on each
batch, with the eager `GradientTape`.
"""

import numpy as np

from pykeras import _core
from pykeras.engine import call_context
from pykeras.engine.step_trace import EagerStepRequired, MetricResult, recorder_of
from pykeras.engine.tracing import GraphTensor, Tracer, active_tracer
from pykeras.engine.tree import pack_like
from pykeras.trainers.steps import StepMethods

STEP_METHODS = ("train_step", "test_step", "compute_loss", "compute_metrics")


def overrides_steps(model, training):
    """Whether `model` overrides a step method `fit`/`evaluate` would run."""
    names = ("train_step" if training else "test_step", "compute_loss", "compute_metrics")
    return any(getattr(type(model), n) is not getattr(StepMethods, n) for n in names)


def flatten_logs(logs, method):
    """The logs a step returned, flattened one level of dicts; refuses non-dicts."""
    if not isinstance(logs, dict):
        raise TypeError(
            f"`{method}` must return a dict of metric names to scalar values, e.g. "
            f"`{{'loss': loss}}`. Received: {type(logs).__name__} {logs!r:.80}"
        )
    flat = {}
    for key, value in logs.items():
        if isinstance(value, dict):
            flat.update(flatten_logs(value, method))
        else:
            flat[str(key)] = value
    return flat


def _scalar_error(method, name, value):
    shape = getattr(value, "shape", None)
    return TypeError(
        f"`{method}` must return scalar values; the log '{name}' is not one. "
        f"Received: {type(value).__name__} of shape {shape}"
    )


class CustomStep:
    """A traced step override: the native step plus how to read its rows.

    Attributes:
        native: the `_core.TrainStep` (None when the step runs eagerly).
        optimizer: the optimizer the step updates with (None for none).
        metric_reports: (metric, number of report nodes) in report order.
        logs: (name, kind, payload): kind "metric" (read `metric.result()`),
            "last" (report column of the last step) or "value" (a constant).
    """

    constrained = ()

    def __init__(self, native, optimizer, metric_reports, logs, tracer, method):
        self.native = native
        self.optimizer = optimizer
        self.metric_reports = metric_reports
        self.logs = logs
        self.tracer = tracer
        self.method = method
        self.eager = native is None
        self.variables = []


def build_custom_step(model, prepared, training):
    """Traces `model.train_step` (or `test_step`) for `prepared`'s data."""
    method = "train_step" if training else "test_step"
    if model.run_eagerly:
        return CustomStep(None, None, [], [], None, method)
    tracer = Tracer(training=training)
    recorder = recorder_of(tracer)
    feeds = [tracer.input(name, shape, dtype) for name, shape, dtype in prepared.specs]
    x = pack_like(prepared.structure, list(feeds))
    ys, sws = [], []
    for i, t in enumerate(prepared.targets):
        if t is None:
            continue
        y = tracer.input(f"y{i}", (None,) + t.shape[1:], str(t.dtype))
        feeds.append(y)
        ys.append(y)
    if prepared.weights is not None:
        for i, t in enumerate(prepared.targets):
            if t is not None:
                sw = tracer.input(f"sample_weight{i}", (None,))
                feeds.append(sw)
                sws.append(sw)
    data = _pack_data(x, ys, sws)
    model._prepared_losses = prepared.losses
    try:
        with active_tracer(tracer), call_context.training_scope(training):
            logs = getattr(model, method)(data)
            flat = flatten_logs(logs, method)
            reports, metric_reports, log_entries = [], [], []
            for metric, states in recorder.reports:
                nodes = [_node(tracer, s) for s in states]
                reports.extend(nodes)
                metric_reports.append((metric, len(nodes)))
            for name, value in flat.items():
                log_entries.append(_log_entry(tracer, method, name, value, reports))
    except (EagerStepRequired, TypeError, ValueError):
        # Python between the step's parts, or code that needs values (an
        # `ops.ones((batch, 1))` with the batch known at run time only): the
        # step runs op by op, where a real error in it surfaces as raised.
        return CustomStep(None, None, [], [], None, method)
    finally:
        model._prepared_losses = None
    optimizer, trainable, loss = None, [], None
    if training and recorder.applies:
        optimizer, request, variables = recorder.applies[0]
        loss = request.target.node
        trainable = [tracer._variable_node(v) for v in variables]
    elif training and recorder.requests:
        # Gradients taken but not applied by an optimizer in the step.
        return CustomStep(None, None, [], [], None, method)
    if loss is None:
        loss = tracer.graph.constant(np.zeros((), np.float32))
    updates = list(tracer.updates)
    native = _core.TrainStep(
        tracer.graph, [f.node for f in feeds], loss, reports, trainable, updates
    )
    step = CustomStep(native, optimizer, metric_reports, log_entries, tracer, method)
    step.variables = list(recorder.applies[0][2]) if recorder.applies else []
    return step


def _pack_data(x, ys, sws):
    if not ys:
        return x if not isinstance(x, (list, tuple)) else (x,)
    y = ys[0] if len(ys) == 1 else list(ys)
    if not sws:
        return (x, y)
    return (x, y, sws[0] if len(sws) == 1 else list(sws))


def _node(tracer, value):
    if isinstance(value, GraphTensor) and value.tracer is tracer:
        return value.node
    return tracer.node_for(value, what="a metric state")


def _log_entry(tracer, method, name, value, reports):
    if isinstance(value, MetricResult):
        return (name, "metric", value.metric)
    if isinstance(value, GraphTensor):
        if value.tracer is not tracer:
            raise _scalar_error(method, name, value)
        spec = tracer.graph.spec(value.node)
        if spec is not None and int(np.prod([d or 2 for d in spec[0]])) != 1:
            raise _scalar_error(method, name, value)
        reports.append(value.node)
        return (name, "last", len(reports) - 1)
    if isinstance(value, (int, float, np.number)) or (
        isinstance(value, np.ndarray) and value.size == 1
    ):
        return (name, "value", float(np.asarray(value)))
    raise _scalar_error(method, name, value)


# ---------------------------------------------------------------- running


def run_custom(model, step, prepared, training, order, batch_size, first, steps, seed):
    """Runs `steps` steps; returns (rows, widths) or, eagerly, a list of logs."""
    if step.eager:
        return _run_eagerly(model, step, prepared, training, order, batch_size, first, steps)
    data = list(prepared.x) + [t for t in prepared.targets if t is not None]
    if prepared.weights is not None:
        data += [
            w if w is not None else np.ones(prepared.count, np.float32)
            for w, t in zip(prepared.weights, prepared.targets)
            if t is not None
        ]
    if training and step.optimizer is not None:
        native_opt = step.optimizer._native(step.variables)
        rows, widths = step.native.train(
            data, order, batch_size, first, steps, seed, model._global_step, False, native_opt
        )
        model._global_step += len(rows)
        for v in step.variables:
            if getattr(v, "constraint", None) is not None:
                v.assign(v.constraint(v.numpy()))
    else:
        if order is not None and not np.array_equal(order, np.arange(len(order))):
            data = [np.ascontiguousarray(a[order]) for a in data]
        rows, widths = step.native.test(data, batch_size, first, steps)
    return rows, widths


def _run_eagerly(model, step, prepared, training, order, batch_size, first, steps):
    """The override op by op on each batch (`run_eagerly=True`, or a step
    that needs Python between its parts)."""
    n = prepared.count
    order = np.arange(n) if order is None else order
    results = []
    method = getattr(model, step.method)
    for k in range(first, first + steps):
        rows = order[k * batch_size : (k + 1) * batch_size]
        if len(rows) == 0:
            break
        x = pack_like(prepared.structure, [a[rows] for a in prepared.x])
        ys = [t[rows] for t in prepared.targets if t is not None]
        sws = []
        if prepared.weights is not None:
            sws = [
                (w if w is not None else np.ones(n, np.float32))[rows]
                for w, t in zip(prepared.weights, prepared.targets)
                if t is not None
            ]
        model._prepared_losses = prepared.losses
        try:
            with call_context.training_scope(training):
                logs = flatten_logs(method(_pack_data(x, ys, sws)), step.method)
        finally:
            model._prepared_losses = None
        results.append({name: _eager_value(step.method, name, v) for name, v in logs.items()})
    return results, None


def _eager_value(method, name, value):
    if isinstance(value, MetricResult):
        value = value.resolve()
    array = np.asarray(value, dtype=np.float64)
    if array.size != 1:
        raise _scalar_error(method, name, value)
    return float(array.reshape(()))


def accumulate_custom(tracker, step, rows, widths):
    """Adds a chunk of steps to the tracker (metric states, last values)."""
    if widths is None:
        if rows:
            tracker["eager"] = rows[-1]
        tracker["count"] += len(rows)
        return
    if len(rows) == 0:
        return
    tracker["count"] += len(rows)
    col, report = 2, 0
    for metric, count in step.metric_reports:
        states = []
        for _ in range(count):
            w = widths[report]
            block = rows[:, col : col + w]
            states.append(block.sum(axis=0).reshape(-1) if w > 1 else block[:, 0].sum())
            col += w
            report += 1
        metric.add_states(states)
    starts = []
    for w in widths[report:]:
        starts.append(col)
        col += w
    tracker["last"] = {i: float(rows[-1, c]) for i, c in enumerate(starts)}


def custom_logs(tracker, step):
    """The logs after the steps so far."""
    if step.eager:
        return dict(tracker.get("eager", {}))
    logs = {}
    base = sum(c for _, c in step.metric_reports)
    for name, kind, payload in step.logs:
        if kind == "metric":
            logs[name] = float(np.asarray(payload.result()))
        elif kind == "last":
            logs[name] = tracker.get("last", {}).get(payload - base, float("nan"))
        else:
            logs[name] = payload
    return logs
