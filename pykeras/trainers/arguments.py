"""Argument checks and small helpers shared by fit, evaluate and predict."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Container, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.trainers import data as data_utils
from pykeras.utils.data_utils import PyDataset

if TYPE_CHECKING:
    from pykeras.callbacks import CallbackList
    from pykeras.trainers.model_protocol import Logs

COMPILE_ARGS = (
    "optimizer",
    "loss",
    "loss_weights",
    "metrics",
    "weighted_metrics",
    "run_eagerly",
    "steps_per_execution",
    "jit_compile",
    "auto_scale_loss",
)
FIT_ARGS = (
    "x",
    "y",
    "batch_size",
    "epochs",
    "verbose",
    "callbacks",
    "validation_split",
    "validation_data",
    "shuffle",
    "class_weight",
    "sample_weight",
    "initial_epoch",
    "steps_per_epoch",
    "validation_steps",
    "validation_batch_size",
    "validation_freq",
)
# Seconds of work per call into Rust while a progress bar is shown: often
# enough for a live bar, rare enough that Python's share stays negligible.
REFRESH_SECONDS = 0.1


def check_kwargs(method: str, kwargs: Iterable[str], known: Iterable[str]) -> None:
    for key in kwargs:
        hint = difflib.get_close_matches(key, known, n=1)
        suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
        raise TypeError(f"{method}() got an unexpected keyword argument '{key}'.{suggestion}")


def resolve_verbose(verbose: int | str) -> int:
    if verbose == "auto":
        return 1 if sys.stdout.isatty() else 2
    if verbose not in (0, 1, 2, True, False):
        raise ValueError(f"verbose must be 'auto', 0, 1 or 2. Received: verbose={verbose!r}")
    return int(verbose)


def format_logs(logs: Logs, return_dict: bool) -> Logs | Any:
    """The logs as evaluate returns them: the dict, its one value, or a list of values."""
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def check_batch_size(batch_size: int | None) -> int:
    if batch_size is None:
        return 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise TypeError(f"batch_size must be an int. Received: batch_size={batch_size!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive. Received: batch_size={batch_size}")
    return int(batch_size)


def is_batch_source(x: object) -> bool:
    if isinstance(x, PyDataset):
        return True
    return hasattr(x, "__next__") and hasattr(x, "__iter__")


def iterate_batches(source: Any, steps: int | None = None) -> Iterator[tuple[Any, Any, Any]]:
    """(x, y, sample_weight) batches of a generator or PyDataset, `steps` of them at most.

    `source` is duck-typed: indexed when it has `__getitem__` and `__len__`
    (a `PyDataset` or a Sequence), else iterated."""
    is_dataset = hasattr(source, "__getitem__") and hasattr(source, "__len__")
    total = len(source) if is_dataset else None
    if steps is not None:
        total = int(steps) if total is None else min(total, int(steps))
    iterator = None if is_dataset else iter(source)
    index = 0
    while total is None or index < total:
        try:
            batch = source[index] if iterator is None else next(iterator)
        except (StopIteration, IndexError):
            return
        yield data_utils.unpack_batch(batch)
        index += 1


def unpack_validation(validation_data: Any) -> tuple[Any, Any, Any]:
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError(
            "validation_data must be a tuple (x_val, y_val) or (x_val, y_val, "
            f"val_sample_weight). Received: {type(validation_data).__name__} of length "
            f"{len(validation_data) if hasattr(validation_data, '__len__') else '?'}"
        )
    if len(validation_data) == 2:
        return validation_data[0], validation_data[1], None
    return validation_data[0], validation_data[1], validation_data[2]


def should_validate(epoch: int, validation_freq: int | Container[int]) -> bool:
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return epoch + 1 in validation_freq


def initial_epoch_of(callbacks: CallbackList, initial_epoch: int) -> int:
    """BackupAndRestore may resume from a later epoch."""
    for cb in callbacks.callbacks:
        restored = getattr(cb, "_initial_epoch_from_backup", None)
        if restored is not None:
            return max(int(restored), initial_epoch)
    return initial_epoch
