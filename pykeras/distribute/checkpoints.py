"""Checkpoints of a distributed `fit`: an ordinary `.keras` file (the model
and its optimizer state) and `state.json` (the last finished epoch, the logs
so far), reported through Ray Train's checkpoint API by rank 0 at every
epoch's end."""

from __future__ import annotations

import json
import os
import tempfile
import time
from types import ModuleType
from typing import Any

MODEL_FILE = "model.keras"
STATE_FILE = "state.json"


def report(
    ray: ModuleType,
    model: Any,
    state: dict[str, Any],
    metrics: dict[str, Any],
    write: bool,
    final: bool = False,
) -> None:
    """Reports `metrics` to Ray Train; with `write` (rank 0), with a checkpoint
    of `model` and `state`. Every worker calls it (Ray Train's report is a
    barrier)."""
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="pykeras-checkpoint-") as directory:
        checkpoint = None
        if write:
            model.save(os.path.join(directory, MODEL_FILE))
            with open(os.path.join(directory, STATE_FILE), "w") as f:
                json.dump({**state, "final": final}, f, default=_jsonable)
            checkpoint = ray.train.Checkpoint.from_directory(directory)
        ray.train.report(metrics, checkpoint=checkpoint)
    state["report_seconds"] = state.get("report_seconds", 0.0) + time.time() - started


def restore(ray: ModuleType, model: Any) -> dict[str, Any]:
    """The state of the run's last checkpoint (weights and optimizer state
    loaded into `model`), or a fresh state when the run starts."""
    checkpoint = ray.train.get_checkpoint()
    if checkpoint is None:
        return {}
    with checkpoint.as_directory() as directory:
        model.load_weights(os.path.join(directory, MODEL_FILE))
        with open(os.path.join(directory, STATE_FILE)) as f:
            state: dict[str, Any] = json.load(f)
    # The timings are those of this attempt only.
    for key in ("final", "timings", "report_seconds", "sync_seconds"):
        state.pop(key, None)
    state["restored_from_epoch"] = state.get("epoch")
    return state


def read_state(directory: str) -> dict[str, Any]:
    """`state.json` of the checkpoint in `directory`."""
    with open(os.path.join(directory, STATE_FILE)) as f:
        result: dict[str, Any] = json.load(f)
    return result


def _jsonable(value: Any) -> Any:
    """NumPy values (a metric result per class) as JSON lists and numbers."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"Cannot write {type(value).__name__} to a checkpoint's state.json")
