"""The loss and metrics of a model on data, batch by batch in Rust: the
body of `evaluate`, of `test_on_batch` and of fit's validation."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pykeras.trainers.arguments import iterate_batches
from pykeras.trainers.prepared import PreparedData, prepare
from pykeras.trainers.step_runner import StepRunner
from pykeras.trainers.steps import compiled_state

if TYPE_CHECKING:
    from pykeras.callbacks.callback_list import CallbackList
    from pykeras.trainers.model_protocol import Logs


def evaluate_prepared(
    runner: StepRunner,
    prepared: PreparedData,
    batch_size: int,
    callbacks: CallbackList | None = None,
    steps: int | None = None,
) -> Logs:
    """The logs of test steps over prepared arrays, `steps` batches at most."""
    step = runner.step(prepared, training=False)
    tracker = runner.new_tracker(step)
    total_steps = math.ceil(prepared.count / batch_size)
    if steps is not None:
        total_steps = min(total_steps, int(steps))
    per_batch = callbacks is not None and callbacks.needs_batch_hooks("test")
    if callbacks is not None:
        callbacks.on_test_begin()
    done = 0
    chunk = 1 if per_batch else max(total_steps, 1)
    while done < total_steps:
        n = min(chunk, total_steps - done)
        if callbacks is not None and per_batch:
            callbacks.on_test_batch_begin(done)
        results = runner.run(step, prepared, False, None, batch_size, done, n, 0)
        runner.accumulate(tracker, step, results)
        done += max(len(results), 1)
        logs = runner.logs(tracker, step)
        if callbacks is not None:
            callbacks.on_test_batch_end(done - 1, logs)
        if len(results) == 0:
            break
    logs = runner.logs(tracker, step)
    if callbacks is not None:
        callbacks.on_test_end(logs)
    return logs


def evaluate_batches(runner: StepRunner, source: Any, steps: int | None) -> Logs:
    """The logs of test steps over a generator or PyDataset: one Rust call per batch."""
    compiled = compiled_state(runner.model, "evaluate")
    tracker, step, logs = None, None, {}
    for bx, by, bsw in iterate_batches(source, steps):
        prepared = prepare(runner.model, compiled, bx, by, bsw, None)
        step = runner.step(prepared, training=False)
        if tracker is None:
            tracker = runner.new_tracker(step)
        results = runner.run(step, prepared, False, None, max(prepared.count, 1), 0, 1, 0)
        runner.accumulate(tracker, step, results)
        logs = runner.logs(tracker, step)
    if tracker is None:
        raise ValueError("evaluate() received a generator that yielded no batches.")
    return logs
