"""Which rows each worker trains on, so that W workers at a local batch of b
take exactly the steps one process takes at a global batch of W * b.

Global batch k holds rows `[k * G, (k + 1) * G)` (G the global batch size);
worker r trains on its r-th slice of it, so every worker runs the same number
of steps and, with gradients averaged with each worker's share of the batch as
weight, the update equals the one-process update. A last, incomplete global
batch of m rows is split as evenly as possible (sizes differ by one at most);
with fewer rows than workers (m < W) it is dropped, since some worker would
have nothing to run its step on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Shard:
    """One worker's rows of an epoch and the weight of its gradient at each step.

    Attributes:
        rows: the row indices, in training order (int64).
        weights: per step, this worker's rows of the step over the step's
            global rows (the weight of its gradient in the all-reduced sum).
        offsets: per step, the place of this worker's first row in the
            step's global batch (dropout and random augmentation key each
            sample's draws by it).
        local_batch_size: the batch size the worker's `fit` runs at.
        dropped: how many final rows no worker trains on.
    """

    rows: npt.NDArray[np.int64]
    weights: npt.NDArray[np.float64]
    offsets: npt.NDArray[np.int64]
    local_batch_size: int
    dropped: int


def tail_sizes(rows: int, world: int) -> list[int]:
    """`rows` split over `world` workers, the first ones taking one more."""
    base, extra = divmod(rows, world)
    return [base + (1 if r < extra else 0) for r in range(world)]


def shard_rows(count: int, global_batch_size: int, world: int, rank: int) -> Shard:
    """Worker `rank`'s rows of `count` rows trained at `global_batch_size`.

    Example:

    >>> shard_rows(10, 4, 2, 1).rows.tolist()
    [2, 3, 6, 7, 9]
    """
    if world <= 0 or not 0 <= rank < world:
        raise ValueError(f"shard_rows expected 0 <= rank < world. Received: {rank=}, {world=}")
    if global_batch_size % world:
        raise ValueError(
            f"The global batch size must be divisible by the worker count. Received: "
            f"global_batch_size={global_batch_size}, workers={world}"
        )
    local = global_batch_size // world
    full, tail = divmod(count, global_batch_size)
    starts = np.arange(full, dtype=np.int64)[:, None] * global_batch_size + rank * local
    rows = (starts + np.arange(local, dtype=np.int64)[None, :]).reshape(-1)
    weights = [local / global_batch_size] * full
    offsets = [rank * local] * full
    dropped = 0
    if tail >= world:
        sizes = tail_sizes(tail, world)
        offsets.append(sum(sizes[:rank]))
        first = full * global_batch_size + offsets[-1]
        rows = np.concatenate([rows, np.arange(first, first + sizes[rank], dtype=np.int64)])
        weights.append(sizes[rank] / tail)
    else:
        dropped = tail
    return Shard(
        rows, np.asarray(weights, np.float64), np.asarray(offsets, np.int64), local, dropped
    )


def validation_rows(count: int, world: int, rank: int) -> npt.NDArray[np.int64]:
    """Worker `rank`'s contiguous block of `count` validation rows (metric
    states are summed across workers, so any split gives the exact result)."""
    return np.array_split(np.arange(count, dtype=np.int64), world)[rank]
