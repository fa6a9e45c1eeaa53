"""Sum: the (weighted) sum of the values given to `update_state(values)`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pykeras import ops
from pykeras.losses._shapes import as_tensor, same_rank, shape_of
from pykeras.metrics.metric import Metric

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, TensorLike


class Sum(Metric):
    """The running (weighted) sum of `values`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.

    Example:

    >>> m = keras.metrics.Sum()
    >>> m.update_state([1, 3, 5, 7])
    >>> m.result()
    16.0
    """

    def __init__(self, name: str | None = "sum", dtype: DTypeLike = None) -> None:
        super().__init__(name=name, dtype=dtype)

    def batch_state(
        self, values: Any, y_pred: TensorLike | None = None, sample_weight: TensorLike | None = None
    ) -> Any:
        values = as_tensor(values, "values")
        if sample_weight is not None:
            weight = as_tensor(sample_weight, "sample_weight")
            values, weight = same_rank(values, weight)
            extra = len(shape_of(values)) - len(shape_of(weight))
            if extra > 0:
                values = ops.sum(
                    values, axis=tuple(range(len(shape_of(weight)), len(shape_of(values))))
                )
            values = ops.multiply(values, weight)
        return [ops.sum(values)]

    def update_state(self, values: Any, sample_weight: TensorLike | None = None) -> None:
        super().update_state(values, None, sample_weight)

    def __call__(self, values: Any, sample_weight: TensorLike | None = None) -> Any:
        self.update_state(values, sample_weight)
        return self.result()

    def result_from(self, states: Any) -> Any:
        return states[0]
