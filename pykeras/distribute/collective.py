"""All-reduce, all-gather and broadcast between the workers of one run,
through a Ray actor and the object store (no PyTorch needed): the path
`fit` falls back on when PyTorch is not installed (`gloo.py` is the other).

Rank 0 starts a `Rendezvous` actor (no CPU reserved: it only waits) and hands
its name to the others with Ray Train's `broadcast_from_rank_zero`. Every
worker makes the same collective calls in the same order, so the n-th call of
each worker meets the n-th call of the others under the same key. The actor
lives as long as rank 0's process: when Ray Train restarts a failed group,
the new group makes a new one.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from pykeras.distribute._ray import require_ray
from pykeras.distribute.gloo import GlooCommunicator

# A collective nobody completes within this time fails the worker (so a run
# never hangs: Ray Train then restarts the group or ends the run).
TIMEOUT_SECONDS = 600.0
# Gradients at least this large travel by object-store reference (measured on
# 2 processes: 1.6 MB in 6 ms that way against 8.5 ms through the actor, 4 KB
# in 1.7 ms through the actor against 4 ms by reference).
BY_REFERENCE_BYTES = 256 * 1024


class Collectives(Protocol):
    """What a worker's end of the run's collectives offers (`Communicator`,
    on a Ray actor, or `gloo.GlooCommunicator`, on torch.distributed)."""

    rank: int
    world: int
    seconds: float
    idle_seconds: float

    def all_reduce(self, values: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]: ...

    def all_gather(self, value: Any) -> list[Any]: ...

    def broadcast(self, value: Any) -> Any: ...

    def reset_timings(self) -> None: ...

    def settle(self) -> None: ...


def connect(collective: str, rank: int, world: int) -> Collectives:
    """This worker's end of the run's collectives: "gloo" (the process group
    Ray Train set up) or "ray" (the rendezvous actor). Call on every worker."""
    if collective == "gloo":
        return GlooCommunicator(rank, world)
    return Communicator.connect(rank, world)


class Rendezvous:
    """Actor body: collects one contribution per worker under a key, then
    hands every worker the combination ("sum", "gather" or "first")."""

    def __init__(self, world: int) -> None:
        self.world = world
        self.pending: dict[int, dict[str, Any]] = {}

    async def meet(self, key: int, rank: int, value: Any, op: str) -> Any:
        entry = self.pending.get(key)
        if entry is None:
            entry = {"values": [None] * self.world, "seen": 0, "taken": 0}
            entry["event"] = asyncio.Event()
            self.pending[key] = entry
        entry["values"][rank] = value
        entry["seen"] += 1
        if entry["seen"] == self.world:
            # When the last worker arrived: the others waited (idle) until then.
            entry["result"] = (_combine(entry["values"], op), time.time())
            entry["event"].set()
        else:
            await entry["event"].wait()
        entry["taken"] += 1
        if entry["taken"] == self.world:
            del self.pending[key]
        return entry["result"]


def _combine(values: list[Any], op: str) -> Any:
    if op == "sum":
        # In rank order, in float32 (for two workers the correctly rounded sum).
        total = np.array(values[0], np.float32)
        for v in values[1:]:
            np.add(total, v, out=total)
        return total
    if op == "first":
        return values[0]
    return values


class Communicator:
    """One worker's end of the collectives of a run.

    Attributes:
        rank: this worker's rank.
        world: the number of workers.
        seconds: time spent in collectives, waiting for the others included.
        idle_seconds: the part of `seconds` spent waiting for the last worker
            to arrive (the rest is the exchange itself).
    """

    def __init__(self, actor: Any, rank: int, world: int) -> None:
        self.actor = actor
        self.rank = rank
        self.world = world
        self.seconds = 0.0
        self.idle_seconds = 0.0
        self._key = 0
        self._last_meet = 0.0

    @classmethod
    def connect(cls, rank: int, world: int) -> Communicator:
        """Joins (rank 0: starts) the run's rendezvous; call on every worker."""
        ray = require_ray("fit")
        from ray.train.collective import broadcast_from_rank_zero  # optional: `ray` extra

        name = None
        actor = None
        if rank == 0:
            name = f"pykeras-rendezvous-{uuid.uuid4().hex}"
            actor = (
                ray.remote(num_cpus=0, max_concurrency=max(64, 4 * world))(Rendezvous)
                .options(name=name)
                .remote(world)
            )
        name = broadcast_from_rank_zero(name)
        if actor is None:
            actor = ray.get_actor(name)
        return cls(actor, rank, world)

    def _meet(self, value: Any, op: str) -> Any:
        ray = require_ray("fit")
        # Wall-clock time: the actor stamps the last arrival with the same clock
        # (exact on one machine; across machines, as good as their clock sync).
        started = time.time()
        self._key += 1
        ref = self.actor.meet.remote(self._key, self.rank, value, op)
        try:
            result, last_arrival = ray.get(ref, timeout=TIMEOUT_SECONDS)
        finally:
            self._last_meet = time.time() - started
            self.seconds += self._last_meet
        self.idle_seconds += min(max(0.0, last_arrival - started), time.time() - started)
        return result

    def all_reduce(self, values: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """The elementwise sum of every worker's `values` (float32), added in
        rank order on every worker (so every worker has the same bits)."""
        if self.world == 1:
            return values
        values = np.asarray(values, np.float32)
        if values.nbytes < BY_REFERENCE_BYTES:
            return np.asarray(self._meet(values, "sum"), np.float32)
        ray = require_ray("fit")
        started = time.time()
        # The arrays go through the object store (shared memory on one node);
        # the actor only swaps their references, so it never copies data.
        mine = ray.put(values)
        refs = self._meet([mine], "gather")
        arrays = ray.get([r[0] for r in refs], timeout=TIMEOUT_SECONDS)
        total = np.array(arrays[0], np.float32)
        for array in arrays[1:]:
            np.add(total, array, out=total)
        self.seconds += time.time() - started - self._last_meet
        return total

    def all_gather(self, value: Any) -> list[Any]:
        """Every worker's `value` (any picklable object), by rank."""
        if self.world == 1:
            return [value]
        return list(self._meet(value, "gather"))

    def broadcast(self, value: Any) -> Any:
        """Rank 0's `value` on every worker."""
        if self.world == 1:
            return value
        return self._meet(value if self.rank == 0 else None, "first")

    def reset_timings(self) -> None:
        """Forgets the time spent so far."""
        self.seconds = self.idle_seconds = 0.0

    def settle(self) -> None:
        """Nothing to do: the actor stamps each collective's last arrival,
        so `idle_seconds` is always up to date."""
