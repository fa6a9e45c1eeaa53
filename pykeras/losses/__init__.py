"""pykeras.losses: loss functions and classes, by Keras's names.

`get("mse")`, `get("categorical_crossentropy")`, `get(MeanSquaredError())`,
`get({"class_name": "Huber", "config": {...}})` all resolve to a callable
`loss(y_true, y_pred)`.
"""

from __future__ import annotations

import difflib
from typing import Any

from pykeras.losses.classes import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    LossFunctionWrapper,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SquaredHinge,
)
from pykeras.losses.classes_extra import (
    CTC,
    BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy,
    Circle,
    Dice,
    SparseCategoricalCrossentropy,
    Tversky,
)
from pykeras.losses.functions import (
    KLD,
    MAE,
    MAPE,
    MSE,
    MSLE,
    binary_crossentropy,
    categorical_crossentropy,
    categorical_hinge,
    cosine_similarity,
    hinge,
    huber,
    huber_loss,
    kl_divergence,
    kld,
    log_cosh,
    logcosh,
    mae,
    mape,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    mse,
    msle,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from pykeras.losses.functions_extra import (
    binary_focal_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    circle,
    ctc,
    dice,
    tversky,
)
from pykeras.losses.loss import Loss, reduce_weighted_values  # noqa: F401 - public API

_CLASSES: dict[str, type[Loss]] = {
    cls.__name__: cls
    for cls in (
        Loss,
        LossFunctionWrapper,
        MeanSquaredError,
        MeanAbsoluteError,
        MeanAbsolutePercentageError,
        MeanSquaredLogarithmicError,
        Huber,
        LogCosh,
        BinaryCrossentropy,
        CategoricalCrossentropy,
        SparseCategoricalCrossentropy,
        KLDivergence,
        Poisson,
        Hinge,
        SquaredHinge,
        CategoricalHinge,
        CosineSimilarity,
        BinaryFocalCrossentropy,
        CategoricalFocalCrossentropy,
        CategoricalGeneralizedCrossEntropy,
        Dice,
        Tversky,
        Circle,
        CTC,
    )
}

_FUNCTIONS = {
    "mean_squared_error": mean_squared_error,
    "mse": mse,
    "MSE": MSE,
    "mean_absolute_error": mean_absolute_error,
    "mae": mae,
    "MAE": MAE,
    "mean_absolute_percentage_error": mean_absolute_percentage_error,
    "mape": mape,
    "MAPE": MAPE,
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error,
    "msle": msle,
    "MSLE": MSLE,
    "huber": huber,
    "huber_loss": huber_loss,
    "log_cosh": log_cosh,
    "logcosh": logcosh,
    "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "kl_divergence": kl_divergence,
    "kld": kld,
    "KLD": KLD,
    "kullback_leibler_divergence": kl_divergence,
    "poisson": poisson,
    "hinge": hinge,
    "squared_hinge": squared_hinge,
    "categorical_hinge": categorical_hinge,
    "cosine_similarity": cosine_similarity,
    "binary_focal_crossentropy": binary_focal_crossentropy,
    "categorical_focal_crossentropy": categorical_focal_crossentropy,
    "categorical_generalized_cross_entropy": categorical_generalized_cross_entropy,
    "dice": dice,
    "tversky": tversky,
    "circle": circle,
    "ctc": ctc,
}


def known_names() -> list[str]:
    """Every string `get` accepts."""
    return sorted(set(_FUNCTIONS) | set(_CLASSES) - {"Loss", "LossFunctionWrapper"})


def get(identifier: Any) -> Any:
    """A loss from a name, a config dict, a `Loss` instance or a callable.

    Raises:
        ValueError: for an unknown name, naming it and listing the known ones.
    """
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier in _FUNCTIONS:
            return _FUNCTIONS[identifier]
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        hint = difflib.get_close_matches(identifier, known_names(), n=1)
        suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
        raise ValueError(f"Unknown loss: '{identifier}'.{suggestion} Known losses: {known_names()}")
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return identifier
    raise TypeError(
        f"Could not interpret loss identifier: {identifier!r}. Expected a string, a dict, a "
        "Loss instance or a callable."
    )


def serialize(loss: Any) -> Any:
    """Keras 3's config form of a loss (a function serializes to its name)."""
    if isinstance(loss, Loss):
        return {
            "module": "keras.losses",
            "class_name": type(loss).__name__,
            "config": loss.get_config(),
            "registered_name": None,
        }
    name = getattr(loss, "__name__", None)
    if name in _FUNCTIONS:
        return name
    raise ValueError(f"Cannot serialize loss {loss!r}: it is not a pykeras loss.")


def deserialize(name: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """A loss from `serialize`'s output (a name or a config dict).

    Args:
        name: the serialized loss.
        custom_objects: `{name: class or function}` for user-defined losses.
    """
    config = name
    if isinstance(config, str):
        if custom_objects and config in custom_objects:
            return custom_objects[config]
        return get(config)
    name = config.get("class_name")
    if custom_objects and name in custom_objects:
        return custom_objects[name].from_config(config.get("config") or {})
    cls = _CLASSES.get(name)
    if cls is None:
        if name in _FUNCTIONS:
            return _FUNCTIONS[name]
        hint = difflib.get_close_matches(str(name), known_names(), n=1)
        suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
        raise ValueError(f"Unknown loss: '{name}'.{suggestion} Known losses: {known_names()}")
    return cls.from_config(config.get("config") or {})


__all__ = sorted(
    set(_CLASSES) | set(_FUNCTIONS) | {"get", "serialize", "deserialize", "reduce_weighted_values"}
)
