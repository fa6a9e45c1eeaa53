"""Regression metrics, and the losses usable as metrics: the mean over
samples of a per-sample function, each class with Keras 3's constructor."""

import numpy as np

from pykeras import losses, ops
from pykeras.losses._shapes import as_tensor, same_rank
from pykeras.metrics.mean_metric import MeanMetricWrapper, weighted_sum_and_count
from pykeras.metrics.metric import divide_no_nan


def cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine similarity of `y_true` and `y_pred` along `axis` (1: aligned)."""
    return ops.negative(losses.cosine_similarity(y_true, y_pred, axis))


class MeanSquaredError(MeanMetricWrapper):
    """The mean over samples of `mean_squared_error`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(losses.mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """The mean over samples of `mean_absolute_error`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(losses.mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """The mean over samples of `mean_absolute_percentage_error`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(losses.mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """The mean over samples of `mean_squared_logarithmic_error`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(losses.mean_squared_logarithmic_error, name=name, dtype=dtype)


class LogCoshError(MeanMetricWrapper):
    """The mean over samples of `log_cosh`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(losses.log_cosh, name=name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    """The mean over samples of `cosine_similarity`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
        axis: passed on to `cosine_similarity` (default -1).
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
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
        self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0
    ):
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
        name="categorical_crossentropy",
        dtype=None,
        from_logits=False,
        label_smoothing=0,
        axis=-1,
    ):
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

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(losses.kl_divergence, name=name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    """The mean over samples of `poisson`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(self, name="poisson", dtype=None):
        super().__init__(losses.poisson, name=name, dtype=dtype)


class Hinge(MeanMetricWrapper):
    """The mean over samples of `hinge`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(self, name="hinge", dtype=None):
        super().__init__(losses.hinge, name=name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    """The mean over samples of `squared_hinge`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(losses.squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    """The mean over samples of `categorical_hinge`.

    Args:
        name: the metric's name.
        dtype: accepted for Keras compatibility.
    """

    def __init__(self, name="categorical_hinge", dtype=None):
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
        name="sparse_categorical_crossentropy",
        dtype=None,
        from_logits=False,
        ignore_class=None,
        axis=-1,
    ):
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
