"""Correlation metrics: per-sample Pearson and concordance correlation
coefficients along an axis, and their means over samples as metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pykeras import ops
from pykeras.losses._shapes import as_tensor, same_rank
from pykeras.metrics.mean_metric import MeanMetricWrapper

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, Tensor, TensorLike

EPSILON = 1e-7


def _prepare(y_true: Any, y_pred: Any) -> Any:
    return same_rank(as_tensor(y_true, "y_true"), as_tensor(y_pred, "y_pred"))


def pearson_correlation(y_true: TensorLike, y_pred: TensorLike, axis: int = -1) -> Tensor:
    """Pearson correlation coefficient of `y_true` and `y_pred` along `axis`.

    Args:
        y_true: targets, shape `(batch, ..., d)`.
        y_pred: predictions, same shape.
        axis: the axis the coefficient is computed along.

    Returns:
        One coefficient per slice along `axis`.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    true_norm = ops.subtract(y_true, ops.mean(y_true, axis=axis, keepdims=True))
    pred_norm = ops.subtract(y_pred, ops.mean(y_pred, axis=axis, keepdims=True))
    true_norm = ops.divide(true_norm, ops.std(true_norm, axis=axis, keepdims=True))
    pred_norm = ops.divide(pred_norm, ops.std(pred_norm, axis=axis, keepdims=True))
    return ops.mean(ops.multiply(true_norm, pred_norm), axis=axis)


def concordance_correlation(y_true: TensorLike, y_pred: TensorLike, axis: int = -1) -> Tensor:
    """Lin's concordance correlation coefficient along `axis`, as Keras computes it.

    Args:
        y_true: targets.
        y_pred: predictions, same shape.
        axis: the axis the coefficient is computed along.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    true_mean = ops.mean(y_true, axis=axis, keepdims=True)
    pred_mean = ops.mean(y_pred, axis=axis, keepdims=True)
    true_var = ops.var(ops.subtract(y_true, true_mean), axis=axis, keepdims=True)
    pred_var = ops.var(ops.subtract(y_pred, pred_mean), axis=axis, keepdims=True)
    # Keras centres y_true on y_pred's mean here; kept for identical values.
    covar = ops.multiply(ops.subtract(y_true, pred_mean), ops.subtract(y_pred, pred_mean))
    norm = ops.add(ops.add(true_var, pred_var), ops.square(ops.subtract(true_mean, pred_mean)))
    return ops.mean(ops.divide(ops.multiply(2.0, covar), ops.add(norm, EPSILON)), axis=axis)


class PearsonCorrelation(MeanMetricWrapper):
    """The mean over samples of `pearson_correlation` along `axis`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
        axis: the axis the coefficient is computed along.
    """

    def __init__(
        self, name: str | None = "pearson_correlation", dtype: DTypeLike = None, axis: int = -1
    ) -> None:
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class ConcordanceCorrelation(MeanMetricWrapper):
    """The mean over samples of `concordance_correlation` along `axis`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
        axis: the axis the coefficient is computed along.
    """

    def __init__(
        self, name: str | None = "concordance_correlation", dtype: DTypeLike = None, axis: int = -1
    ) -> None:
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
