"""The Loss base class: per-sample values, then sample weights and reduction."""

from pykeras import ops
from pykeras.backend.naming import to_snake_case
from pykeras.losses._shapes import as_tensor, same_rank

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

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in REDUCTIONS:
            raise ValueError(
                f"Invalid value for argument `reduction` of {type(self).__name__}. Expected one "
                f"of {list(REDUCTIONS)}. Received: reduction={reduction!r}"
            )
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = reduction
        self.dtype = dtype

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        values = self.call(y_true, y_pred)
        return reduce_weighted_values(values, sample_weight, self.reduction)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def reduce_weighted_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Weights per-sample `values` and reduces them as Keras does."""
    if sample_weight is not None:
        sample_weight = as_tensor(sample_weight, "sample_weight")
        values, sample_weight = same_rank(values, sample_weight)
        values = ops.multiply(values, sample_weight)
    if reduction in (None, "none"):
        return values
    total = ops.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return ops.divide(total, ops.maximum(ops.sum(sample_weight), 1e-38))
    return ops.mean(values)
