"""Mean and MeanMetricWrapper: the weighted mean of per-sample values."""

from pykeras import ops
from pykeras.losses._shapes import as_tensor, same_rank, shape_of
from pykeras.metrics.metric import Metric, divide_no_nan

# Metric functions by name (tf.keras 2 stores a wrapped function by name): the
# modules that define them build on this one, so `pykeras.metrics` fills the
# table when imported.
_FUNCTIONS = {}


def per_sample(values):
    """Values reduced to one per sample (mean over the axes after the first)."""
    shape = shape_of(values)
    if shape is not None and len(shape) > 1:
        return ops.mean(values, axis=tuple(range(1, len(shape))))
    return values


def ones_like(x):
    """Ones shaped like `x` (also where `x` is NaN or infinite)."""
    return ops.add(ops.equal(x, x), ops.not_equal(x, x))


def weighted_sum_and_count(values, sample_weight):
    """[sum(values * weight), sum(weight)]; weight 1 per value when None."""
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

    def batch_state(self, values, y_pred=None, sample_weight=None):
        return weighted_sum_and_count(as_tensor(values, "values"), sample_weight)

    def update_state(self, values, sample_weight=None):
        super().update_state(values, None, sample_weight)

    def __call__(self, values, sample_weight=None):
        self.update_state(values, sample_weight)
        return self.result()

    def result_from(self, states):
        return divide_no_nan(states[0], states[1])


class MeanMetricWrapper(Mean):
    """The mean of `fn(y_true, y_pred, **kwargs)` over samples.

    Args:
        fn: a per-sample function such as `mean_absolute_error`.
        name: the metric's name.
        dtype: accepted for Keras compatibility.
        **kwargs: passed on to `fn`.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or fn.__name__, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def batch_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        return weighted_sum_and_count(values, sample_weight)

    def update_state(self, y_true, y_pred, sample_weight=None):
        Metric.update_state(self, y_true, y_pred, sample_weight)

    def __call__(self, y_true, y_pred, sample_weight=None):
        return Metric.__call__(self, y_true, y_pred, sample_weight)

    def get_config(self):
        config = super().get_config()
        if type(self) is MeanMetricWrapper:
            # As Keras 3 writes it: the wrapped function is part of the config (the
            # subclasses fix their function themselves and do not take `fn`).
            config["fn"] = self._fn
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        fn = config.get("fn")
        if cls is MeanMetricWrapper and isinstance(fn, str):
            # tf.keras 2.15 stores the wrapped function by name in `training_config`
            # (`{"name": "accuracy", "fn": "sparse_categorical_accuracy"}`); Keras 3
            # writes a function config, which deserialization has already resolved.
            if fn not in _FUNCTIONS:
                raise ValueError(f"MeanMetricWrapper wraps an unknown metric function {fn!r}.")
            config = {**config, "fn": _FUNCTIONS[fn]}
        return super().from_config(config)
