"""F-scores per class from streaming true/false positive and false negative
counts: FBetaScore and F1Score."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras import ops
from pykeras.errors import ShapeError
from pykeras.losses._shapes import as_tensor, shape_of
from pykeras.metrics.metric import Metric

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, TensorLike

EPSILON = 1e-7


class FBetaScore(Metric):
    """`(1 + beta^2) * precision * recall / (beta^2 * precision + recall)` per class.

    Args:
        average: None (one score per class), "micro" (counts pooled over
            classes), "macro" (mean of the class scores) or "weighted" (mean
            weighted by each class's number of true instances).
        beta: the weight of recall relative to precision (a float > 0).
        threshold: predictions above it count as positive; None takes each
            sample's largest prediction(s) as its positive class.
        name: the metric's name.
        dtype: accepted for Keras compatibility.

    Inputs are 2D: `(batch_size, num_classes)`.
    """

    def __init__(
        self,
        average: str | None = None,
        beta: float = 1.0,
        threshold: float | None = None,
        name: str | None = "fbeta_score",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        owner = type(self).__name__
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(
                f"{owner}: Invalid `average` argument value. Expected one of: "
                f"{{None, 'micro', 'macro', 'weighted'}}. Received: average={average}"
            )
        if not isinstance(beta, float):
            raise ValueError(
                f"{owner}: Invalid `beta` argument value. It should be a Python float. "
                f"Received: beta={beta} of type '{type(beta)}'"
            )
        if beta <= 0.0:
            raise ValueError(
                f"{owner}: Invalid `beta` argument value. It should be > 0. Received: beta={beta}"
            )
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(
                    f"{owner}: Invalid `threshold` argument value. It should be a Python float. "
                    f"Received: threshold={threshold} of type '{type(threshold)}'"
                )
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError(
                    f"{owner}: Invalid `threshold` argument value. It should verify "
                    f"0 < threshold <= 1. Received: threshold={threshold}"
                )
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self._num_classes = None

    def batch_state(
        self, y_true: TensorLike, y_pred: TensorLike, sample_weight: TensorLike | None = None
    ) -> Any:
        y_true = as_tensor(y_true, "y_true")
        y_pred = as_tensor(y_pred, "y_pred")
        true_shape, pred_shape = shape_of(y_true), shape_of(y_pred)
        if len(pred_shape) != 2 or len(true_shape) != 2 or pred_shape[-1] is None:
            raise ShapeError(
                f"{type(self).__name__} expects 2D inputs with shape (batch_size, output_dim), "
                "with output_dim fully defined (not None). Received input shapes: "
                f"y_pred.shape={pred_shape} and y_true.shape={true_shape}."
            )
        self._num_classes = pred_shape[-1]
        if self.threshold is None:
            top = ops.max(y_pred, axis=-1, keepdims=True)
            y_pred = ops.logical_and(
                ops.greater_equal(y_pred, top), ops.greater(ops.abs(y_pred), 1e-9)
            )
        else:
            y_pred = ops.greater(y_pred, self.threshold)
        y_pred = ops.cast(y_pred, "float32")
        y_true = ops.cast(y_true, "float32")
        axis = None if self.average == "micro" else 0

        def weighted_sum(values: Any) -> Any:
            if sample_weight is not None:
                weight = as_tensor(sample_weight, "sample_weight")
                values = ops.multiply(values, ops.expand_dims(weight, 1))
            return ops.sum(values, axis=axis)

        return [
            weighted_sum(ops.multiply(y_pred, y_true)),
            weighted_sum(ops.multiply(y_pred, ops.subtract(1.0, y_true))),
            weighted_sum(ops.multiply(ops.subtract(1.0, y_pred), y_true)),
            weighted_sum(y_true),
        ]

    def result_from(self, states: Any) -> Any:
        tp, fp, fn, weights = (np.asarray(s, np.float32) for s in states)
        eps = np.float32(EPSILON)
        precision = tp / (tp + fp + eps)
        recall = tp / (tp + fn + eps)
        beta2 = np.float32(self.beta**2)
        score = precision * recall / (beta2 * precision + recall + eps) * (1 + beta2)
        if self.average == "weighted":
            return float(np.sum(score * (weights / (np.sum(weights) + eps))))
        if self.average is not None:
            return float(np.mean(score))
        return score

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"average": self.average, "beta": self.beta, "threshold": self.threshold})
        return config


class F1Score(FBetaScore):
    """The harmonic mean of precision and recall (FBetaScore with beta 1).

    Args:
        average: None, "micro", "macro" or "weighted" (see `FBetaScore`).
        threshold: predictions above it count as positive; None takes each
            sample's largest prediction(s).
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self,
        average: str | None = None,
        threshold: float | None = None,
        name: str | None = "f1_score",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["beta"]
        return config
