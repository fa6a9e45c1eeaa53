"""Regression metrics, and the losses usable as metrics."""

import numpy as np

from pykeras import losses, ops
from pykeras.losses._shapes import as_tensor, same_rank
from pykeras.metrics.mean_metric import MeanMetricWrapper, weighted_sum_and_count
from pykeras.metrics.metric import divide_no_nan


def _wrapper_class(class_name, fn, default_name, options=()):
    option_names = [name for name, _ in options]

    def __init__(self, name=default_name, dtype=None, **kwargs):
        values = dict(options)
        for key, value in kwargs.items():
            if key not in values:
                raise TypeError(
                    f"{class_name} got an unexpected keyword argument '{key}'. "
                    f"Its options are: {option_names + ['name', 'dtype']}"
                )
            values[key] = value
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **values)

    doc = f"The mean of `{fn.__name__}` over samples, as a streaming metric."
    return type(class_name, (MeanMetricWrapper,), {"__init__": __init__, "__doc__": doc})


MeanSquaredError = _wrapper_class(
    "MeanSquaredError", losses.mean_squared_error, "mean_squared_error"
)
MeanAbsoluteError = _wrapper_class(
    "MeanAbsoluteError", losses.mean_absolute_error, "mean_absolute_error"
)
MeanAbsolutePercentageError = _wrapper_class(
    "MeanAbsolutePercentageError",
    losses.mean_absolute_percentage_error,
    "mean_absolute_percentage_error",
)
MeanSquaredLogarithmicError = _wrapper_class(
    "MeanSquaredLogarithmicError",
    losses.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error",
)
LogCoshError = _wrapper_class("LogCoshError", losses.log_cosh, "logcosh")
CosineSimilarity = _wrapper_class(
    "CosineSimilarity",
    lambda t, p, axis=-1: ops.negative(losses.cosine_similarity(t, p, axis)),
    "cosine_similarity",
    [("axis", -1)],
)
BinaryCrossentropy = _wrapper_class(
    "BinaryCrossentropy",
    losses.binary_crossentropy,
    "binary_crossentropy",
    [("from_logits", False), ("label_smoothing", 0.0)],
)
CategoricalCrossentropy = _wrapper_class(
    "CategoricalCrossentropy",
    losses.categorical_crossentropy,
    "categorical_crossentropy",
    [("from_logits", False), ("label_smoothing", 0.0), ("axis", -1)],
)
SparseCategoricalCrossentropy = _wrapper_class(
    "SparseCategoricalCrossentropy",
    losses.sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy",
    [("from_logits", False), ("axis", -1)],
)
KLDivergence = _wrapper_class("KLDivergence", losses.kl_divergence, "kl_divergence")
Poisson = _wrapper_class("Poisson", losses.poisson, "poisson")
Hinge = _wrapper_class("Hinge", losses.hinge, "hinge")
SquaredHinge = _wrapper_class("SquaredHinge", losses.squared_hinge, "squared_hinge")
CategoricalHinge = _wrapper_class("CategoricalHinge", losses.categorical_hinge, "categorical_hinge")


class RootMeanSquaredError(MeanMetricWrapper):
    """`sqrt(mean(square(y_true - y_pred)))` over every value seen."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(losses.mean_squared_error, name=name, dtype=dtype)

    def batch_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = same_rank(as_tensor(y_true, "y_true"), as_tensor(y_pred, "y_pred"))
        error = ops.square(ops.subtract(y_true, y_pred))
        return weighted_sum_and_count(error, sample_weight)

    def result_from(self, states):
        return np.sqrt(divide_no_nan(states[0], states[1]))

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}
