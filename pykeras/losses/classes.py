"""Loss classes: a loss function with its options, plus name and reduction."""

from pykeras.losses import functions
from pykeras.losses.loss import Loss


class LossFunctionWrapper(Loss):
    """Wraps a function `fn(y_true, y_pred, **kwargs)` as a `Loss`."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        config.update(self._fn_kwargs)
        return config


def _wrapper(fn, default_name, options=()):
    """A Loss class for `fn` whose constructor takes `options` (name, default)."""
    option_names = [name for name, _ in options]

    def __init__(
        self, *args, reduction="sum_over_batch_size", name=default_name, dtype=None, **kwargs
    ):
        values = dict(options)
        if len(args) > len(option_names):
            raise TypeError(
                f"{type(self).__name__} takes at most {len(option_names)} positional "
                f"arguments ({option_names}). Received {len(args)}."
            )
        values.update(zip(option_names, args))
        for key, value in kwargs.items():
            if key not in values:
                import difflib

                hint = difflib.get_close_matches(key, option_names + ["reduction", "name"], n=1)
                suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
                raise TypeError(
                    f"{type(self).__name__} got an unexpected keyword argument '{key}'."
                    + suggestion
                )
            values[key] = value
        LossFunctionWrapper.__init__(
            self, fn, reduction=reduction, name=name, dtype=dtype, **values
        )

    def from_config(cls, config):
        return cls(**config)

    return {
        "__init__": __init__,
        "from_config": classmethod(from_config),
        "__doc__": f"The `{default_name}` loss as a class (see `pykeras.losses.{fn.__name__}`).",
    }


MeanSquaredError = type(
    "MeanSquaredError",
    (LossFunctionWrapper,),
    _wrapper(functions.mean_squared_error, "mean_squared_error"),
)
MeanAbsoluteError = type(
    "MeanAbsoluteError",
    (LossFunctionWrapper,),
    _wrapper(functions.mean_absolute_error, "mean_absolute_error"),
)
MeanAbsolutePercentageError = type(
    "MeanAbsolutePercentageError",
    (LossFunctionWrapper,),
    _wrapper(functions.mean_absolute_percentage_error, "mean_absolute_percentage_error"),
)
MeanSquaredLogarithmicError = type(
    "MeanSquaredLogarithmicError",
    (LossFunctionWrapper,),
    _wrapper(functions.mean_squared_logarithmic_error, "mean_squared_logarithmic_error"),
)
Huber = type(
    "Huber",
    (LossFunctionWrapper,),
    _wrapper(functions.huber, "huber_loss", [("delta", 1.0)]),
)
LogCosh = type("LogCosh", (LossFunctionWrapper,), _wrapper(functions.log_cosh, "log_cosh"))
BinaryCrossentropy = type(
    "BinaryCrossentropy",
    (LossFunctionWrapper,),
    _wrapper(
        functions.binary_crossentropy,
        "binary_crossentropy",
        [("from_logits", False), ("label_smoothing", 0.0), ("axis", -1)],
    ),
)
CategoricalCrossentropy = type(
    "CategoricalCrossentropy",
    (LossFunctionWrapper,),
    _wrapper(
        functions.categorical_crossentropy,
        "categorical_crossentropy",
        [("from_logits", False), ("label_smoothing", 0.0), ("axis", -1)],
    ),
)
SparseCategoricalCrossentropy = type(
    "SparseCategoricalCrossentropy",
    (LossFunctionWrapper,),
    _wrapper(
        functions.sparse_categorical_crossentropy,
        "sparse_categorical_crossentropy",
        [("from_logits", False), ("ignore_class", None)],
    ),
)
KLDivergence = type(
    "KLDivergence", (LossFunctionWrapper,), _wrapper(functions.kl_divergence, "kl_divergence")
)
Poisson = type("Poisson", (LossFunctionWrapper,), _wrapper(functions.poisson, "poisson"))
Hinge = type("Hinge", (LossFunctionWrapper,), _wrapper(functions.hinge, "hinge"))
SquaredHinge = type(
    "SquaredHinge", (LossFunctionWrapper,), _wrapper(functions.squared_hinge, "squared_hinge")
)
CategoricalHinge = type(
    "CategoricalHinge",
    (LossFunctionWrapper,),
    _wrapper(functions.categorical_hinge, "categorical_hinge"),
)
CosineSimilarity = type(
    "CosineSimilarity",
    (LossFunctionWrapper,),
    _wrapper(functions.cosine_similarity, "cosine_similarity", [("axis", -1)]),
)
