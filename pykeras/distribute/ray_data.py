"""Training data given as a Ray Dataset: materialized once in Ray's object
store, its columns handed to the workers as block references, so the rows
never pass through the driver; each worker reads the blocks and takes its
rows (every worker trains on a slice of every global batch, which can come
from any block)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from pykeras.errors import InvalidArgumentError


def is_dataset(ray: ModuleType, value: Any) -> bool:
    """Whether `value` is a `ray.data.Dataset`."""
    return isinstance(value, ray.data.Dataset)


def dataset_source(ray: ModuleType, dataset: Any, labels: Any) -> tuple[dict[str, Any], int]:
    """The block references of each column of `dataset` and its row count.

    `labels` names the target column(s) (a string, a list of strings, or None
    for a model trained without targets); the other columns are the inputs
    (one array for one column, else a dict by column name).
    """
    if labels is not None and not isinstance(labels, (str, list, tuple)):
        raise InvalidArgumentError(
            "pykeras.distribute.fit over a Ray Dataset expected `y` to name the label "
            f"column(s). Received: {type(labels).__name__}"
        )
    label_list = [labels] if isinstance(labels, str) else list(labels or [])
    materialized = dataset.materialize()
    columns = list(materialized.columns())
    missing = [c for c in label_list if c not in columns]
    features = [c for c in columns if c not in label_list]
    if missing or not features:
        raise InvalidArgumentError(
            f"pykeras.distribute.fit expected `y` to name label columns of the dataset and "
            f"leave at least one input column. Received: y={labels!r}, columns {columns}"
        )
    refs = {c: materialized.to_numpy_refs(column=c) for c in columns}
    source = {
        "refs": refs,
        "features": features,
        "labels": label_list if not isinstance(labels, str) else labels,
    }
    return source, int(materialized.count())


def read_source(ray: ModuleType, source: dict[str, Any]) -> tuple[Any, Any, Any]:
    """`(x, y, None)` as arrays from a `dataset_source` (on a worker)."""
    arrays = {
        column: np.concatenate([np.asarray(b) for b in ray.get(refs)])
        for column, refs in source["refs"].items()
    }
    features, labels = source["features"], source["labels"]
    x = arrays[features[0]] if len(features) == 1 else {f: arrays[f] for f in features}
    if isinstance(labels, str):
        y: Any = arrays[labels]
    else:
        y = [arrays[c] for c in labels] if labels else None
        if y is not None and len(y) == 1:
            y = y[0]
    return x, y, None
