"""Data helpers: `to_categorical` and `PyDataset` (Keras 2's `Sequence`)."""

from __future__ import annotations

from typing import Any

import numpy as np


def to_categorical(x: Any, num_classes: int | None = None) -> np.ndarray:
    """Class ids as one-hot float32 rows.

    Args:
        x: integer class ids (any shape; a trailing axis of 1 is dropped).
        num_classes: the number of classes (default: max id + 1).
    """
    ids = np.asarray(x)
    if ids.dtype.kind == "f":
        if ids.size and not np.all(ids == np.floor(ids)):
            raise ValueError("to_categorical expects whole-number class ids.")
    elif ids.dtype.kind not in "iub":
        raise TypeError(f"to_categorical expects integer class ids. Received dtype {ids.dtype}.")
    ids = ids.astype(np.int64)
    if ids.ndim > 1 and ids.shape[-1] == 1:
        ids = ids.reshape(ids.shape[:-1])
    if num_classes is None:
        num_classes = int(ids.max()) + 1 if ids.size else 0
    if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
        raise ValueError(
            f"to_categorical: class ids must lie in [0, {num_classes}). "
            f"Received ids from {ids.min()} to {ids.max()}."
        )
    out = np.zeros(ids.shape + (num_classes,), np.float32)
    np.put_along_axis(out, ids[..., None], 1.0, axis=-1)
    return out


class PyDataset:
    """Base class for datasets that produce batches: define `__len__` (the
    number of batches) and `__getitem__(index)` (one batch: `x`, `(x, y)` or
    `(x, y, sample_weight)`); `on_epoch_end` is called after each epoch.

    Args:
        workers, use_multiprocessing, max_queue_size: accepted for Keras
            compatibility; batches are produced in the calling thread.
    """

    def __init__(
        self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10
    ) -> None:
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError

    def on_epoch_end(self) -> None:
        pass

    @property
    def num_batches(self) -> int | None:
        return len(self)


Sequence = PyDataset
