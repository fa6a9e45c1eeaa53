"""Loss classes: a loss function with its options, plus name and reduction.

Each class mirrors its Keras 3 namesake: the same constructor arguments in
the same order with the same defaults, and the same `get_config()` keys
(pykeras also keeps `delta` and `axis` in Huber's and CosineSimilarity's
configs, which Keras drops, so that they survive a save and load).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pykeras.losses import functions
from pykeras.losses.loss import Loss

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, Tensor, TensorLike


class LossFunctionWrapper(Loss):
    """Wraps a function `fn(y_true, y_pred, **kwargs)` as a `Loss`.

    Args:
        fn: the per-sample loss function.
        reduction: see `Loss`.
        name: the loss's name.
        dtype: accepted for Keras compatibility.
        **kwargs: passed on to `fn`.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        reduction: str | None = "sum_over_batch_size",
        name: str | None = None,
        dtype: DTypeLike = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: TensorLike, y_pred: TensorLike) -> Tensor:
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        if type(self) is LossFunctionWrapper:
            config["fn"] = self.fn
        config.update(self._fn_kwargs)
        return config

    def __repr__(self) -> str:
        fn = getattr(self.fn, "__name__", self.fn)
        return f"<{type(self).__name__}({fn}, kwargs={self._fn_kwargs})>"


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squares of errors between labels and predictions.

    Args:
        reduction: see `Loss` (default "sum_over_batch_size").
        name: the loss's name (default "mean_squared_error").
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "mean_squared_error",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            functions.mean_squared_error,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute differences between labels and predictions.

    Args:
        reduction: see `Loss` (default "sum_over_batch_size").
        name: the loss's name (default "mean_absolute_error").
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "mean_absolute_error",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            functions.mean_absolute_error,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute percentage error between labels and predictions.

    Args:
        reduction: see `Loss` (default "sum_over_batch_size").
        name: the loss's name (default "mean_absolute_percentage_error").
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "mean_absolute_percentage_error",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            functions.mean_absolute_percentage_error,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean squared logarithmic error between labels and predictions.

    Args:
        reduction: see `Loss` (default "sum_over_batch_size").
        name: the loss's name (default "mean_squared_logarithmic_error").
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "mean_squared_logarithmic_error",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            functions.mean_squared_logarithmic_error,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity between labels and predictions along `axis`.

    Args:
        axis: see `pykeras.losses.cosine_similarity` (default -1).
        reduction: see `Loss` (default "sum_over_batch_size").
        name: the loss's name (default "cosine_similarity").
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "cosine_similarity",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            functions.cosine_similarity,
            reduction=reduction,
            name=name,
            dtype=dtype,
            axis=axis,
        )


class Huber(LossFunctionWrapper):
    """Huber loss: quadratic for errors up to `delta`, linear beyond.

    Args:
        delta: see `pykeras.losses.huber` (default 1.0).
        reduction: see `Loss` (default "sum_over_batch_size").
        name: the loss's name (default "huber_loss").
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self,
        delta: float = 1.0,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "huber_loss",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            functions.huber,
            reduction=reduction,
            name=name,
            dtype=dtype,
            delta=delta,
        )


class LogCosh(LossFunctionWrapper):
    """Logarithm of the hyperbolic cosine of the prediction error.

    Args:
        reduction: see `Loss` (default "sum_over_batch_size").
        name: the loss's name (default "log_cosh").
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "log_cosh",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            functions.log_cosh,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


class Hinge(LossFunctionWrapper):
    """Hinge loss (0/1 labels are mapped to -1/1).

    Args:
        reduction: see `Loss` (default "sum_over_batch_size").
        name: the loss's name (default "hinge").
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "hinge",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            functions.hinge,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss (0/1 labels are mapped to -1/1).

    Args:
        reduction: see `Loss` (default "sum_over_batch_size").
        name: the loss's name (default "squared_hinge").
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "squared_hinge",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            functions.squared_hinge,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss between one-hot labels and predictions.

    Args:
        reduction: see `Loss` (default "sum_over_batch_size").
        name: the loss's name (default "categorical_hinge").
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "categorical_hinge",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            functions.categorical_hinge,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence between labels and predictions.

    Args:
        reduction: see `Loss` (default "sum_over_batch_size").
        name: the loss's name (default "kl_divergence").
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "kl_divergence",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            functions.kl_divergence,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


class Poisson(LossFunctionWrapper):
    """Poisson loss: `y_pred - y_true * log(y_pred)`.

    Args:
        reduction: see `Loss` (default "sum_over_batch_size").
        name: the loss's name (default "poisson").
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "poisson",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            functions.poisson,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


class BinaryCrossentropy(LossFunctionWrapper):
    """Cross-entropy between binary labels and predicted probabilities (or logits).

    Args:
        from_logits: see `pykeras.losses.binary_crossentropy` (default False).
        label_smoothing: see `pykeras.losses.binary_crossentropy` (default 0.0).
        axis: see `pykeras.losses.binary_crossentropy` (default -1).
        reduction: see `Loss` (default "sum_over_batch_size").
        name: the loss's name (default "binary_crossentropy").
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "binary_crossentropy",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            functions.binary_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy between one-hot labels and predicted class probabilities.

    Args:
        from_logits: see `pykeras.losses.categorical_crossentropy` (default False).
        label_smoothing: see `pykeras.losses.categorical_crossentropy` (default 0.0).
        axis: see `pykeras.losses.categorical_crossentropy` (default -1).
        reduction: see `Loss` (default "sum_over_batch_size").
        name: the loss's name (default "categorical_crossentropy").
        dtype: accepted for Keras compatibility.
    """

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "categorical_crossentropy",
        dtype: DTypeLike = None,
    ) -> None:
        super().__init__(
            functions.categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
