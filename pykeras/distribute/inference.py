"""`pykeras.distribute.predict`: a model's predictions over a Ray Dataset,
with Ray Data's `map_batches` on a pool of actors that each load the model
once."""

from __future__ import annotations

import os
import tempfile
from typing import Any

import numpy as np

from pykeras import config as pykeras_config
from pykeras.distribute._ray import require_ray
from pykeras.errors import InvalidArgumentError
from pykeras.models import Model
from pykeras.saving import load_model

OUTPUT_PREFIX = "pykeras_output_"


class Predictor:
    """The body of each Ray Data actor: loads the model from the bytes of a
    `.keras` file once, then predicts batch after batch."""

    def __init__(
        self, model_bytes: bytes, column: str, batch_size: int, threads: int, custom: Any
    ) -> None:
        pykeras_config.set_num_threads(threads)
        with tempfile.TemporaryDirectory(prefix="pykeras-predict-") as directory:
            path = os.path.join(directory, "model.keras")
            with open(path, "wb") as f:
                f.write(model_bytes)
            self.model = load_model(path, custom_objects=custom)
        self.column = column
        self.batch_size = batch_size

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        outputs = self.model.predict(batch[self.column], batch_size=self.batch_size, verbose=0)
        if isinstance(outputs, dict):
            outputs = [outputs[k] for k in sorted(outputs)]
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        return {f"{OUTPUT_PREFIX}{i}": np.asarray(o) for i, o in enumerate(outputs)}


def _model_bytes(model: Any) -> bytes:
    """The bytes of a `.keras` file of `model` (a Model or a file's path)."""
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        if not os.path.isfile(path):
            raise InvalidArgumentError(
                f"pykeras.distribute.predict expected an existing .keras file. Received: {path!r}"
            )
        with open(path, "rb") as f:
            return f.read()
    if not isinstance(model, Model):
        raise InvalidArgumentError(
            "pykeras.distribute.predict expected a pykeras Model or the path of a .keras "
            f"file. Received: {type(model).__name__}"
        )
    with tempfile.TemporaryDirectory(prefix="pykeras-predict-") as directory:
        path = os.path.join(directory, "model.keras")
        model.save(path)
        with open(path, "rb") as f:
            return f.read()


def _column(dataset: Any, column: str | None) -> str:
    names = list(dataset.columns())
    if column is None:
        if len(names) != 1:
            raise InvalidArgumentError(
                "pykeras.distribute.predict expected `column` naming the input column of a "
                f"dataset with several columns. Received: column=None, columns {names}"
            )
        return str(names[0])
    if column not in names:
        raise InvalidArgumentError(
            f"pykeras.distribute.predict expected `column` to be one of the dataset's "
            f"columns {names}. Received: column={column!r}"
        )
    return column


def predict(
    model: Any,
    dataset: Any,
    *,
    column: str | None = None,
    batch_size: int = 256,
    num_actors: int = 1,
    cpus_per_actor: float = 1.0,
    custom_objects: Any = None,
) -> Any:
    """The predictions of `model` on every row of a Ray Dataset, in the rows' order.

    The model is sent once as a `.keras` file; each of `num_actors` Ray
    actors loads it once and predicts the batches Ray Data hands it
    (`Dataset.map_batches`), so the result equals `model.predict` on the
    same rows.

    Args:
        model: a pykeras Model, or the path of a `.keras` file.
        dataset: a `ray.data.Dataset` whose `column` holds the inputs (one
            row per sample: a tensor column or a scalar column).
        column: the input column; may be omitted for a one-column dataset.
        batch_size: the rows per batch of `map_batches` (and of `predict`).
        num_actors: how many actors (model copies) predict at once.
        cpus_per_actor: the CPUs Ray reserves for each actor (pykeras's
            kernel threads on it: this, at least 1).
        custom_objects: as `keras.saving.load_model` takes them.

    Returns:
        A NumPy array (a list of arrays for a model with several outputs).
    """
    ray = require_ray("predict")
    from ray.data import ActorPoolStrategy, DataContext  # optional: the `ray` extra

    if not isinstance(dataset, ray.data.Dataset):
        raise InvalidArgumentError(
            "pykeras.distribute.predict expected a ray.data.Dataset. "
            f"Received: {type(dataset).__name__}"
        )
    for name, value in (("batch_size", batch_size), ("num_actors", num_actors)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidArgumentError(
                f"pykeras.distribute.predict expected a positive int `{name}`. Received: {value!r}"
            )
    name = _column(dataset, column)
    payload = _model_bytes(model)
    context = DataContext.get_current()
    previous = context.execution_options.preserve_order
    # Rows come back in the input's order (Ray Data may otherwise reorder
    # blocks to keep its actors busy).
    context.execution_options.preserve_order = True
    try:
        mapped = dataset.map_batches(
            Predictor,
            batch_size=batch_size,
            batch_format="numpy",
            compute=ActorPoolStrategy(size=num_actors),
            fn_constructor_args=(
                payload,
                name,
                batch_size,
                max(1, int(cpus_per_actor)),
                custom_objects,
            ),  # fmt: skip
            num_cpus=cpus_per_actor,
        )
        outputs: dict[str, list[np.ndarray]] = {}
        for batch in mapped.iter_batches(batch_size=None, batch_format="numpy"):
            for key, value in batch.items():
                outputs.setdefault(key, []).append(value)
    finally:
        context.execution_options.preserve_order = previous
    keys = sorted(outputs, key=lambda k: int(k[len(OUTPUT_PREFIX) :]))
    results = [np.concatenate(outputs[k]) for k in keys]
    return results[0] if len(results) == 1 else results
