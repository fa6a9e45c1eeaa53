"""Regression metrics, and the losses usable as metrics: the mean over
samples of a per-sample function, each class with Keras 3's constructor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras import losses, ops
from pykeras.losses._shapes import as_tensor, same_rank
from pykeras.metrics.mean_metric import MeanMetricWrapper, weighted_sum_and_count
from pykeras.metrics.metric import divide_no_nan

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, Tensor, TensorLike


def cosine_similarity(y_true: TensorLike, y_pred: TensorLike, axis: int = -1) -> Tensor:
    """Cosine similarity of `y_true` and `y_pred` along `axis` (1: aligned)."""
    return ops.negative(losses.cosine_similarity(y_true, y_pred, axis))


class MeanSquaredError(MeanMetricWrapper):
    """The mean over samples of `mean_squared_error`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(self, name: str | None = "mean_squared_error", dtype: DTypeLike = None) -> None:
        super().__init__(losses.mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """The mean over samples of `mean_absolute_error`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(self, name: str | None = "mean_absolute_error", dtype: DTypeLike = None) -> None:
        super().__init__(losses.mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """The mean over samples of `mean_absolute_percentage_error`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self, name: str | None = "mean_absolute_percentage_error", dtype: DTypeLike = None
    ) -> None:
        super().__init__(losses.mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """The mean over samples of `mean_squared_logarithmic_error`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self, name: str | None = "mean_squared_logarithmic_error", dtype: DTypeLike = None
    ) -> None:
        super().__init__(losses.mean_squared_logarithmic_error, name=name, dtype=dtype)


class LogCoshError(MeanMetricWrapper):
    """The mean over samples of `log_cosh`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(self, name: str | None = "logcosh", dtype: DTypeLike = None) -> None:
        super().__init__(losses.log_cosh, name=name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    """The mean over samples of `cosine_similarity`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
        axis: passed on to `cosine_similarity` (default -1).
    """

    def __init__(
        self, name: str | None = "cosine_similarity", dtype: DTypeLike = None, axis: int = -1
    ) -> None:
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)


class BinaryCrossentropy(MeanMetricWrapper):
    """The mean over samples of `binary_crossentropy`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
        from_logits: passed on to `binary_crossentropy` (default False).
        label_smoothing: passed on to `binary_crossentropy` (default 0).
    """

    def __init__(
        self,
        name: str | None = "binary_crossentropy",
        dtype: DTypeLike = None,
        from_logits: bool = False,
        label_smoothing: float = 0,
    ) -> None:
        super().__init__(
            losses.binary_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
        )


class CategoricalCrossentropy(MeanMetricWrapper):
    """The mean over samples of `categorical_crossentropy`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
        from_logits: passed on to `categorical_crossentropy` (default False).
        label_smoothing: passed on to `categorical_crossentropy` (default 0).
        axis: passed on to `categorical_crossentropy` (default -1).
    """

    def __init__(
        self,
        name: str | None = "categorical_crossentropy",
        dtype: DTypeLike = None,
        from_logits: bool = False,
        label_smoothing: float = 0,
        axis: int = -1,
    ) -> None:
        super().__init__(
            losses.categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class KLDivergence(MeanMetricWrapper):
    """The mean over samples of `kl_divergence`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(self, name: str | None = "kl_divergence", dtype: DTypeLike = None) -> None:
        super().__init__(losses.kl_divergence, name=name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    """The mean over samples of `poisson`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(self, name: str | None = "poisson", dtype: DTypeLike = None) -> None:
        super().__init__(losses.poisson, name=name, dtype=dtype)


class Hinge(MeanMetricWrapper):
    """The mean over samples of `hinge`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(self, name: str | None = "hinge", dtype: DTypeLike = None) -> None:
        super().__init__(losses.hinge, name=name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    """The mean over samples of `squared_hinge`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(self, name: str | None = "squared_hinge", dtype: DTypeLike = None) -> None:
        super().__init__(losses.squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    """The mean over samples of `categorical_hinge`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(self, name: str | None = "categorical_hinge", dtype: DTypeLike = None) -> None:
        super().__init__(losses.categorical_hinge, name=name, dtype=dtype)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The mean over samples of `sparse_categorical_crossentropy`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
        from_logits: whether predictions are logits.
        ignore_class: a class id whose entries add 0 to the loss values (they
            still count in the mean, as in Keras's metric).
        axis: the class axis.
    """

    def __init__(
        self,
        name: str | None = "sparse_categorical_crossentropy",
        dtype: DTypeLike = None,
        from_logits: bool = False,
        ignore_class: int | None = None,
        axis: int = -1,
    ) -> None:
        super().__init__(
            losses.sparse_categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )


class RootMeanSquaredError(MeanMetricWrapper):
    """`sqrt(mean(square(y_true - y_pred)))` over every value seen.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self, name: str | None = "root_mean_squared_error", dtype: DTypeLike = None
    ) -> None:
        super().__init__(losses.mean_squared_error, name=name, dtype=dtype)

    def batch_state(  # type: ignore[override]  # (y_true, y_pred), as its base's
        self, y_true: TensorLike, y_pred: TensorLike, sample_weight: TensorLike | None = None
    ) -> Any:
        y_true, y_pred = same_rank(as_tensor(y_true, "y_true"), as_tensor(y_pred, "y_pred"))
        error = ops.square(ops.subtract(y_true, y_pred))
        return weighted_sum_and_count(error, sample_weight)

    def result_from(self, states: Any) -> Any:
        return np.sqrt(divide_no_nan(states[0], states[1]))

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}
