"""R2Score: the coefficient of determination from streaming sums."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras import ops
from pykeras.errors import ShapeError
from pykeras.losses._shapes import as_tensor, same_rank, shape_of
from pykeras.metrics.metric import Metric

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, TensorLike

_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """`1 - residual sum of squares / total sum of squares`, per output column.

    Args:
        class_aggregation: how the columns' scores combine: "uniform_average"
            (their mean), "variance_weighted_average" (weighted by each
            column's variance) or None (one score per column).
        num_regressors: the number of independent variables, for the adjusted
            R2 score (0: the plain score).
        name: the metric's name.
        dtype: accepted for Keras compatibility.

    Inputs are 2D: `(batch_size, output_dim)`.
    """

    def __init__(
        self,
        class_aggregation: str = "uniform_average",
        num_regressors: int = 0,
        name: str | None = "r2_score",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in _AGGREGATIONS:
            raise ValueError(
                "R2Score: Invalid value for argument `class_aggregation`. Expected one of "
                f"{_AGGREGATIONS}. Received: class_aggregation={class_aggregation}"
            )
        if num_regressors < 0:
            raise ValueError(
                "R2Score: Invalid value for argument `num_regressors`. Expected a value >= 0. "
                f"Received: num_regressors={num_regressors}"
            )
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors

    def batch_state(
        self, y_true: TensorLike, y_pred: TensorLike, sample_weight: TensorLike | None = None
    ) -> Any:
        y_true, y_pred = same_rank(as_tensor(y_true, "y_true"), as_tensor(y_pred, "y_pred"))
        true_shape, pred_shape = shape_of(y_true), shape_of(y_pred)
        if len(pred_shape) != 2 or len(true_shape) != 2 or pred_shape[-1] is None:
            raise ShapeError(
                "R2Score expects 2D inputs with shape (batch_size, output_dim), with output_dim "
                f"fully defined (not None). Received input shapes: y_pred.shape={pred_shape} "
                f"and y_true.shape={true_shape}."
            )
        ones = ops.ones_like(y_true)
        if sample_weight is None:
            weight = ones
        else:
            weight = as_tensor(sample_weight, "sample_weight")
            if len(shape_of(weight)) == 1:
                weight = ops.expand_dims(weight, 1)
            weight = ops.multiply(weight, ones)
        weighted_true = ops.multiply(y_true, weight)
        residual = ops.multiply(ops.square(ops.subtract(y_true, y_pred)), weight)
        return [
            ops.sum(weighted_true, axis=0),
            ops.sum(ops.multiply(y_true, weighted_true), axis=0),
            ops.sum(residual, axis=0),
            ops.sum(weight, axis=0),
            ops.sum(ones),
        ]

    def result_from(self, states: Any) -> Any:
        total_sum, squared_sum, residual, count, num_samples = (
            np.asarray(s, np.float32) for s in states
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = total_sum / count
            total = squared_sum - total_sum * mean
            raw = 1 - residual / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = np.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = np.sum(total * raw) / np.sum(total)
        else:
            score = raw
        if self.num_regressors != 0:
            n, p = float(num_samples), float(self.num_regressors)
            if p > n - 1:
                warnings.warn(
                    "More independent predictors than datapoints in adjusted R2 score. "
                    "Falling back to standard R2 score.",
                    stacklevel=3,
                )
            elif p == n - 1:
                warnings.warn(
                    "Division by zero in Adjusted R2 score. Falling back to standard R2 score.",
                    stacklevel=3,
                )
            else:
                score = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return score

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {"class_aggregation": self.class_aggregation, "num_regressors": self.num_regressors}
        )
        return config
