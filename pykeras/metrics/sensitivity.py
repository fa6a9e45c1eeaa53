"""The best value of one rate subject to a floor on another, over
`num_thresholds` thresholds: SensitivityAtSpecificity,
SpecificityAtSensitivity, PrecisionAtRecall and RecallAtPrecision."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.metrics._confusion_core import confusion_counts
from pykeras.metrics.metric import Metric, divide_no_nan

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, TensorLike


class _AtMetric(Metric):
    """Counts at `num_thresholds` thresholds spread over [0, 1]."""

    _value_name = ""

    if TYPE_CHECKING:
        # Each subclass's: (constrained rate, dependent rate) per threshold.
        def _rates(self, tp: Any, fp: Any, tn: Any, fn: Any) -> Any: ...

    def __init__(
        self,
        value: Any,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        if value < 0 or value > 1:
            raise ValueError(
                f"{type(self).__name__}: Argument `{self._value_name}` must be in the range "
                f"[0, 1]. Received: {self._value_name}={value}"
            )
        if num_thresholds <= 0:
            raise ValueError(
                f"{type(self).__name__}: Argument `num_thresholds` must be an integer > 0. "
                f"Received: num_thresholds={num_thresholds}"
            )
        self.value = value
        self.class_id = class_id
        self.num_thresholds = num_thresholds
        if num_thresholds == 1:
            self.thresholds = [0.5]
            self._evenly = False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0] + inner + [1.0]
            self._evenly = True

    def batch_state(
        self, y_true: TensorLike, y_pred: TensorLike, sample_weight: TensorLike | None = None
    ) -> Any:
        return confusion_counts(
            y_true,
            y_pred,
            self.thresholds,
            sample_weight,
            class_id=self.class_id,
            evenly=self._evenly,
        )

    def result_from(self, states: Any) -> Any:
        tp, fp, tn, fn = (np.asarray(s, np.float64).reshape(-1) for s in states)
        constrained, dependent = self._rates(tp, fp, tn, fn)
        # The largest dependent rate where the constraint holds (0.0 if nowhere).
        feasible = constrained >= self.value
        return float(np.max(np.where(feasible, dependent, 0.0), initial=0.0))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "class_id": self.class_id,
                "num_thresholds": self.num_thresholds,
                self._value_name: self.value,
            }
        )
        return config


def _sensitivity(tp: Any, fn: Any) -> Any:
    return divide_no_nan(tp, tp + fn)


def _specificity(tn: Any, fp: Any) -> Any:
    return divide_no_nan(tn, tn + fp)


class SensitivityAtSpecificity(_AtMetric):
    """The best sensitivity (recall) where specificity is >= `specificity`.

    Args:
        specificity: the floor on specificity, in [0, 1].
        num_thresholds: thresholds tried (default 200).
        class_id: only this class (an index of the last axis) counts.
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    _value_name = "specificity"

    def __init__(
        self,
        specificity: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    @property
    def specificity(self) -> float:
        return self.value

    def _rates(self, tp: Any, fp: Any, tn: Any, fn: Any) -> Any:
        return _specificity(tn, fp), _sensitivity(tp, fn)


class SpecificityAtSensitivity(_AtMetric):
    """The best specificity where sensitivity (recall) is >= `sensitivity`.

    Args:
        sensitivity: the floor on sensitivity, in [0, 1].
        num_thresholds: thresholds tried (default 200).
        class_id: only this class counts.
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    _value_name = "sensitivity"

    def __init__(
        self,
        sensitivity: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    @property
    def sensitivity(self) -> float:
        return self.value

    def _rates(self, tp: Any, fp: Any, tn: Any, fn: Any) -> Any:
        return _sensitivity(tp, fn), _specificity(tn, fp)


class PrecisionAtRecall(_AtMetric):
    """The best precision where recall is >= `recall`.

    Args:
        recall: the floor on recall, in [0, 1].
        num_thresholds: thresholds tried (default 200).
        class_id: only this class counts.
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    _value_name = "recall"

    def __init__(
        self,
        recall: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    @property
    def recall(self) -> float:
        return self.value

    def _rates(self, tp: Any, fp: Any, tn: Any, fn: Any) -> Any:
        return _sensitivity(tp, fn), divide_no_nan(tp, tp + fp)


class RecallAtPrecision(_AtMetric):
    """The best recall where precision is >= `precision`.

    Args:
        precision: the floor on precision, in [0, 1].
        num_thresholds: thresholds tried (default 200).
        class_id: only this class counts.
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    _value_name = "precision"

    def __init__(
        self,
        precision: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    @property
    def precision(self) -> float:
        return self.value

    def _rates(self, tp: Any, fp: Any, tn: Any, fn: Any) -> Any:
        return divide_no_nan(tp, tp + fp), _sensitivity(tp, fn)
