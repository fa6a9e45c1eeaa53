"""All-reduce, all-gather and broadcast between the workers of one run
through the torch.distributed gloo process group that Ray Train sets up
(`ray.train.torch.TorchConfig(backend="gloo")` as the trainer's backend
config), when PyTorch is installed.

PyTorch is optional (it is large, and no extra installs it): `fit` chooses
this path when `torch` is importable and falls back on the Ray actor of
`collective.py` otherwise. Measured on the 2-core machine of the benchmarks
(`benches/allreduce.py`, 2 Ray Train workers), gloo all-reduces the seeds'
MLP and CNN gradients (1.3-1.6 MB) 3-4x as fast as the actor (1.2-1.5 ms
against 4.4-5.1 ms), whose every call goes through Ray's task machinery and
object store (docs/distribute.md).
"""

from __future__ import annotations

import importlib.util
import time
from typing import Any

import numpy as np
import numpy.typing as npt

from pykeras.errors import InvalidArgumentError

COLLECTIVES = ("auto", "gloo", "ray")


def torch_installed() -> bool:
    """Whether PyTorch (with torch.distributed) can be imported here."""
    return importlib.util.find_spec("torch") is not None


def choose_collective(requested: str, workers: int) -> str:
    """The collective a run uses: "gloo" or "ray" as `requested`, or for
    "auto" gloo when PyTorch is installed and there is anything to exchange
    (more than one worker), else the Ray actor."""
    if requested not in COLLECTIVES:
        raise InvalidArgumentError(
            f"pykeras.distribute.fit expected `collective` to be one of {COLLECTIVES}. "
            f"Received: {requested!r}"
        )
    if requested == "gloo" and not torch_installed():
        raise ImportError(
            'pykeras.distribute.fit(collective="gloo") needs PyTorch, which is not '
            'installed (pip install torch); collective="ray" needs nothing else.'
        )
    if requested == "auto":
        return "gloo" if workers > 1 and torch_installed() else "ray"
    return requested


def backend_config(collective: str, timeout_seconds: float) -> Any:
    """Ray Train's backend config for `collective`: torch's gloo process
    group for "gloo" (set up on every worker before the training function
    runs), None (Ray Train's default, no process group) for "ray"."""
    if collective != "gloo":
        return None
    from ray.train.torch import TorchConfig  # optional: the `ray` extra and PyTorch

    return TorchConfig(backend="gloo", timeout_s=int(timeout_seconds))


class GlooCommunicator:
    """One worker's end of the collectives of a run, on torch.distributed's
    default (gloo) process group.

    Attributes:
        rank: this worker's rank.
        world: the number of workers.
        seconds: time spent in collectives, waiting for the others included.
        idle_seconds: the part of `seconds` spent waiting for the last worker
            to arrive, known after `settle()`.
    """

    def __init__(self, rank: int, world: int) -> None:
        import torch  # optional dependency: PyTorch, for its gloo process group
        import torch.distributed as dist  # optional dependency: PyTorch

        if not dist.is_initialized():
            raise RuntimeError(
                "pykeras.distribute's gloo collective found no torch.distributed process "
                "group: the trainer must run with ray.train.torch.TorchConfig(backend='gloo')."
            )
        if (dist.get_rank(), dist.get_world_size()) != (rank, world):
            raise RuntimeError(
                f"The gloo process group has rank {dist.get_rank()} of "
                f"{dist.get_world_size()}; Ray Train says rank {rank} of {world}."
            )
        self._torch = torch
        self._dist = dist
        self.rank = rank
        self.world = world
        self.seconds = 0.0
        self.idle_seconds = 0.0
        # (arrival, duration) of each collective since the last `settle()`:
        # the waiting is known once every worker's arrivals are.
        self._stamps: list[tuple[float, float]] = []

    def _timed(self, started: float) -> None:
        elapsed = time.time() - started
        self.seconds += elapsed
        self._stamps.append((started, elapsed))

    def all_reduce(self, values: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """The elementwise sum of every worker's `values` (float32), the
        same bits on every worker (gloo reduces each chunk once and sends it
        to all). The sum is written into `values` when it is a C-contiguous
        float32 array."""
        if self.world == 1:
            return values
        values = np.ascontiguousarray(values, np.float32)
        # The tensor shares `values`' memory: the sum lands there, no copy.
        tensor = self._torch.from_numpy(values)
        # Wall-clock time, as the actor path: comparable across processes.
        started = time.time()
        self._dist.all_reduce(tensor)
        self._timed(started)
        return values

    def all_gather(self, value: Any) -> list[Any]:
        """Every worker's `value` (any picklable object), by rank."""
        if self.world == 1:
            return [value]
        gathered: list[Any] = [None] * self.world
        started = time.time()
        self._dist.all_gather_object(gathered, value)
        self._timed(started)
        return gathered

    def broadcast(self, value: Any) -> Any:
        """Rank 0's `value` on every worker."""
        if self.world == 1:
            return value
        box = [value if self.rank == 0 else None]
        started = time.time()
        self._dist.broadcast_object_list(box, src=0)
        self._timed(started)
        return box[0]

    def reset_timings(self) -> None:
        """Forgets the time spent so far (call on every worker)."""
        self.seconds = self.idle_seconds = 0.0
        self._stamps.clear()

    def settle(self) -> None:
        """Adds the waiting of the collectives since the last call to
        `idle_seconds`: for each, the time from this worker's arrival to the
        last worker's (at most the collective's duration). A collective
        itself: call on every worker at the same point."""
        if self.world == 1:
            return
        mine = np.asarray(self._stamps, np.float64).reshape(-1, 2)
        self._stamps = []
        gathered: list[Any] = [None] * self.world
        self._dist.all_gather_object(gathered, mine[:, 0])
        last = np.max(np.stack(gathered), axis=0)
        waits = np.minimum(np.maximum(last - mine[:, 0], 0.0), mine[:, 1])
        self.idle_seconds += float(np.sum(waits))
