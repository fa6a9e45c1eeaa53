"""Per-worker data loaders for `pykeras.distribute.fit`.

Instead of arrays or a Ray Dataset, `fit` can take a function
`loader(rank, num_workers)` that each worker calls to make its own batches
(reading its files, say): a `PyDataset`, a Sequence, a generator or any
iterable of `x`, `(x, y)` or `(x, y, sample_weight)` batches. The workers'
batches of a step together form the step's global batch; since a batch's
size is known only when it arrives, each worker's gradient is weighted by
its rows in the all-reduce (`RowWeightedAverager`), so the update is the
one-process update on the union of the step's batches whatever their sizes.
Every worker must run the same number of steps per epoch (the all-reduces
pair up step by step): `steps_per_epoch`, or the length every worker's
loader has (they are checked to agree).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Callable

import numpy as np
import numpy.typing as npt

from pykeras import tree
from pykeras.distribute.collective import Collectives
from pykeras.errors import InvalidArgumentError
from pykeras.trainers.data import unpack_batch
from pykeras.utils.data_utils import PyDataset


def is_loader(x: Any) -> bool:
    """Whether `fit`'s `x` is a per-worker loader function (arrays, lists,
    dicts and Ray Datasets are not callable)."""
    return callable(x) and not hasattr(x, "__array__")


def check_steps(steps: Any) -> None:
    """`steps_per_epoch` is None or a positive int."""
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 1):
        raise InvalidArgumentError(
            f"pykeras.distribute.fit expected a positive int `steps_per_epoch`. Received: {steps!r}"
        )


def check_loader_arguments(
    y: Any, sample_weight: Any, batch_size: Any, global_batch_size: Any
) -> None:
    """What a loader run refuses, on the driver before any worker starts."""
    given = {
        "y": y,
        "sample_weight": sample_weight,
        "batch_size": batch_size,
        "global_batch_size": global_batch_size,
    }
    extra = [name for name, value in given.items() if value is not None]
    if extra:
        raise InvalidArgumentError(
            "pykeras.distribute.fit with a per-worker loader takes its batches (and their "
            f"targets and sizes) from the loader, so it takes no {', '.join(extra)}. "
            f"Received: {', '.join(f'{n}={type(given[n]).__name__}' for n in extra)}"
        )


def _rows(batch: Any) -> int:
    """The samples in one batch (the first dimension of its inputs)."""
    x, _, _ = unpack_batch(batch)
    leaves = [leaf for leaf in tree.flatten(x) if leaf is not None]
    if not leaves or np.ndim(leaves[0]) == 0:
        raise InvalidArgumentError(
            "pykeras.distribute.fit expected the loader's batches to hold arrays with a "
            f"sample dimension. Received: {type(x).__name__}"
        )
    return len(leaves[0])


class LoaderBatches(PyDataset):
    """A worker's loader as the `PyDataset` its `Model.fit` runs over:
    `steps` batches per epoch, taken by index from an indexable source (so
    every epoch, and a resumed run, starts at its first batch) or in turn
    from an iterable one (which then continues across epochs). Remembers the
    rows of the batch it last handed out, for the gradient's weight.

    Args:
        source: what the loader returned.
        steps: batches per epoch.
        rank: this worker's rank (dropout keys its masks by `rank * rows`).
        runner: the model's step runner, whose `sample_offset` is set per batch.
    """

    def __init__(self, source: Any, steps: int, rank: int, runner: Any) -> None:
        super().__init__()
        self.source = source
        self.steps = steps
        self.rank = rank
        self.runner = runner
        self.indexed = hasattr(source, "__getitem__") and hasattr(source, "__len__")
        self.iterator: Iterator[Any] = iter(()) if self.indexed else iter(source)
        self.rows = 0

    def __len__(self) -> int:
        return self.steps

    def __getitem__(self, index: int) -> Any:
        if self.indexed:
            batch = self.source[index]
        else:
            try:
                batch = next(self.iterator)
            except StopIteration:
                raise InvalidArgumentError(
                    f"pykeras.distribute.fit: worker {self.rank}'s loader ran out of batches "
                    f"before the epoch's {self.steps} steps; every worker must run every "
                    "step. Give the loader more batches or a smaller `steps_per_epoch`."
                ) from None
        self.rows = _rows(batch)
        # With batches of equal size on every worker, sample i of this
        # worker's batch is sample rank * rows + i of the step's global batch.
        self.runner.sample_offset = self.rank * self.rows
        return batch

    def on_epoch_end(self) -> None:
        if hasattr(self.source, "on_epoch_end"):
            self.source.on_epoch_end()


def loader_batches(
    loader: Callable[[int, int], Any], comm: Collectives, steps: int | None, runner: Any
) -> LoaderBatches:
    """Worker `comm.rank`'s batches from `loader`, with the steps per epoch
    every worker agrees on."""
    source = loader(comm.rank, comm.world)
    if not (hasattr(source, "__getitem__") and hasattr(source, "__len__")) and not hasattr(
        source, "__iter__"
    ):
        raise InvalidArgumentError(
            "pykeras.distribute.fit expected the loader to return a PyDataset, a sequence "
            f"or an iterable of batches. Received: {type(source).__name__} on worker "
            f"{comm.rank}"
        )
    length = len(source) if hasattr(source, "__len__") else None
    lengths = comm.all_gather(length)
    if steps is None:
        if any(n is None for n in lengths) or len(set(lengths)) > 1:
            raise InvalidArgumentError(
                "pykeras.distribute.fit expected every worker's loader to have the same "
                "number of batches, or `steps_per_epoch`: the workers' all-reduces pair up "
                f"step by step. Received: batches per worker {lengths}"
            )
        steps = int(lengths[0])
    if steps < 1:
        raise InvalidArgumentError(
            f"pykeras.distribute.fit expected the loaders to have batches. Received: {lengths}"
        )
    return LoaderBatches(source, steps, comm.rank, runner)


class RowWeightedAverager:
    """The gradient hook of a loader run: each worker's gradient times its
    rows in this step, summed over the workers with the rows, then divided
    by the step's total rows (the mean gradient over the global batch,
    whatever the sizes of the workers' batches)."""

    def __init__(self, comm: Collectives, batches: LoaderBatches) -> None:
        self.comm = comm
        self.batches = batches

    def __call__(self, update_index: int, flat: npt.NDArray[np.float32]) -> Any:
        rows = np.float32(self.batches.rows)
        buffer = np.empty(flat.size + 1, np.float32)
        np.multiply(flat.reshape(-1), rows, out=buffer[:-1])
        buffer[-1] = rows
        total = self.comm.all_reduce(buffer)
        return (total[:-1] / total[-1]).astype(np.float32, copy=False)
