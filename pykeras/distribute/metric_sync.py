"""Exact metrics across workers: every metric's state is summed over the
workers (as Keras's `tf.distribute` sums metric variables), then the result
is computed once from the sums, so a mean is the mean over every sample,
never an average of per-worker averages."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras.distribute.collective import Collectives
from pykeras.metrics import Metric


def _local_states(metric: Metric) -> Any:
    """What a metric adds up: its batch-state sums (built-in metrics, None
    before any batch) or the values of its variables (custom metrics)."""
    if metric._sums_batch_states():
        states = metric._states
        return None if states is None else [np.asarray(s, np.float64) for s in states]
    return [np.asarray(v.numpy(), np.float64) for v in metric.variables]


def _set_summed(metric: Metric, per_worker: list[Any]) -> None:
    present = [states for states in per_worker if states is not None]
    if not present:
        return
    summed = [sum(parts) for parts in zip(*present)]
    if metric._sums_batch_states():
        metric._states = summed
        return
    for variable, value in zip(metric.variables, summed):
        variable.assign(np.asarray(value, variable.dtype))


def _sample_count(model: Any) -> float:
    """The samples the loss tracker has seen on this worker."""
    compiled = model._compiled
    states = None if compiled is None else compiled.loss_tracker._states
    return 0.0 if states is None else float(np.sum(states[1]))


def aggregate_logs(model: Any, comm: Collectives, local_logs: dict[str, Any]) -> dict[str, Any]:
    """The logs of all workers' data from each worker's metric states and logs.

    Every metric in `model.metrics` is summed across workers (its state is
    replaced by the sum); a logged value no metric reports (a per-output loss)
    is the mean of the workers' values weighted by their sample counts, which
    is exact for the sample means losses are. Call on every worker.
    """
    metrics = model.metrics
    payload = {
        "states": [_local_states(m) for m in metrics],
        "count": _sample_count(model),
        "logs": {k: v for k, v in local_logs.items() if isinstance(v, float)},
    }
    gathered = comm.all_gather(payload)
    for index, metric in enumerate(metrics):
        _set_summed(metric, [g["states"][index] for g in gathered])
    result = {k: _pythonify(v) for k, v in model.get_metrics_result().items()}
    total = sum(g["count"] for g in gathered)
    logs: dict[str, Any] = {}
    for key, value in local_logs.items():
        if key in result:
            logs[key] = result[key]
        elif total > 0 and all(key in g["logs"] for g in gathered):
            logs[key] = sum(g["logs"][key] * g["count"] for g in gathered) / total
        else:
            logs[key] = value
    return logs


def _pythonify(value: Any) -> Any:
    array = np.asarray(value)
    return float(array) if array.ndim == 0 else array
