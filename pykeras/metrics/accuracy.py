"""Accuracy metrics: per-sample hit functions and their metric classes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pykeras import ops
from pykeras.losses._shapes import as_tensor, same_rank, shape_of
from pykeras.metrics.mean_metric import MeanMetricWrapper

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, Tensor, TensorLike


def accuracy(y_true: TensorLike, y_pred: TensorLike) -> Tensor:
    """1 where the prediction equals the target exactly."""
    y_true, y_pred = same_rank(as_tensor(y_true, "y_true"), as_tensor(y_pred, "y_pred"))
    return ops.equal(y_true, y_pred)


def binary_accuracy(y_true: TensorLike, y_pred: TensorLike, threshold: float = 0.5) -> Tensor:
    """Elementwise `y_true == (y_pred > threshold)` (averaged per sample by the metric)."""
    y_true, y_pred = same_rank(as_tensor(y_true, "y_true"), as_tensor(y_pred, "y_pred"))
    return ops.equal(y_true, ops.greater(y_pred, threshold))


def categorical_accuracy(y_true: TensorLike, y_pred: TensorLike) -> Tensor:
    """1 where the argmax of the prediction is the argmax of the one-hot target."""
    y_true = as_tensor(y_true, "y_true")
    return ops.equal(ops.argmax(y_true, axis=-1), ops.argmax(as_tensor(y_pred, "y_pred"), -1))


def _squeezed_ids(y_true: Any, y_pred: Any) -> Any:
    """Sparse targets without a trailing axis of 1 (when the prediction's rank equals theirs)."""
    true_shape, pred_shape = shape_of(y_true), shape_of(y_pred)
    if (
        true_shape is not None
        and pred_shape is not None
        and len(true_shape) == len(pred_shape)
        and true_shape[-1] == 1
    ):
        if hasattr(y_true, "reshape") and not hasattr(y_true, "tracer"):
            return y_true.reshape(y_true.shape[:-1])
        return ops.reshape(y_true, [-1 if d is None else d for d in true_shape[:-1]])
    return y_true


def sparse_categorical_accuracy(y_true: TensorLike, y_pred: TensorLike) -> Tensor:
    """1 where the argmax of the prediction is the integer target."""
    y_pred = as_tensor(y_pred, "y_pred")
    y_true = _squeezed_ids(as_tensor(y_true, "y_true"), y_pred)
    return ops.equal(y_true, ops.argmax(y_pred, axis=-1))


def top_k_categorical_accuracy(y_true: TensorLike, y_pred: TensorLike, k: int = 5) -> Tensor:
    """1 where the one-hot target's class is among the k largest predictions."""
    y_true = as_tensor(y_true, "y_true")
    return ops.in_top_k(ops.argmax(y_true, axis=-1), as_tensor(y_pred, "y_pred"), k)


def sparse_top_k_categorical_accuracy(
    y_true: TensorLike, y_pred: TensorLike, k: int = 5, from_sorted_ids: bool = False
) -> Tensor:
    """1 where the integer target is among the k largest predictions.

    With `from_sorted_ids=True`, `y_pred` holds class ids sorted by score (as
    `ops.top_k` returns them) and the target must be among its first `k`.
    """
    y_pred = as_tensor(y_pred, "y_pred")
    y_true = _squeezed_ids(as_tensor(y_true, "y_true"), y_pred)
    if from_sorted_ids:
        top = ops.take(y_pred, list(range(min(k, shape_of(y_pred)[-1]))), axis=-1)
        return ops.any(ops.equal(ops.expand_dims(y_true, -1), top), axis=-1)
    return ops.in_top_k(y_true, y_pred, k)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal targets."""

    def __init__(self, name: str | None = "accuracy", dtype: DTypeLike = None) -> None:
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often `y_pred > threshold` matches binary targets."""

    def __init__(
        self, name: str | None = "binary_accuracy", dtype: DTypeLike = None, threshold: float = 0.5
    ) -> None:
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class matches the one-hot target's class."""

    def __init__(self, name: str | None = "categorical_accuracy", dtype: DTypeLike = None) -> None:
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class matches the integer target."""

    def __init__(
        self, name: str | None = "sparse_categorical_accuracy", dtype: DTypeLike = None
    ) -> None:
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target is among the top `k` predictions."""

    def __init__(
        self, k: int = 5, name: str | None = "top_k_categorical_accuracy", dtype: DTypeLike = None
    ) -> None:
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer target is among the top `k` predictions."""

    def __init__(
        self,
        k: int = 5,
        name: str | None = "sparse_top_k_categorical_accuracy",
        dtype: DTypeLike = None,
        from_sorted_ids: bool = False,
    ) -> None:
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        if from_sorted_ids:
            # Kept out of the config when False, as Keras writes it.
            self._fn_kwargs["from_sorted_ids"] = True
