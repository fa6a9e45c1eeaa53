"""What each Ray Train worker runs: build the model, start from rank 0's
weights (or the last checkpoint), train on its rows with gradients
all-reduced at every step, and agree on the logs at every epoch's end."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import numpy.typing as npt

from pykeras import config as pykeras_config
from pykeras.callbacks import Callback
from pykeras.distribute import checkpoints, ray_data
from pykeras.distribute._ray import require_ray
from pykeras.distribute.collective import Collectives, connect
from pykeras.distribute.data import take_rows
from pykeras.distribute.loader import RowWeightedAverager, loader_batches
from pykeras.distribute.metric_sync import aggregate_logs
from pykeras.distribute.sharding import shard_rows, validation_rows


class GradientAverager:
    """The gradient hook: each worker's gradients, weighted by its share of
    the step's global batch, summed over the workers.

    Attributes:
        comm: the collectives of the run.
        weights: per step of an epoch, this worker's share of the batch.
    """

    def __init__(self, comm: Collectives, weights: npt.NDArray[np.float64]) -> None:
        self.comm = comm
        self.weights = weights
        # Steps seen per optimizer update (a step with several optimizers
        # calls the hook once per update, `update_index` telling which).
        self.calls: dict[int, int] = {}

    def __call__(self, update_index: int, flat: npt.NDArray[np.float32]) -> Any:
        seen = self.calls.get(update_index, 0)
        self.calls[update_index] = seen + 1
        weight = np.float32(self.weights[seen % len(self.weights)])
        return self.comm.all_reduce(flat * weight)


class EpochSync(Callback):
    """First of each worker's callbacks: at an epoch's end, replaces the
    worker's logs by those of all workers (train metrics, then validation on
    each worker's block of the validation rows), reports them to Ray Train
    with rank 0's checkpoint, so the callbacks after it see the same logs on
    every worker."""

    def __init__(
        self, comm: Collectives, state: dict[str, Any], validation: Any, checkpoint_every: int
    ) -> None:
        super().__init__()
        self.checkpoint_every = checkpoint_every
        self.comm = comm
        self.state = state
        self.validation = validation

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is None:
            return
        started = time.time()
        # The waiting of the epoch's all-reduces (gloo learns it here).
        self.comm.settle()
        logs.update(aggregate_logs(self.model, self.comm, logs))
        if self.validation is not None:
            logs.update(self._validate())
        ray = require_ray("fit")
        history = self.state.setdefault("history", {})
        for key, value in logs.items():
            history.setdefault(key, []).append(value)
        self.state["epoch"] = epoch
        metrics = {"epoch": epoch, **{k: v for k, v in logs.items() if isinstance(v, float)}}
        self.state["sync_seconds"] = self.state.get("sync_seconds", 0.0) + (time.time() - started)
        # Every worker reports every epoch (a barrier); rank 0 adds a
        # checkpoint every `checkpoint_every` epochs.
        write = self.comm.rank == 0 and (epoch + 1) % self.checkpoint_every == 0
        checkpoints.report(ray, self.model, self.state, metrics, write)

    def _validate(self) -> dict[str, Any]:
        vx, vy, vsw, batch_size = self.validation
        model = self.model
        # Every worker has validation rows (`fit` checks there are enough).
        local = model.evaluate(
            vx, vy, sample_weight=vsw, batch_size=batch_size, verbose=0, return_dict=True
        )
        logs = aggregate_logs(model, self.comm, local)
        return {f"val_{k}": v for k, v in logs.items()}


def _training_data(
    ray: Any, config: dict[str, Any], comm: Collectives, model: Any
) -> dict[str, Any]:
    """This worker's part of the data, as `Model.fit` arguments, with the
    gradient hook and the sample offsets set on the model's step runner."""
    runner = model._trainer.runner
    rank, world = comm.rank, comm.world
    if config.get("loader") is not None:
        batches = loader_batches(config["loader"], comm, config["steps_per_epoch"], runner)
        if world > 1:
            runner.gradient_hook = RowWeightedAverager(comm, batches)
        return {"x": batches}
    data = ray.get(config["data"])
    if "dataset" in data:
        x, y, sample_weight = ray_data.read_source(ray, data["dataset"])
    else:
        x, y, sample_weight = data["arrays"]
    shard = shard_rows(config["count"], config["global_batch_size"], world, rank)
    if world > 1:
        # (One worker has nothing to exchange: its loop runs without a hook.)
        runner.gradient_hook = GradientAverager(comm, shard.weights)
    # Dropout and random augmentation draw each sample's numbers from its
    # place in the step's global batch, so the run does not depend on the
    # worker count (in a last, smaller global batch this worker's rows start
    # elsewhere: one offset per step).
    runner.sample_offset = shard.offsets.tolist()
    return {
        "x": take_rows(x, shard.rows),
        "y": take_rows(y, shard.rows),
        "sample_weight": take_rows(sample_weight, shard.rows),
        "batch_size": shard.local_batch_size,
        "steps_per_epoch": config["steps_per_epoch"],
    }


def train_worker(config: dict[str, Any]) -> None:
    """The training function of every worker (Ray Train's `train_loop_per_worker`)."""
    ray = require_ray("fit")
    context = ray.train.get_context()
    rank, world = context.get_world_rank(), context.get_world_size()
    if config["threads"]:
        pykeras_config.set_num_threads(int(config["threads"]))
    comm = connect(config["collective"], rank, world)
    model = config["build_model"]()
    state = checkpoints.restore(ray, model)
    # Identical start: every worker takes rank 0's weights (after a restart,
    # every worker has read the same checkpoint, which this keeps).
    model.set_weights(comm.broadcast(model.get_weights()))
    fit_data = _training_data(ray, config, comm, model)
    validation = None
    if config["validation"] is not None:
        vx, vy, vsw = ray.get(config["validation"])
        rows = validation_rows(config["validation_count"], world, rank)
        validation = (
            take_rows(vx, rows),
            take_rows(vy, rows),
            take_rows(vsw, rows),
            config["validation_batch_size"],
        )
    callbacks = config["callbacks"]
    callbacks = list(callbacks() if callable(callbacks) else callbacks or [])
    sync = EpochSync(comm, state, validation, config["checkpoint_every"])
    # The time split covers `fit` only (not the start-up exchanges).
    comm.reset_timings()
    started = time.time()
    model.fit(
        **fit_data,
        epochs=config["epochs"],
        initial_epoch=int(state.get("epoch", -1)) + 1,
        shuffle=config["shuffle"],
        verbose=0,
        callbacks=[sync, *callbacks],
    )
    # The time split of this run, gathered for the driver's result.
    comm.settle()
    timings = {
        "total": time.time() - started,
        "collective": comm.seconds,
        "idle": comm.idle_seconds,
        "epoch_sync": state.get("sync_seconds", 0.0),
        "report": state.get("report_seconds", 0.0),
    }
    state["timings"] = comm.all_gather(timings)
    checkpoints.report(ray, model, state, {"done": 1.0}, rank == 0, final=True)
