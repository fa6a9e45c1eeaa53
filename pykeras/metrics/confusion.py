"""Metrics from confusion counts at thresholds: Precision, Recall and AUC.

Each batch adds, per threshold, the (weighted) true and false positives and
negatives; predictions count as positive when strictly above a threshold, as
in Keras.
"""

import numpy as np

from pykeras import ops
from pykeras.losses._shapes import as_tensor, shape_of
from pykeras.metrics.metric import Metric, divide_no_nan

EPSILON = 1e-7


def _flat_column(x):
    shape = shape_of(x)
    if isinstance(x, np.ndarray):
        return x.reshape(-1, 1)
    if shape is not None and len(shape) == 2 and shape[-1] == 1:
        return x
    return ops.reshape(x, [-1, 1])


def confusion_counts(y_true, y_pred, thresholds, sample_weight=None, which="tp fp tn fn"):
    """Per-threshold weighted counts, in the order `which` names them."""
    y_true = as_tensor(y_true, "y_true")
    y_pred = as_tensor(y_pred, "y_pred")
    labels = _flat_column(y_true)
    predictions = _flat_column(y_pred)
    above = ops.greater(predictions, np.asarray(thresholds, np.float32).reshape(1, -1))
    positive = ops.not_equal(labels, 0.0)
    negative = ops.subtract(1.0, positive)
    if sample_weight is not None:
        weight = _flat_column(as_tensor(sample_weight, "sample_weight"))
        positive = ops.multiply(positive, weight)
        negative = ops.multiply(negative, weight)
    below = ops.subtract(1.0, above)
    parts = {
        "tp": lambda: ops.sum(ops.multiply(positive, above), axis=0),
        "fp": lambda: ops.sum(ops.multiply(negative, above), axis=0),
        "tn": lambda: ops.sum(ops.multiply(negative, below), axis=0),
        "fn": lambda: ops.sum(ops.multiply(positive, below), axis=0),
    }
    return [parts[name]() for name in which.split()]


def _thresholds(thresholds, default):
    if thresholds is None:
        return [default], True
    single = np.isscalar(thresholds)
    values = [float(t) for t in np.atleast_1d(thresholds)]
    for t in values:
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {t}")
    return values, single


class _ThresholdMetric(Metric):
    _counts = ""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if top_k is not None or class_id is not None:
            raise NotImplementedError(
                f"{type(self).__name__}: top_k and class_id are not supported yet by pykeras."
            )
        self.init_thresholds = thresholds
        self.thresholds, self._single = _thresholds(thresholds, 0.5)
        self.top_k = top_k
        self.class_id = class_id

    def batch_state(self, y_true, y_pred, sample_weight=None):
        return confusion_counts(y_true, y_pred, self.thresholds, sample_weight, self._counts)

    def _finish(self, values):
        values = np.atleast_1d(values)
        return values[0] if self._single else values

    def get_config(self):
        config = super().get_config()
        config.update(
            {"thresholds": self.init_thresholds, "top_k": self.top_k, "class_id": self.class_id}
        )
        return config


class Precision(_ThresholdMetric):
    """true positives / (true positives + false positives) at `thresholds` (default 0.5)."""

    _counts = "tp fp"

    def result_from(self, states):
        tp, fp = states
        return self._finish(divide_no_nan(tp, tp + fp))


class Recall(_ThresholdMetric):
    """true positives / (true positives + false negatives) at `thresholds` (default 0.5)."""

    _counts = "tp fn"

    def result_from(self, states):
        tp, fn = states
        return self._finish(divide_no_nan(tp, tp + fn))


class AUC(Metric):
    """Area under the ROC or PR curve, from confusion counts at `num_thresholds`.

    Args:
        num_thresholds: thresholds spread evenly over [0, 1] (default 200).
        curve: "ROC" or "PR".
        summation_method: "interpolation", "minoring" or "majoring".
        name: the metric's name.
        thresholds: explicit thresholds instead of `num_thresholds`.
        multi_label, num_labels, label_weights, from_logits: as in Keras;
            only the defaults are supported, plus `from_logits`.
    """

    def __init__(
        self,
        num_thresholds=200,
        curve="ROC",
        summation_method="interpolation",
        name=None,
        dtype=None,
        thresholds=None,
        multi_label=False,
        num_labels=None,
        label_weights=None,
        from_logits=False,
    ):
        super().__init__(name=name or "auc", dtype=dtype)
        if curve.upper() not in ("ROC", "PR"):
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected "ROC" or "PR".')
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(
                f'Invalid AUC summation method value: "{summation_method}". Expected one of '
                '"interpolation", "majoring", "minoring".'
            )
        if multi_label or label_weights is not None:
            raise NotImplementedError("AUC: multi_label and label_weights are not supported yet.")
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            self.num_thresholds = len(inner) + 2
        else:
            if num_thresholds <= 1:
                raise ValueError(
                    f"Argument `num_thresholds` must be an integer > 1. "
                    f"Received: num_thresholds={num_thresholds}"
                )
            n = num_thresholds
            inner = [(i + 1) * 1.0 / (n - 1) for i in range(n - 2)]
            self.num_thresholds = n
        self.thresholds = [0.0 - EPSILON] + inner + [1.0 + EPSILON]
        self._init_thresholds = thresholds
        self.curve = curve.upper()
        self.summation_method = summation_method
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = label_weights
        self.from_logits = from_logits

    def batch_state(self, y_true, y_pred, sample_weight=None):
        if self.from_logits:
            y_pred = ops.sigmoid(as_tensor(y_pred, "y_pred"))
        return confusion_counts(y_true, y_pred, self.thresholds, sample_weight)

    def result_from(self, states):
        tp, fp, tn, fn = states
        n = self.num_thresholds
        if self.curve == "PR" and self.summation_method == "interpolation":
            return _interpolated_pr_auc(tp, fp, fn, n)
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[: n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[: n - 1], y[1:])
        else:
            heights = np.maximum(y[: n - 1], y[1:])
        return float(np.sum((x[: n - 1] - x[1:]) * heights))

    def get_config(self):
        return {
            "name": self.name,
            "dtype": self.dtype,
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": self.label_weights,
            "from_logits": self.from_logits,
            "thresholds": self._init_thresholds,
        }


def _interpolated_pr_auc(tp, fp, fn, n):
    """Davis & Goadrich's interpolation of the PR curve between thresholds."""
    dtp = tp[: n - 1] - tp[1:]
    p = tp + fp
    dp = p[: n - 1] - p[1:]
    prec_slope = divide_no_nan(dtp, np.maximum(dp, 0))
    intercept = tp[1:] - prec_slope * p[1:]
    safe_p_ratio = np.where(
        (p[: n - 1] > 0) & (p[1:] > 0), divide_no_nan(p[: n - 1], np.maximum(p[1:], 0)), 1.0
    )
    pr_auc_increment = divide_no_nan(
        prec_slope * (dtp + intercept * np.log(safe_p_ratio)), np.maximum(tp[1:] + fn[1:], 0)
    )
    return float(np.sum(pr_auc_increment))
