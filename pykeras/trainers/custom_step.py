"""Running an overridden `train_step` / `test_step` (or `compute_loss`,
`compute_metrics`) in `fit` and `evaluate`.

The override is traced once on graph tensors. Each `optimizer.apply` of a
tape's gradients becomes a phase of a `_core.TrainStep` (its loss, trainable
variables, optimizer and traced constraints; a GAN's two optimizers make two
phases, the second reading the variables the first updated), so the Rust
loop keeps running whole epochs; metric states and the scalars of the
returned logs become the step's reports. A step that needs Python in between
(gradients changed before the update) or `run_eagerly=True` runs the
override op by op on each batch, with the eager `GradientTape`; a step that
cannot be traced for another reason says why in a warning and runs op by op.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from pykeras import _core
from pykeras.engine import call_context
from pykeras.engine.step_trace import EagerStepRequired, MetricResult, recorder_of
from pykeras.engine.tracing import GraphTensor, Tracer, active_tracer
from pykeras.engine.tree import pack_like
from pykeras.metrics.metric import Metric
from pykeras.trainers.constraints import apply_in_python, trace_constraints
from pykeras.trainers.step_results import EagerLogs, RunningLogs, sum_state

if TYPE_CHECKING:
    from pykeras.optimizers.optimizer import Optimizer
    from pykeras.trainers.model_protocol import Logs, TrainedModel
    from pykeras.trainers.prepared import PreparedData

# How one log of the step is read: ("metric", Metric) from `metric.result()`,
# ("last", i) the last step's value of `StepResults.logged[i]`, or
# ("value", float) a constant.
LogEntry = tuple[str, str, Any]


def flatten_logs(logs: Any, method: str) -> dict[str, Any]:
    """The logs a step returned, flattened one level of dicts; refuses non-dicts."""
    if not isinstance(logs, dict):
        raise TypeError(
            f"`{method}` must return a dict of metric names to scalar values, e.g. "
            f"`{{'loss': loss}}`. Received: {type(logs).__name__} {logs!r:.80}"
        )
    flat: dict[str, Any] = {}
    for key, value in logs.items():
        if isinstance(value, dict):
            flat.update(flatten_logs(value, method))
        else:
            flat[str(key)] = value
    return flat


def _scalar_error(method: str, name: str, value: Any) -> TypeError:
    shape = getattr(value, "shape", None)
    return TypeError(
        f"`{method}` must return scalar values; the log '{name}' is not one. "
        f"Received: {type(value).__name__} of shape {shape}"
    )


class CustomStep:
    """A step override: traced into a native step, or run op by op.

    Attributes:
        native: the `_core.TrainStep` (None when the step runs eagerly).
        optimizer: the first optimizer the step updates with (None for none).
        optimizers: every optimizer the step updates with, in the order its
            phases name them, each with the variables it updates.
        metric_reports: the metrics whose states the step reports, in the order
            of `StepResults.metric_states`.
        logs: how each of the step's logs is read (see `LogEntry`).
        tracer: the tracer, kept alive with the step.
        method: `"train_step"` or `"test_step"`.
        variables: the variables the optimizers update.
        constrained: variables whose constraint runs in Python after each
            step (it could not be traced).
    """

    def __init__(
        self,
        native: _core.TrainStep | None,
        optimizer: Optimizer | None,
        metric_reports: list[Metric],
        logs: list[LogEntry],
        tracer: Tracer | None,
        method: str,
        variables: list[Any] | None = None,
        optimizers: list[tuple[Optimizer, list[Any]]] | None = None,
        constrained: list[Any] | None = None,
    ) -> None:
        self.native = native
        self.optimizer = optimizer
        self.optimizers = optimizers or []
        self.constrained = constrained or []
        self.metric_reports = metric_reports
        self.logs = logs
        self.tracer = tracer
        self.method = method
        self.eager = native is None
        self.variables = variables or []

    @classmethod
    def run_eagerly(cls, method: str) -> CustomStep:
        """A step that runs the override op by op on each batch."""
        return cls(None, None, [], [], None, method)


def build_custom_step(model: TrainedModel, prepared: PreparedData, training: bool) -> CustomStep:
    """Traces `model.train_step` (or `test_step`) for `prepared`'s data."""
    method = "train_step" if training else "test_step"
    if model.run_eagerly:
        return CustomStep.run_eagerly(method)
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
    try:
        with active_tracer(tracer), call_context.training_scope(training):
            logs = getattr(model, method)(data)
    except EagerStepRequired:
        # Python between the step's parts by design (gradients changed
        # before the update): op by op, as Keras runs it under `jit_compile=False`.
        return CustomStep.run_eagerly(method)
    except (TypeError, ValueError) as e:
        # Code that needs values (an `ops.ones((batch, 1))` with the batch
        # known at run time only, NumPy on a tensor): op by op, where a real
        # error in it surfaces as raised. Said, so a slow fit is explained.
        warnings.warn(
            f"`{type(model).__name__}.{method}` could not be compiled into one graph "
            f"({type(e).__name__}: {e}); it runs op by op on each batch, which is slower. "
            "Pass `run_eagerly=True` to compile() to choose that and silence this warning.",
            RuntimeWarning,
            stacklevel=2,
        )
        return CustomStep.run_eagerly(method)
    # What the step returned is checked as written (a non-dict log is the
    # user's error, not a reason to run op by op).
    flat = flatten_logs(logs, method)
    metric_states: list[list[int]] = []
    metric_reports: list[Metric] = []
    log_entries: list[LogEntry] = []
    logged: list[int] = []
    for metric, states in recorder.reports:
        metric_states.append([_node(tracer, s) for s in states])
        metric_reports.append(metric)
    for name, value in flat.items():
        log_entries.append(_log_entry(tracer, method, name, value, logged))
    if training and recorder.requests and not recorder.applies:
        # Gradients taken but not applied by an optimizer in the step.
        return CustomStep.run_eagerly(method)
    phases: list[_core.StepPhase] = []
    optimizers: list[tuple[Optimizer, list[Any]]] = []
    in_python: list[Any] = []
    variables: list[Any] = []
    for update in recorder.applies if training else []:
        index = next((i for i, (o, _) in enumerate(optimizers) if o is update.optimizer), None)
        if index is None:
            optimizers.append((update.optimizer, []))
            index = len(optimizers) - 1
        known = {id(v) for v in optimizers[index][1]}
        optimizers[index][1].extend(v for v in update.variables if id(v) not in known)
        variables.extend(update.variables)
        constraints, untraced = trace_constraints(tracer, update.variables)
        in_python.extend(untraced)
        phases.append(
            _core.StepPhase(
                update.request.target.node,
                update.nodes,
                optimizer=index,
                constraints=constraints,
                end=update.end,
            )
        )
    loss = phases[0].loss if phases else tracer.graph.constant(np.zeros((), np.float32))
    updates = list(tracer.updates)
    native = _core.TrainStep(
        tracer.graph,
        [f.node for f in feeds],
        loss,
        phases,
        updates,
        metric_states=metric_states,
        logged=logged,
    )
    first = optimizers[0][0] if optimizers else None
    return CustomStep(
        native, first, metric_reports, log_entries, tracer, method, variables, optimizers,
        in_python,
    )  # fmt: skip


def _pack_data(x: Any, ys: list[Any], sws: list[Any]) -> Any:
    if not ys:
        return x if not isinstance(x, (list, tuple)) else (x,)
    y = ys[0] if len(ys) == 1 else list(ys)
    if not sws:
        return (x, y)
    return (x, y, sws[0] if len(sws) == 1 else list(sws))


def _node(tracer: Tracer, value: Any) -> int:
    if isinstance(value, GraphTensor) and value.tracer is tracer:
        return int(value.node)
    return int(tracer.node_for(value, what="a metric state"))


def _log_entry(tracer: Tracer, method: str, name: str, value: Any, logged: list[int]) -> LogEntry:
    if isinstance(value, MetricResult):
        return (name, "metric", value.metric)
    if isinstance(value, GraphTensor):
        if value.tracer is not tracer:
            raise _scalar_error(method, name, value)
        spec = tracer.graph.spec(value.node)
        if spec is not None and int(np.prod([d or 2 for d in spec[0]])) != 1:
            raise _scalar_error(method, name, value)
        logged.append(value.node)
        return (name, "last", len(logged) - 1)
    if isinstance(value, (int, float, np.number)) or (
        isinstance(value, np.ndarray) and value.size == 1
    ):
        return (name, "value", float(np.asarray(value)))
    raise _scalar_error(method, name, value)


# ---------------------------------------------------------------- running


def run_custom(
    model: TrainedModel,
    step: CustomStep,
    prepared: PreparedData,
    training: bool,
    order: npt.NDArray[np.int64] | None,
    batch_size: int,
    first: int,
    steps: int,
    seed: int,
    global_step: int,
    gradient_hook: Callable[[int, np.ndarray], np.ndarray] | None = None,
    sample_offset: int = 0,
) -> _core.StepResults | list[EagerLogs]:
    """Runs `steps` steps; returns their `StepResults` or, eagerly, each step's logs."""
    if step.native is None:
        return _run_eagerly(model, step, prepared, training, order, batch_size, first, steps)
    data = prepared.feeds()
    if training and step.optimizer is not None:
        if order is None:
            order = np.arange(prepared.count, dtype=np.int64)
        natives = [opt._native(variables) for opt, variables in step.optimizers]
        results = step.native.train(
            data, order, batch_size, first, steps, seed, global_step, False, natives,
            gradient_hook, sample_offset,
        )  # fmt: skip
        apply_in_python(step.constrained)
        return results
    if order is not None and not np.array_equal(order, np.arange(len(order))):
        data = [np.ascontiguousarray(a[order]) for a in data]
    return step.native.test(data, batch_size, first, steps)


def _run_eagerly(
    model: TrainedModel,
    step: CustomStep,
    prepared: PreparedData,
    training: bool,
    order: npt.NDArray[np.int64] | None,
    batch_size: int,
    first: int,
    steps: int,
) -> list[EagerLogs]:
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
        with call_context.training_scope(training):
            logs = flatten_logs(method(_pack_data(x, ys, sws)), step.method)
        results.append({name: _eager_value(step.method, name, v) for name, v in logs.items()})
    return results


def _eager_value(method: str, name: str, value: Any) -> float:
    if isinstance(value, MetricResult):
        value = value.resolve()
    array = np.asarray(value, dtype=np.float64)
    if array.size != 1:
        raise _scalar_error(method, name, value)
    return float(array.reshape(()))


def accumulate_custom(
    tracker: RunningLogs, step: CustomStep, results: _core.StepResults | list[EagerLogs]
) -> None:
    """Adds a chunk of steps to the tracker (metric states, last values)."""
    if isinstance(results, list):
        if results:
            tracker.eager = results[-1]
        tracker.count += len(results)
        return
    if len(results) == 0:
        return
    tracker.count += len(results)
    for metric, states in zip(step.metric_reports, results.metric_states):
        metric.add_states([sum_state(s) for s in states])
    tracker.last = {i: float(values[-1]) for i, values in enumerate(results.logged)}


def custom_logs(tracker: RunningLogs, step: CustomStep) -> Logs:
    """The logs after the steps so far."""
    if step.eager:
        return dict(tracker.eager)
    logs: Logs = {}
    for name, kind, payload in step.logs:
        if kind == "metric":
            logs[name] = float(np.asarray(payload.result()))
        elif kind == "last":
            logs[name] = tracker.last.get(payload, float("nan"))
        else:
            logs[name] = payload
    return logs
