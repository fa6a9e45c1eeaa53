"""`pykeras.distribute.fit`: data-parallel training of a pykeras model on
Ray Train (v2's `DataParallelTrainer`)."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from pykeras.callbacks import History
from pykeras.distribute import checkpoints, ray_data
from pykeras.distribute._ray import require_ray
from pykeras.distribute.collective import TIMEOUT_SECONDS
from pykeras.distribute.data import as_arrays, sample_count
from pykeras.distribute.gloo import backend_config, choose_collective
from pykeras.distribute.loader import check_loader_arguments, check_steps, is_loader
from pykeras.distribute.sharding import shard_rows
from pykeras.distribute.worker import train_worker
from pykeras.errors import InvalidArgumentError
from pykeras.models import Model


@dataclass
class FitResult:
    """What a distributed `fit` returns.

    Attributes:
        model: a model from `build_model` holding the trained weights (and
            optimizer state) of the last checkpoint.
        history: a `History` with the logs of every epoch, aggregated over the
            workers (`history.history["loss"]`, ...).
        checkpoint_path: the directory of the last checkpoint (`model.keras`
            and `state.json`).
        timings: per worker, seconds of the run: `total` (in `fit`),
            `collective` (in all-reduces and the epoch-end exchanges, waiting
            included), `idle` (the waiting part: for the slowest worker to
            arrive), `epoch_sync` (the epoch-end exchange of logs and
            validation), `report` (Ray Train reports and checkpoints).
        dropped_rows: rows of each epoch no worker trained on (see
            `sharding`).
        collective: how the workers exchanged gradients: "gloo" (PyTorch's
            process group) or "ray" (a Ray actor).
    """

    model: Any
    history: History
    checkpoint_path: str
    timings: list[dict[str, float]] = field(default_factory=list)
    dropped_rows: int = 0
    collective: str = "ray"


class DistributedTrainingError(RuntimeError):
    """A distributed `fit` that failed more often than `max_failures` allows:
    the message has the workers' error (also the `__cause__`).

    Attributes:
        checkpoint_path: the run's last checkpoint directory (None if none
            was made): its `model.keras` holds the weights and optimizer state.
    """

    def __init__(self, message: str, checkpoint_path: str | None) -> None:
        super().__init__(message)
        self.checkpoint_path = checkpoint_path


def _last_checkpoint(run_directory: str) -> str | None:
    """The newest checkpoint directory of a run (Ray names them by time)."""
    if not os.path.isdir(run_directory):
        return None
    found = sorted(
        entry
        for entry in os.listdir(run_directory)
        if entry.startswith("checkpoint_")
        and os.path.isfile(os.path.join(run_directory, entry, checkpoints.STATE_FILE))
    )
    return os.path.join(run_directory, found[-1]) if found else None


def _check_model(model: Any) -> None:
    if not isinstance(model, Model):
        raise InvalidArgumentError(
            "pykeras.distribute.fit expected `build_model()` to return a pykeras Model. "
            f"Received: {type(model).__name__}"
        )
    if getattr(model, "_compiled", None) is None or model.optimizer is None:
        raise InvalidArgumentError(
            f"pykeras.distribute.fit expected `build_model()` to return a compiled model "
            f"(with an optimizer). Received: model '{model.name}', not compiled: call "
            "model.compile(optimizer=..., loss=...) in build_model."
        )
    if not model.built or not model.weights:
        raise InvalidArgumentError(
            f"pykeras.distribute.fit expected `build_model()` to return a built model, so "
            f"that rank 0's weights can be sent to every worker. Received: model "
            f"'{model.name}' without weights: start it with keras.Input(shape=...)."
        )


def _batch_sizes(batch_size: Any, global_batch_size: Any, workers: int) -> int:
    """The global batch size from exactly one of the per-worker and global sizes."""
    if (batch_size is None) == (global_batch_size is None):
        raise InvalidArgumentError(
            "pykeras.distribute.fit expected exactly one of `batch_size` (per worker) and "
            f"`global_batch_size`. Received: batch_size={batch_size!r}, "
            f"global_batch_size={global_batch_size!r}"
        )
    size = batch_size if batch_size is not None else global_batch_size
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
        raise InvalidArgumentError(
            f"pykeras.distribute.fit expected a positive int batch size. Received: {size!r}"
        )
    if batch_size is not None:
        return int(batch_size) * workers
    if global_batch_size % workers:
        raise InvalidArgumentError(
            "pykeras.distribute.fit expected `global_batch_size` divisible by `num_workers` "
            f"(each worker takes an equal part of every batch). Received: "
            f"global_batch_size={global_batch_size}, num_workers={workers}"
        )
    return int(global_batch_size)


def _validation(validation_data: Any) -> tuple[Any, int]:
    if validation_data is None:
        return None, 0
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise InvalidArgumentError(
            "pykeras.distribute.fit expected `validation_data` as (x, y) or "
            f"(x, y, sample_weight). Received: {type(validation_data).__name__}"
        )
    parts = [as_arrays(v, "validation_data") for v in validation_data]
    parts += [None] * (3 - len(parts))
    names = ("validation x", "validation y", "validation sample_weight")
    count = sample_count(dict(zip(names, parts)))
    return tuple(parts), count


def fit(
    build_model: Callable[[], Any],
    x: Any,
    y: Any = None,
    *,
    num_workers: int = 2,
    batch_size: int | None = None,
    global_batch_size: int | None = None,
    epochs: int = 1,
    validation_data: Any = None,
    validation_batch_size: int | None = None,
    sample_weight: Any = None,
    callbacks: Any = None,
    shuffle: bool = False,
    cpus_per_worker: float = 1.0,
    threads_per_worker: int | None = None,
    max_failures: int = 0,
    storage_path: str | None = None,
    name: str | None = None,
    keep_checkpoints: int = 2,
    checkpoint_every: int = 1,
    collective: str = "auto",
    steps_per_epoch: int | None = None,
) -> FitResult:
    """Trains the model `build_model()` returns on `num_workers` Ray Train workers.

    Each worker builds the model, takes rank 0's weights, and trains on its
    part of every batch (global batch k is rows `[k*G, (k+1)*G)` of the data;
    worker r takes its r-th slice), its gradients averaged with the others'
    at every step before the optimizer applies them, so W workers at batch b
    take the steps one process takes at batch W*b. At each epoch's end the
    workers sum their metric states, so logs and validation are exact over
    all the data, and rank 0 reports a `.keras` checkpoint to Ray Train; a
    failed worker restarts the run from it (`max_failures` times).

    Args:
        build_model: a function (run on every worker, and once here to check
            it) returning a built, compiled pykeras model.
        x, y, sample_weight: NumPy arrays (or lists/dicts of arrays), as
            `Model.fit` takes them; sent once to Ray's object store. Or `x` a
            Ray Dataset and `y` the name(s) of its label column(s) (the
            other columns are the inputs: a dict by name if several); it is
            materialized in the object store and each worker reads it there.
            Or `x` a function `loader(rank, num_workers)` that each worker
            calls for its own batches (a `PyDataset`, a sequence, a
            generator or an iterable of `(x, y)` / `(x, y, sample_weight)`
            batches; no `y`, `sample_weight` or batch sizes then): the
            workers' batches of a step make its global batch, each
            worker's gradient weighted by its rows (see
            `pykeras.distribute.loader`).
        num_workers: the number of workers.
        batch_size: the batch size of each worker (global: times
            `num_workers`), or `global_batch_size`: the batch size of the
            whole step (divisible by `num_workers`). Exactly one is given.
        epochs: the number of epochs.
        validation_data: `(x, y)` or `(x, y, sample_weight)`; each worker
            evaluates a block of the rows (at `validation_batch_size`,
            default the per-worker batch size).
        callbacks: pykeras callbacks (a list, sent to each worker, or a
            function returning one); they run on every worker and see the
            aggregated epoch logs (batch logs are each worker's own).
        shuffle: shuffle each worker's rows every epoch (the split of rows
            between workers stays fixed).
        cpus_per_worker: the CPUs Ray reserves for each worker.
        threads_per_worker: pykeras's kernel threads on each worker (default:
            `cpus_per_worker`, at least 1).
        max_failures: how many times a failed worker group restarts from the
            last checkpoint.
        storage_path, name: where Ray Train keeps the run (default: Ray's).
        keep_checkpoints: how many checkpoints Ray Train keeps.
        checkpoint_every: rank 0 writes a checkpoint every this many epochs
            (and at the end); a restart resumes after the last one.
        steps_per_epoch: the steps of each epoch (default: all the rows; with
            a loader, the loaders' length, which must be the same on every
            worker).
        collective: how gradients are all-reduced: "gloo" (the PyTorch gloo
            process group Ray Train sets up; needs PyTorch), "ray" (a Ray
            actor and the object store; needs nothing else), or "auto":
            gloo when PyTorch is installed and `num_workers > 1` (it is the
            faster, see docs/distribute.md), else the Ray actor.

    Returns:
        A `FitResult`: the trained model, its `History`, the last checkpoint.
    """
    ray = require_ray("fit")
    if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 1:
        raise InvalidArgumentError(
            f"pykeras.distribute.fit expected a positive int `num_workers`. "
            f"Received: {num_workers!r}"
        )
    for label, value in (("epochs", epochs), ("checkpoint_every", checkpoint_every)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidArgumentError(
                f"pykeras.distribute.fit expected a positive int `{label}`. Received: {value!r}"
            )
    check_steps(steps_per_epoch)
    chosen = choose_collective(collective, num_workers)
    loader = None
    if is_loader(x):
        check_loader_arguments(y, sample_weight, batch_size, global_batch_size)
        # Each worker makes its own batches: no rows to count or split here.
        loader, data, count, global_size = x, None, 0, 0
    elif ray_data.is_dataset(ray, x):
        global_size = _batch_sizes(batch_size, global_batch_size, num_workers)
        if sample_weight is not None:
            raise InvalidArgumentError(
                "pykeras.distribute.fit over a Ray Dataset takes no `sample_weight` array. "
                f"Received: {type(sample_weight).__name__}"
            )
        source, count = ray_data.dataset_source(ray, x, y)
        data = ray.put({"dataset": source})
    else:
        global_size = _batch_sizes(batch_size, global_batch_size, num_workers)
        arrays = tuple(as_arrays(v, n) for v, n in ((x, "x"), (y, "y"), (sample_weight, "sw")))
        count = sample_count(dict(zip(("x", "y", "sample_weight"), arrays)))
        data = ray.put({"arrays": arrays})
    if loader is None and count < num_workers:
        raise InvalidArgumentError(
            f"pykeras.distribute.fit expected at least one sample per worker. Received: "
            f"{count} samples for num_workers={num_workers}"
        )
    validation, validation_count = _validation(validation_data)
    if validation is not None and validation_count < num_workers:
        raise InvalidArgumentError(
            f"pykeras.distribute.fit expected at least one validation sample per worker. "
            f"Received: {validation_count} samples for num_workers={num_workers}"
        )
    if not callable(build_model):
        raise InvalidArgumentError(
            "pykeras.distribute.fit expected `build_model` to be a function returning a "
            f"compiled model. Received: {type(build_model).__name__}"
        )
    model = build_model()
    _check_model(model)
    threads = threads_per_worker or max(1, int(cpus_per_worker))
    config = {
        "build_model": build_model,
        "data": data,
        "count": count,
        "global_batch_size": global_size,
        "validation": None if validation is None else ray.put(validation),
        "validation_count": validation_count,
        "validation_batch_size": validation_batch_size or global_size // num_workers or 32,
        "loader": loader,
        "steps_per_epoch": steps_per_epoch,
        "epochs": epochs,
        "shuffle": bool(shuffle),
        "callbacks": callbacks,
        "threads": threads,
        "checkpoint_every": checkpoint_every,
        "collective": chosen,
    }
    result = _run(ray, config, num_workers, cpus_per_worker, max_failures, storage_path, name,
                  keep_checkpoints)  # fmt: skip
    fitted = _collect(model, result, count, global_size, num_workers)
    fitted.collective = chosen
    return fitted


def _run(
    ray: Any, config: dict[str, Any], workers: int, cpus: float, max_failures: int,
    storage_path: str | None, name: str | None, keep: int,
) -> Any:  # fmt: skip
    from ray.train.v2.api.data_parallel_trainer import (  # optional: the `ray` extra
        DataParallelTrainer,
    )

    train = ray.train
    run_config = train.RunConfig(
        name=name or f"pykeras-fit-{uuid.uuid4().hex[:8]}",
        storage_path=storage_path,
        failure_config=train.FailureConfig(max_failures=max_failures),
        checkpoint_config=train.CheckpointConfig(num_to_keep=max(1, keep)),
    )
    trainer = DataParallelTrainer(
        train_worker,
        train_loop_config=config,
        # gloo: Ray Train starts torch.distributed's process group on every
        # worker before `train_worker` runs (and again after a restart).
        backend_config=backend_config(config["collective"], TIMEOUT_SECONDS),
        scaling_config=train.ScalingConfig(
            num_workers=workers, use_gpu=False, resources_per_worker={"CPU": cpus}
        ),
        run_config=run_config,
    )
    try:
        return trainer.fit()
    except train.TrainingFailedError as error:
        run_directory = os.path.join(os.path.expanduser(str(run_config.storage_path)),
                                     str(run_config.name))  # fmt: skip
        last = _last_checkpoint(run_directory)
        raise DistributedTrainingError(
            f"pykeras.distribute.fit failed (max_failures={max_failures}); last checkpoint: "
            f"{last or 'none'}. The workers' error:\n{error}",
            last,
        ) from error


def _collect(model: Any, result: Any, count: int, global_size: int, workers: int) -> FitResult:
    """The driver's model and history from the run's last checkpoint."""
    with result.checkpoint.as_directory() as directory:
        model.load_weights(os.path.join(directory, checkpoints.MODEL_FILE))
        state = checkpoints.read_state(directory)
    history = History()
    history.set_model(model)
    history.history = {k: list(v) for k, v in state.get("history", {}).items()}
    history.epoch = list(range(len(next(iter(history.history.values()), []))))
    timings = [dict(t) for t in state.get("timings", [])]
    dropped = shard_rows(count, global_size, workers, 0).dropped if global_size else 0
    return FitResult(model, history, result.checkpoint.path, timings, dropped)
