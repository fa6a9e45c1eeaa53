"""AUC: area under the ROC or precision-recall curve, from confusion counts
at `num_thresholds` thresholds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras import ops
from pykeras.losses._shapes import as_tensor
from pykeras.metrics._confusion_core import check_thresholds, confusion_counts, evenly_distributed
from pykeras.metrics.metric import Metric, divide_no_nan

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, TensorLike

_CURVES = ("ROC", "PR", "PRGAIN")
_SUMMATIONS = ("interpolation", "minoring", "majoring")


class AUC(Metric):
    """Area under the ROC or PR curve (Riemann sum over `num_thresholds`).

    Args:
        num_thresholds: thresholds spread evenly over [0, 1] (default 200, > 1).
        curve: "ROC", "PR" or "PRGAIN".
        summation_method: "interpolation" (Davis & Goadrich's interpolation for
            PR), "minoring" or "majoring".
        name: the metric's name.
        dtype: accepted for Keras compatibility.
        thresholds: explicit thresholds in [0, 1] instead of `num_thresholds`
            (0 - epsilon and 1 + epsilon are added).
        multi_label: treat each label (last axis) as its own binary problem
            and average their AUCs; otherwise every value is one sample.
        num_labels: the number of labels with `multi_label` (optional).
        label_weights: weights of the labels: of their AUCs in the average
            with `multi_label`, of their counts otherwise.
        from_logits: apply a sigmoid to the predictions first.
    """

    def __init__(
        self,
        num_thresholds: int = 200,
        curve: str = "ROC",
        summation_method: str = "interpolation",
        name: str | None = None,
        dtype: DTypeLike = None,
        thresholds: Any = None,
        multi_label: bool = False,
        num_labels: int | None = None,
        label_weights: Any = None,
        from_logits: bool = False,
    ) -> None:
        super().__init__(name=name or "auc", dtype=dtype)
        if str(curve).upper() not in _CURVES:
            raise ValueError(
                f'AUC: Invalid AUC curve value: "{curve}". Expected values are '
                '["PR", "ROC", "PRGAIN"]'
            )
        if str(summation_method).lower() not in _SUMMATIONS:
            raise ValueError(
                f'AUC: Invalid AUC summation method value: "{summation_method}". Expected '
                'values are ["interpolation", "majoring", "minoring"]'
            )
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(check_thresholds(thresholds, "AUC"))
            self.num_thresholds = len(inner) + 2
            self._evenly = evenly_distributed(np.array([0.0] + inner + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError(
                    "AUC: Argument `num_thresholds` must be an integer > 1. "
                    f"Received: num_thresholds={num_thresholds}"
                )
            n = num_thresholds
            inner = [(i + 1) * 1.0 / (n - 1) for i in range(n - 2)]
            self.num_thresholds = n
            self._evenly = True
        eps = 1e-7
        self._thresholds = [0.0 - eps] + inner + [1.0 + eps]
        self.curve = str(curve).upper()
        self.summation_method = str(summation_method).lower()
        if num_labels and not multi_label:
            raise ValueError("AUC: `num_labels` is needed only when `multi_label` is True.")
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else list(label_weights)
        self._from_logits = from_logits

    @property
    def thresholds(self) -> list[float]:
        """The thresholds the counts are taken at."""
        return list(self._thresholds)

    @property
    def from_logits(self) -> bool:
        return self._from_logits

    def batch_state(
        self, y_true: TensorLike, y_pred: TensorLike, sample_weight: TensorLike | None = None
    ) -> Any:
        if self._from_logits:
            y_pred = ops.sigmoid(as_tensor(y_pred, "y_pred"))
        return confusion_counts(
            y_true,
            y_pred,
            self._thresholds,
            sample_weight,
            evenly=self._evenly,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
        )

    def result_from(self, states: Any) -> Any:
        n = self.num_thresholds
        # Counts are (thresholds,) or, with multi_label, (labels, thresholds):
        # put thresholds first.
        tp, fp, tn, fn = (np.asarray(s, np.float64).reshape(-1, n).T for s in states)
        if self.curve == "PR" and self.summation_method == "interpolation":
            terms = _interpolated_pr_terms(tp, fp, fn, n)
        else:
            x, y = self._curve(tp, fp, tn, fn)
            if self.summation_method == "interpolation":
                heights = (y[: n - 1] + y[1:]) / 2.0
            elif self.summation_method == "minoring":
                heights = np.minimum(y[: n - 1], y[1:])
            else:
                heights = np.maximum(y[: n - 1], y[1:])
            terms = (x[: n - 1] - x[1:]) * heights
        if not self.multi_label:
            return float(np.sum(terms))
        by_label = np.sum(terms, axis=0)
        if self.label_weights is None:
            return float(np.mean(by_label))
        weights = np.asarray(self.label_weights, np.float64)
        return float(divide_no_nan(np.sum(by_label * weights), np.sum(weights)))

    def _curve(self, tp: Any, fp: Any, tn: Any, fn: Any) -> Any:
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            return divide_no_nan(fp, fp + tn), recall
        if self.curve == "PR":
            return recall, divide_no_nan(tp, tp + fp)
        scaling = divide_no_nan(tp + fn, tn + fp)
        recall_gain = 1.0 - scaling * divide_no_nan(fn, tp)
        precision_gain = 1.0 - scaling * divide_no_nan(fp, tp)
        recall_gain = np.maximum(np.where(tp == 0, 0.0, recall_gain), 0.0)
        precision_gain = np.where(tp == 0, 1.0, precision_gain)
        return recall_gain, precision_gain

    def get_config(self) -> dict[str, Any]:
        config = {
            "name": self.name,
            "dtype": self.dtype,
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": self.label_weights,
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config


def _interpolated_pr_terms(tp: Any, fp: Any, fn: Any, n: int) -> Any:
    """Davis & Goadrich's interpolation of the PR curve between thresholds."""
    dtp = tp[: n - 1] - tp[1:]
    p = tp + fp
    dp = p[: n - 1] - p[1:]
    prec_slope = divide_no_nan(dtp, np.maximum(dp, 0))
    intercept = tp[1:] - prec_slope * p[1:]
    safe_p_ratio = np.where(
        (p[: n - 1] > 0) & (p[1:] > 0), divide_no_nan(p[: n - 1], np.maximum(p[1:], 0)), 1.0
    )
    return divide_no_nan(
        prec_slope * (dtp + intercept * np.log(safe_p_ratio)), np.maximum(tp[1:] + fn[1:], 0)
    )
