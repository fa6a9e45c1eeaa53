"""The Loss base class: per-sample values, then sample weights and reduction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras import ops
from pykeras.backend.naming import to_snake_case
from pykeras.losses._shapes import as_tensor, same_rank, shape_of

if TYPE_CHECKING:
    from typing_extensions import Self

    from pykeras.engine.typing import DTypeLike, Tensor, TensorLike

REDUCTIONS = ("sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight")


class Loss:
    """Base class of losses: `call(y_true, y_pred)` gives per-sample values;
    `__call__` weights and reduces them.

    Args:
        name: the loss's name.
        reduction: "sum_over_batch_size" (the default: the mean over every
            value), "sum", "mean_with_sample_weight" or "none"/None.
        dtype: accepted for Keras compatibility; pykeras computes in float32.
    """

    def __init__(
        self,
        name: str | None = None,
        reduction: str | None = "sum_over_batch_size",
        dtype: DTypeLike = None,
    ) -> None:
        if reduction not in REDUCTIONS:
            raise ValueError(
                f"Invalid value for argument `reduction` of {type(self).__name__}. Expected one "
                f"of {list(REDUCTIONS)}. Received: reduction={reduction!r}"
            )
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = reduction
        self.dtype = dtype

    def call(self, y_true: TensorLike, y_pred: TensorLike) -> Tensor:
        """Per-sample loss values; subclasses override it."""
        raise TypeError(
            f"Loss '{self.name}' ({type(self).__name__}) must override `call(y_true, y_pred)` "
            "to return the per-sample loss values."
        )

    def loss_mask(self, y_true: TensorLike, y_pred: TensorLike, values: Any) -> Any:
        """Which loss values count (None: all), as Keras's mask on the values.

        Keras attaches a mask to a loss function's output (the ignored class of
        SparseCategoricalCrossentropy, Circle's zero terms); pykeras's losses say
        it here, and the reduction then averages over the entries that count.
        """
        return None

    def __call__(
        self, y_true: TensorLike, y_pred: TensorLike, sample_weight: TensorLike | None = None
    ) -> Any:
        # A masked model output (Embedding(mask_zero=True) through a recurrent
        # layer) weighs its masked steps out, as Keras does.
        in_mask = getattr(y_pred, "_keras_mask", None)
        values = self.call(y_true, y_pred)
        mask = self.loss_mask(y_true, y_pred, values)
        if in_mask is not None:
            in_mask = ops.cast(in_mask, "float32")
            mask = in_mask if mask is None else ops.multiply(in_mask, ops.cast(mask, "float32"))
        return reduce_weighted_values(values, sample_weight, mask=mask, reduction=self.reduction)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        return cls(**config)


def reduce_weighted_values(
    values: Any,
    sample_weight: TensorLike | None = None,
    mask: Any = None,
    reduction: str | None = "sum_over_batch_size",
    dtype: DTypeLike = None,
) -> Tensor:
    """Weights per-sample `values` and reduces them as Keras does.

    Args:
        values: the per-sample loss values.
        sample_weight: optional weights, broadcast against `values`.
        mask: optional 0/1 (or boolean) tensor shaped like `values`: entries
            that count. With "sum_over_batch_size" the result is the mean over
            the entries that count.
        reduction: "sum_over_batch_size", "mean", "sum",
            "mean_with_sample_weight" or "none"/None.
        dtype: accepted for Keras compatibility.
    """
    if mask is not None:
        sample_weight = _merge_mask(sample_weight, mask, reduction)
    if sample_weight is not None:
        sample_weight = as_tensor(sample_weight, "sample_weight")
        values, sample_weight = same_rank(values, sample_weight)
        values = ops.multiply(values, sample_weight)
    if reduction in (None, "none") or tuple(shape_of(values)) in ((), (0,)):
        return values
    total = ops.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return ops.divide_no_nan(total, ops.sum(sample_weight))
    return ops.mean(values)


def _merge_mask(sample_weight: Any, mask: Any, reduction: str | None) -> Any:
    """The mask folded into the sample weights (Keras's `apply_mask`): under a
    mean, entries that count weigh `total / valid` so the mean is theirs."""
    mask = ops.cast(mask, "float32")
    if reduction in ("mean", "sum_over_batch_size"):
        total: Any = float(np.prod(shape_of(mask))) if None not in shape_of(mask) else None
        if total is None:
            total = ops.sum(ops.add(ops.multiply(mask, 0.0), 1.0))
        mask = ops.multiply(mask, ops.divide_no_nan(total, ops.sum(mask)))
    if sample_weight is None:
        return mask
    sample_weight = as_tensor(sample_weight, "sample_weight")
    mask, sample_weight = same_rank(mask, sample_weight)
    return ops.multiply(sample_weight, mask)
