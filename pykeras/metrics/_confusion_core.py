"""Weighted confusion counts at thresholds, as Keras's
`update_confusion_matrix_variables` computes them.

A prediction is positive at a threshold when it is strictly above it. For
thresholds spread evenly over [0, 1] (AUC's, the "at" metrics'), Keras puts
each prediction, clipped to [0, 1], in the bucket `ceil(p * (n - 1)) - 1` and
counts it positive at every threshold up to its bucket; pykeras computes the
same buckets so that predictions on a threshold fall on the same side.
Everything is built from `pykeras.ops`, so inside a compiled step the counts
are part of the step's graph.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras import ops
from pykeras.config import epsilon
from pykeras.losses._shapes import as_tensor, same_rank, shape_of

NEG_INF = -1e10


def check_thresholds(thresholds: Any, owner: Any) -> Any:
    """`thresholds` as a list of floats in [0, 1] (None passes through)."""
    if thresholds is None:
        return None
    values = list(np.atleast_1d(np.asarray(thresholds, dtype=object)))
    invalid = [t for t in values if t is None or not 0 <= float(t) <= 1]
    if invalid:
        raise ValueError(f"{owner}: Threshold values must be in [0, 1]. Received: {invalid}")
    return [float(t) for t in values]


def evenly_distributed(thresholds: Any) -> Any:
    """Whether `thresholds` are `i / (n - 1)` for i in 0..n-1 (n >= 3)."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=epsilon()))


def _rank(x: Any) -> Any:
    return len(shape_of(x))


def _weights_like(sample_weight: Any, y_true: Any) -> Any:
    """Sample weights with a trailing axis added, then squeezed to `y_true`'s rank."""
    sample_weight = as_tensor(sample_weight, "sample_weight")
    sample_weight = ops.expand_dims(sample_weight, -1)
    sw_shape = shape_of(sample_weight)
    if _rank(sample_weight) == _rank(y_true) + 1 and sw_shape[-1] == 1:
        sample_weight = ops.squeeze(sample_weight, axis=-1)
    return sample_weight


def filter_top_k(x: Any, k: int) -> Any:
    """`x` with all but its `k` largest values (last axis) set to -1e10."""
    _, indices = ops.top_k(x, k)
    mask = ops.sum(ops.one_hot(indices, shape_of(x)[-1]), axis=-2)
    return ops.add(ops.multiply(x, mask), ops.multiply(NEG_INF, ops.subtract(1.0, mask)))


def _column(x: Any, multi_label: bool) -> Any:
    if multi_label:
        return x
    return ops.reshape(x, [-1, 1])


def confusion_counts(
    y_true: Any,
    y_pred: Any,
    thresholds: Any,
    sample_weight: Any = None,
    which: Any = ("tp", "fp", "tn", "fn"),
    top_k: int | None = None,
    class_id: int | None = None,
    evenly: bool = False,
    multi_label: bool = False,
    label_weights: Any = None,
) -> Any:
    """Per-threshold weighted counts, in the order `which` names them.

    Returns tensors of shape `(len(thresholds),)`, or `(labels, thresholds)`
    with `multi_label` (one count per label of the last axis).
    """
    y_true = as_tensor(y_true, "y_true")
    y_pred = as_tensor(y_pred, "y_pred")
    y_pred, y_true = same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = _weights_like(sample_weight, y_true)
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        if _rank(y_pred) == 1:
            raise ValueError(
                "When class_id is provided, y_pred must be a 2D array with shape "
                f"(num_samples, num_classes), found shape: {shape_of(y_pred)}"
            )
        y_true = ops.take(y_true, [class_id], axis=-1)
        y_pred = ops.take(y_pred, [class_id], axis=-1)
    weights = None
    if sample_weight is not None:
        weights = ops.multiply(sample_weight, ops.ones_like(y_pred))
    if label_weights is not None and not multi_label:
        lw = ops.multiply(np.asarray(label_weights, np.float32), ops.ones_like(y_pred))
        weights = lw if weights is None else ops.multiply(weights, lw)
    positive = ops.cast(ops.not_equal(y_true, 0.0), "float32")
    if multi_label and _rank(y_pred) == 1:
        y_pred, positive = ops.expand_dims(y_pred, -1), ops.expand_dims(positive, -1)
        weights = None if weights is None else ops.expand_dims(weights, -1)
    # Samples x labels (labels: 1 unless multi_label), then a thresholds axis.
    positive = ops.expand_dims(_column(positive, multi_label), -1)
    negative = ops.subtract(1.0, positive)
    if weights is not None:
        weights = ops.expand_dims(_column(weights, multi_label), -1)
        positive = ops.multiply(positive, weights)
        negative = ops.multiply(negative, weights)
    above = _above(ops.expand_dims(_column(y_pred, multi_label), -1), thresholds, evenly)
    below = ops.subtract(1.0, above)
    pairs = {
        "tp": (positive, above),
        "fp": (negative, above),
        "tn": (negative, below),
        "fn": (positive, below),
    }
    counts = []
    for name in which:
        label, pred = pairs[name]
        count = ops.sum(ops.multiply(label, pred), axis=0)  # (labels, thresholds)
        counts.append(count if multi_label else ops.reshape(count, [-1]))
    return counts


def _above(predictions: Any, thresholds: Any, evenly: Any) -> Any:
    """1 where a prediction counts as positive at a threshold (last axis)."""
    n = len(thresholds)
    if not evenly:
        return ops.cast(ops.greater(predictions, np.asarray(thresholds, np.float32)), "float32")
    with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
    bucket = ops.subtract(ops.ceil(ops.multiply(ops.clip(predictions, 0.0, 1.0), n - 1.0)), 1.0)
    if with_epsilon:
        bucket = ops.maximum(bucket, 0.0)
    index = np.arange(n, dtype=np.float32)
    return ops.cast(ops.greater_equal(bucket, index), "float32")
