"""Mean and MeanMetricWrapper: the weighted mean of per-sample values."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pykeras import ops
from pykeras.losses._shapes import as_tensor, same_rank, shape_of
from pykeras.metrics.metric import Metric, divide_no_nan

if TYPE_CHECKING:
    from typing_extensions import Self

    from pykeras.engine.typing import DTypeLike, Tensor, TensorLike

# Metric functions by name (tf.keras 2 stores a wrapped function by name): the
# modules that define them build on this one, so `pykeras.metrics` fills the
# table when imported.
_FUNCTIONS: dict[str, Any] = {}


def per_sample(values: Any) -> Any:
    """Values reduced to one per sample (mean over the axes after the first)."""
    shape = shape_of(values)
    if shape is not None and len(shape) > 1:
        return ops.mean(values, axis=tuple(range(1, len(shape))))
    return values


def ones_like(x: TensorLike) -> Tensor:
    """Ones shaped like `x` (also where `x` is NaN or infinite)."""
    return ops.add(ops.equal(x, x), ops.not_equal(x, x))


def weighted_sum_and_count(values: Any, sample_weight: TensorLike | None) -> list[Tensor]:
    """[sum(values * weight), sum(weight)]; weight 1 per value when None.

    As Keras's `reduce_to_samplewise_values`: weights with more than one axis
    (a mask over time steps) multiply the values entry by entry, then values
    and weights are averaged per sample."""
    if sample_weight is not None and len(shape_of(as_tensor(sample_weight, "w")) or ()) > 1:
        sample_weight = as_tensor(sample_weight, "sample_weight")
        values, sample_weight = same_rank(as_tensor(values, "values"), sample_weight)
        weights = ops.multiply(ones_like(values), sample_weight)
        weighted = per_sample(ops.multiply(values, weights))
        return [ops.sum(weighted), ops.sum(per_sample(weights))]
    values = per_sample(values)
    if sample_weight is None:
        return [ops.sum(values), ops.sum(ones_like(values))]
    sample_weight = as_tensor(sample_weight, "sample_weight")
    values, sample_weight = same_rank(values, sample_weight)
    sample_weight = per_sample(sample_weight)
    weights = ops.multiply(ones_like(values), sample_weight)
    return [ops.sum(ops.multiply(values, weights)), ops.sum(weights)]


class Mean(Metric):
    """The (weighted) mean of the values given to `update_state(values)`."""

    def batch_state(
        self, values: Any, y_pred: TensorLike | None = None, sample_weight: TensorLike | None = None
    ) -> Any:
        return weighted_sum_and_count(as_tensor(values, "values"), sample_weight)

    def update_state(self, values: Any, sample_weight: TensorLike | None = None) -> None:
        super().update_state(values, None, sample_weight)

    def __call__(self, values: Any, sample_weight: TensorLike | None = None) -> Any:
        self.update_state(values, sample_weight)
        return self.result()

    def result_from(self, states: Any) -> Any:
        return divide_no_nan(states[0], states[1])


class MeanMetricWrapper(Mean):
    """The mean of `fn(y_true, y_pred, **kwargs)` over samples.

    Args:
        fn: a per-sample function such as `mean_absolute_error`.
        name: the metric's name.
        dtype: accepted for Keras compatibility.
        **kwargs: passed on to `fn`.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        name: str | None = None,
        dtype: DTypeLike = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name or fn.__name__, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def batch_state(  # type: ignore[override]  # (y_true, y_pred), as Keras's wrapper of Mean
        self, y_true: TensorLike, y_pred: TensorLike, sample_weight: TensorLike | None = None
    ) -> Any:
        # Masked steps of a masked output count for nothing (Keras's
        # `apply_mask(..., reduction="sum")`: the mask multiplies the weights).
        mask = getattr(y_pred, "_keras_mask", None)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:
            mask = ops.cast(mask, "float32")
            if sample_weight is not None:
                mask, weight = same_rank(mask, as_tensor(sample_weight, "sample_weight"))
                mask = ops.multiply(mask, weight)
            sample_weight = mask
        return weighted_sum_and_count(values, sample_weight)

    def update_state(  # type: ignore[override]  # (y_true, y_pred), as Keras's wrapper of Mean
        self, y_true: TensorLike, y_pred: TensorLike, sample_weight: TensorLike | None = None
    ) -> None:
        Metric.update_state(self, y_true, y_pred, sample_weight)

    def __call__(  # type: ignore[override]  # (y_true, y_pred), as Keras's wrapper of Mean
        self, y_true: TensorLike, y_pred: TensorLike, sample_weight: TensorLike | None = None
    ) -> Any:
        return Metric.__call__(self, y_true, y_pred, sample_weight)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        if type(self) is MeanMetricWrapper:
            # As Keras 3 writes it: the wrapped function is part of the config (the
            # subclasses fix their function themselves and do not take `fn`).
            config["fn"] = self._fn
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        fn = config.get("fn")
        if cls is MeanMetricWrapper and isinstance(fn, str):
            # tf.keras 2.15 stores the wrapped function by name in `training_config`
            # (`{"name": "accuracy", "fn": "sparse_categorical_accuracy"}`); Keras 3
            # writes a function config, which deserialization has already resolved.
            if fn not in _FUNCTIONS:
                raise ValueError(f"MeanMetricWrapper wraps an unknown metric function {fn!r}.")
            config = {**config, "fn": _FUNCTIONS[fn]}
        return super().from_config(config)
