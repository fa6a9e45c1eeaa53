"""pykeras.metrics: streaming metrics and per-sample metric functions."""

from __future__ import annotations

import difflib
from typing import Any

from pykeras.backend.naming import to_snake_case
from pykeras.losses import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from pykeras.metrics import mean_metric
from pykeras.metrics.accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from pykeras.metrics.auc import AUC
from pykeras.metrics.confusion import (
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from pykeras.metrics.correlation import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    concordance_correlation,
    pearson_correlation,
)
from pykeras.metrics.f_score import F1Score, FBetaScore
from pykeras.metrics.iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from pykeras.metrics.mean_metric import Mean, MeanMetricWrapper
from pykeras.metrics.metric import Metric
from pykeras.metrics.r2_score import R2Score
from pykeras.metrics.reduction import Sum
from pykeras.metrics.regression import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    KLDivergence,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    RootMeanSquaredError,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)
from pykeras.metrics.sensitivity import (
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)

_CLASSES: dict[str, type[Metric]] = {
    cls.__name__: cls
    for cls in (
        Metric,
        Mean,
        MeanMetricWrapper,
        Accuracy,
        BinaryAccuracy,
        CategoricalAccuracy,
        SparseCategoricalAccuracy,
        TopKCategoricalAccuracy,
        SparseTopKCategoricalAccuracy,
        AUC,
        Precision,
        Recall,
        MeanSquaredError,
        MeanAbsoluteError,
        MeanAbsolutePercentageError,
        MeanSquaredLogarithmicError,
        RootMeanSquaredError,
        LogCoshError,
        CosineSimilarity,
        BinaryCrossentropy,
        CategoricalCrossentropy,
        SparseCategoricalCrossentropy,
        KLDivergence,
        Poisson,
        Hinge,
        SquaredHinge,
        CategoricalHinge,
        Sum,
        TruePositives,
        FalsePositives,
        TrueNegatives,
        FalseNegatives,
        PrecisionAtRecall,
        RecallAtPrecision,
        SensitivityAtSpecificity,
        SpecificityAtSensitivity,
        F1Score,
        FBetaScore,
        IoU,
        BinaryIoU,
        MeanIoU,
        OneHotIoU,
        OneHotMeanIoU,
        R2Score,
        PearsonCorrelation,
        ConcordanceCorrelation,
    )
}

_FUNCTIONS = {
    "accuracy": accuracy,
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": sparse_top_k_categorical_accuracy,
    "mean_squared_error": mean_squared_error,
    "mse": mean_squared_error,
    "mean_absolute_error": mean_absolute_error,
    "mae": mean_absolute_error,
    "mean_absolute_percentage_error": mean_absolute_percentage_error,
    "mape": mean_absolute_percentage_error,
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error,
    "msle": mean_squared_logarithmic_error,
    "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "kl_divergence": kl_divergence,
    "kld": kl_divergence,
    "poisson": poisson,
    "hinge": hinge,
    "squared_hinge": squared_hinge,
    "categorical_hinge": categorical_hinge,
    "log_cosh": log_cosh,
    "logcosh": log_cosh,
    "huber": huber,
    "binary_focal_crossentropy": binary_focal_crossentropy,
    "categorical_focal_crossentropy": categorical_focal_crossentropy,
    "pearson_correlation": pearson_correlation,
    "concordance_correlation": concordance_correlation,
}
# `MeanMetricWrapper.from_config` reads tf.keras 2's functions by name from it.
mean_metric._FUNCTIONS.update(_FUNCTIONS)

_SNAKE_CLASSES: dict[str, type[Metric]] = {
    to_snake_case(name): cls
    for name, cls in _CLASSES.items()
    if name not in ("Metric", "Mean", "MeanMetricWrapper", "Sum")
}
_SNAKE_CLASSES["auc"] = AUC
# Keras 3's short aliases name metric classes too.
_SNAKE_CLASSES.update(
    {
        "mse": MeanSquaredError,
        "mae": MeanAbsoluteError,
        "mape": MeanAbsolutePercentageError,
        "msle": MeanSquaredLogarithmicError,
        "rmse": RootMeanSquaredError,
        "bce": BinaryCrossentropy,
        "kld": KLDivergence,
    }
)


def known_names() -> list[str]:
    """Every metric name `get` accepts."""
    return sorted(set(_FUNCTIONS) | set(_SNAKE_CLASSES) | set(_CLASSES) | {"acc"})


def get(identifier: Any) -> Any:
    """A metric (object or function) from a name, config dict, instance or callable."""
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        # As in Keras 3, a name that is also a class's (snake-case) name gives
        # a metric object; only the rest resolve to functions.
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        if identifier in _SNAKE_CLASSES:
            return _SNAKE_CLASSES[identifier]()
        if identifier in _FUNCTIONS:
            return _FUNCTIONS[identifier]
        hint = difflib.get_close_matches(identifier, known_names(), n=1)
        suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
        raise ValueError(
            f"Unknown metric: '{identifier}'.{suggestion} Known metrics: {known_names()}"
        )
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret metric identifier: {identifier!r}")


def serialize(metric: Any) -> Any:
    """Keras 3's config form of a metric."""
    return {
        "module": "keras.metrics",
        "class_name": type(metric).__name__,
        "config": metric.get_config(),
        "registered_name": None,
    }


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """A metric from `serialize`'s output.

    Args:
        config: the serialized metric (a config dict, or a function's name).
        custom_objects: `{name: class or function}` for user-defined metrics.
    """
    if isinstance(config, str):
        if custom_objects and config in custom_objects:
            return custom_objects[config]
        return get(config)
    name = config.get("class_name")
    if custom_objects and name in custom_objects:
        return custom_objects[name].from_config(config.get("config") or {})
    cls = _CLASSES.get(name)
    if cls is None:
        raise ValueError(f"Unknown metric: '{name}'. Known metrics: {sorted(_CLASSES)}")
    return cls.from_config(config.get("config") or {})
