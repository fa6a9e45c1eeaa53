"""The default bodies of Keras 3's overridable step methods: `train_step`,
`test_step`, `predict_step`, `compute_loss`, `compute_metrics`, and the
model's metric list.

`Model`'s methods of these names call these functions; a user's override of
the method replaces them. They are the Keras defaults written with
`pykeras.ops` and `GradientTape`. An override runs once on graph tensors
(the tape's gradients and the optimizer update then run inside the Rust
loop), or op by op with `run_eagerly=True`; see `pykeras.trainers.custom_step`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pykeras import ops
from pykeras.engine.tape import GradientTape
from pykeras.engine.tree import flatten
from pykeras.layers.layer_utils import _all_sublayers
from pykeras.metrics.metric import Metric

if TYPE_CHECKING:
    from pykeras.trainers.compile_state import CompileState
    from pykeras.trainers.model_protocol import Logs, TrainedModel


def unpack_x_y_sample_weight(data: Any) -> tuple[Any, Any, Any]:
    """`(x, y, sample_weight)` from a step's `data`, as Keras unpacks it."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`. "
        f"Received: a tuple of {len(data)} elements"
    )


def compiled_state(model: TrainedModel, method: str) -> CompileState:
    """The model's `CompileState`; raises if `compile()` was not called."""
    compiled = model._compiled
    if compiled is None:
        raise RuntimeError(
            f"You must call `compile()` before using the model in `{method}()`. "
            "For example: model.compile(optimizer='adam', loss='mse')."
        )
    return compiled


def train_step(model: TrainedModel, data: Any) -> Logs:
    """Keras's default `train_step`: forward under a tape, `compute_loss`, one
    optimizer update, then `compute_metrics`."""
    compiled = compiled_state(model, "train_step")
    x, y, sample_weight = unpack_x_y_sample_weight(data)
    with GradientTape() as tape:
        y_pred = model(x, training=True)
        loss = model.compute_loss(
            x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True
        )
    compiled.loss_tracker.update_state(loss)
    variables = model.trainable_variables
    grads = tape.gradient(loss, variables)
    if model.optimizer is None:
        raise ValueError(f"Model '{model.name}' was compiled without an optimizer to train with.")
    model.optimizer.apply(grads, variables)
    return model.compute_metrics(x, y, y_pred, sample_weight=sample_weight)


def test_step(model: TrainedModel, data: Any) -> Logs:
    """Keras's default `test_step`: forward, `compute_loss`, `compute_metrics`."""
    compiled = compiled_state(model, "test_step")
    x, y, sample_weight = unpack_x_y_sample_weight(data)
    y_pred = model(x, training=False)
    loss = model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False)
    compiled.loss_tracker.update_state(loss)
    return model.compute_metrics(x, y, y_pred, sample_weight=sample_weight)


def predict_step(model: TrainedModel, data: Any) -> Any:
    """Keras's default `predict_step`: the model's outputs for the batch's inputs."""
    x, _, _ = unpack_x_y_sample_weight(data)
    return model(x, training=False)


def compute_loss(model: TrainedModel, y: Any, y_pred: Any, sample_weight: Any) -> Any:
    """Keras's default `compute_loss`: the compiled losses of the outputs that
    have targets (times their weights), plus the losses layers added."""
    total = None
    compiled = model._compiled
    if compiled is not None and compiled.loss is not None and y is not None:
        entries = compiled.loss_entries(model._output_names_for_compile() or ["output"])
        flat_y, flat_pred = flatten(y), flatten(y_pred)
        flat_sw = flatten(sample_weight) if sample_weight is not None else []
        if len(flat_sw) == 1 and len(flat_y) > 1:
            flat_sw = flat_sw * len(flat_y)
        for i, entry in enumerate(entries):
            if entry is None or i >= len(flat_y) or flat_y[i] is None:
                continue
            sw = flat_sw[i] if i < len(flat_sw) else None
            value = entry(flat_y[i], flat_pred[i], sw)
            value = value if entry.weight == 1.0 else ops.multiply(value, entry.weight)
            total = value if total is None else ops.add(total, value)
    for extra in model.losses:
        total = extra if total is None else ops.add(total, extra)
    if total is None:
        raise ValueError(
            f"No loss to compute for model '{model.name}'. Provide a `loss` argument in "
            "`compile()`, or add losses in the model with `self.add_loss(...)`."
        )
    return total


def compute_metrics(model: TrainedModel, y: Any, y_pred: Any, sample_weight: Any) -> Logs:
    """Keras's default `compute_metrics`: updates the compiled metrics of the
    outputs that have targets, then returns `model.get_metrics_result()`."""
    compiled = model._compiled
    output_metrics = (compiled.output_metrics if compiled is not None else None) or []
    flat_y, flat_pred = flatten(y), flatten(y_pred)
    flat_sw = flatten(sample_weight) if sample_weight is not None else []
    for i, entries in enumerate(output_metrics):
        if i >= len(flat_y) or flat_y[i] is None:
            continue
        sw = flat_sw[i] if i < len(flat_sw) else (flat_sw[0] if flat_sw else None)
        for entry in entries:
            entry.metric.update_state(flat_y[i], flat_pred[i], sw if entry.weighted else None)
    return model.get_metrics_result()


def metrics_result(model: TrainedModel) -> Logs:
    """The current result of each metric in `model.metrics`, as a dict (a
    metric whose result is a dict adds each of its entries)."""
    compiled = model._compiled
    logs: Logs = {}
    for metric in model.metrics:
        result = metric.result()
        if isinstance(result, dict):
            logs.update(result)
        else:
            name = compiled.log_name(metric) if compiled is not None else metric.name
            logs[name] = result
    return logs


def model_metrics(model: TrainedModel) -> list[Metric]:
    """The loss tracker, the compiled metrics, then metrics held by the model
    and its layers (`Metric` attributes)."""
    compiled = model._compiled
    found = compiled.compiled_metrics() if compiled is not None else []
    for layer in [model] + list(_all_sublayers(model)):
        for value in vars(layer).values():
            for leaf in flatten(value) if isinstance(value, (list, tuple)) else [value]:
                if isinstance(leaf, Metric) and not any(leaf is m for m in found):
                    found.append(leaf)
    return found


def metrics_names(model: TrainedModel, last_logs_keys: list[str] | None) -> list[str]:
    """The names of `model.metrics` (after training: the keys of the last logs)."""
    if last_logs_keys:
        return list(last_logs_keys)
    compiled = model._compiled
    names = [compiled.log_name(m) if compiled is not None else m.name for m in model.metrics]
    return names or ["loss"]
