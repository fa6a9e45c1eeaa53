"""Metrics from confusion counts at thresholds: the counts themselves
(TruePositives, FalsePositives, TrueNegatives, FalseNegatives), Precision
and Recall.

Each batch adds, per threshold, the (weighted) counts; predictions count as
positive when strictly above a threshold, as in Keras.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.metrics._confusion_core import (
    NEG_INF,
    check_thresholds,
    confusion_counts,
    evenly_distributed,
)
from pykeras.metrics.metric import Metric, divide_no_nan

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, TensorLike


class _ThresholdMetric(Metric):
    """Counts at `thresholds` (default 0.5), optionally of the top `k`
    predictions or of one class."""

    _counts: tuple[str, ...] = ()

    def __init__(
        self,
        thresholds: Any = None,
        top_k: int | None = None,
        class_id: int | None = None,
        name: str | None = None,
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        checked = check_thresholds(thresholds, type(self).__name__)
        self.init_thresholds = thresholds
        # With top_k, every one of the k largest predictions counts as positive
        # unless thresholds are given (Keras's default threshold is then -1e10).
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = checked if checked is not None else [default]
        self._evenly = evenly_distributed(self.thresholds)
        self.top_k = top_k
        self.class_id = class_id

    def batch_state(
        self, y_true: TensorLike, y_pred: TensorLike, sample_weight: TensorLike | None = None
    ) -> Any:
        return confusion_counts(
            y_true,
            y_pred,
            self.thresholds,
            sample_weight,
            self._counts,
            top_k=self.top_k,
            class_id=self.class_id,
            evenly=self._evenly,
        )

    def _finish(self, values: Any) -> Any:
        values = np.atleast_1d(values)
        return values[0] if len(self.thresholds) == 1 else values

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {"thresholds": self.init_thresholds, "top_k": self.top_k, "class_id": self.class_id}
        )
        return config


class _CountMetric(_ThresholdMetric):
    def __init__(
        self, thresholds: Any = None, name: str | None = None, dtype: DTypeLike = None
    ) -> None:
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    def result_from(self, states: Any) -> Any:
        return self._finish(states[0])

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.init_thresholds}


class TruePositives(_CountMetric):
    """The (weighted) number of true positives at `thresholds` (default 0.5).

    Args:
        thresholds: a float or list of floats in [0, 1]; a prediction above a
            threshold counts as positive. One value per threshold.
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    _counts = ("tp",)


class FalsePositives(_CountMetric):
    """The (weighted) number of false positives at `thresholds` (default 0.5).

    Args:
        thresholds: a float or list of floats in [0, 1].
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    _counts = ("fp",)


class TrueNegatives(_CountMetric):
    """The (weighted) number of true negatives at `thresholds` (default 0.5).

    Args:
        thresholds: a float or list of floats in [0, 1].
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    _counts = ("tn",)


class FalseNegatives(_CountMetric):
    """The (weighted) number of false negatives at `thresholds` (default 0.5).

    Args:
        thresholds: a float or list of floats in [0, 1].
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    _counts = ("fn",)


class Precision(_ThresholdMetric):
    """true positives / (true positives + false positives).

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5); one
            value per threshold.
        top_k: only the `k` largest predictions of each sample count as positive.
        class_id: only this class (an index of the last axis) counts.
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    _counts = ("tp", "fp")

    def result_from(self, states: Any) -> Any:
        tp, fp = states
        return self._finish(divide_no_nan(tp, tp + fp))


class Recall(_ThresholdMetric):
    """true positives / (true positives + false negatives).

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5).
        top_k: only the `k` largest predictions of each sample count as positive.
        class_id: only this class (an index of the last axis) counts.
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    _counts = ("tp", "fn")

    def result_from(self, states: Any) -> Any:
        tp, fn = states
        return self._finish(divide_no_nan(tp, tp + fn))
