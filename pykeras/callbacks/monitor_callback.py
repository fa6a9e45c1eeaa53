"""MonitorCallback: the "is this value better?" logic shared by EarlyStopping and friends."""

from __future__ import annotations

import difflib
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from pykeras.callbacks.callback import Callback

_MODES = ("auto", "min", "max")

# Used in "auto" mode when the model's metric objects do not say which way is
# better (Keras reads `metric._direction`; these are its built-in metrics'
# directions, under the names `compile(metrics=[...])` gives them).
_HIGHER_IS_BETTER = frozenset(
    {
        "accuracy",
        "acc",
        "binary_accuracy",
        "categorical_accuracy",
        "sparse_categorical_accuracy",
        "top_k_categorical_accuracy",
        "sparse_top_k_categorical_accuracy",
        "auc",
        "precision",
        "recall",
        "f1_score",
        "fbeta_score",
        "r2_score",
        "cosine_similarity",
        "iou",
        "mean_iou",
        "one_hot_iou",
        "one_hot_mean_iou",
        "binary_iou",
        "pearson_correlation",
        "concordance_correlation",
        "precision_at_recall",
        "recall_at_precision",
        "sensitivity_at_specificity",
        "specificity_at_sensitivity",
    }
)
_LOWER_IS_BETTER = frozenset(
    {
        "loss",
        "mean_squared_error",
        "mse",
        "mean_absolute_error",
        "mae",
        "mean_absolute_percentage_error",
        "mape",
        "mean_squared_logarithmic_error",
        "msle",
        "root_mean_squared_error",
        "log_cosh_error",
        "hinge",
        "squared_hinge",
        "categorical_hinge",
        "kl_divergence",
        "poisson",
        "binary_crossentropy",
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
    }
)


class MonitorCallback(Callback):
    """Base class for callbacks that watch a logged quantity for improvement.

    Not meant to be used directly: `EarlyStopping`, `ModelCheckpoint` and
    `ReduceLROnPlateau` subclass it.

    Args:
        monitor: Quantity to be monitored. Defaults to `"val_loss"`.
        mode: One of `{"auto", "min", "max"}`. In `"min"` mode lower is
            better, in `"max"` mode higher is better; in `"auto"` mode the
            direction is inferred from the name of the monitored quantity.
        baseline: Initial "best" value; `None` uses the first value seen.
        min_delta: Minimum change in the monitored quantity to count as an
            improvement (its sign is ignored).

    Raises:
        ValueError: If `mode` is not one of the three above, or (when the
            first epoch ends) if `mode="auto"` cannot tell the direction.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        mode: str = "auto",
        baseline: float | None = None,
        min_delta: float = 0,
    ) -> None:
        super().__init__()
        if mode not in _MODES:
            # Keras warns and falls back to "auto"; a typo here silently flips
            # what "better" means, so it is an error.
            hint = difflib.get_close_matches(str(mode), _MODES, n=1)
            suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
            raise ValueError(
                f"{type(self).__name__} `mode` must be one of 'auto', 'min', 'max'."
                f"{suggestion} Received: mode={mode!r}"
            )
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op: Callable[[Any, Any], Any] | None = None

    def _set_monitor_op(self) -> None:
        """Chooses `<` or `>`; called once the model's metrics exist (first epoch end)."""
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            direction = _infer_direction(self.model, self.monitor.removeprefix("val_"))
            if direction is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor}, but "
                    "Keras isn't able to automatically determine whether that metric should "
                    "be maximized or minimized. Pass `mode='max'` in order to monitor based "
                    "on the highest metric value, or pass `mode='min'` in order to use the "
                    "lowest value."
                )
            self.monitor_op = operator.gt if direction == "up" else operator.lt
        if self.monitor_op is operator.lt:
            # Lower is better: an improvement must undercut the best by min_delta.
            self.min_delta *= -1

    def _is_improvement(self, monitor_value: Any, reference_value: Any) -> Any:
        if reference_value is None:
            return True
        if self.monitor_op is None:
            # Reached before the first epoch ended (e.g. ModelCheckpoint saving
            # the best model every N batches), where Keras fails on a None op.
            self._set_monitor_op()
        # Compared in float32, as Keras does (its ops cast Python floats to
        # float32): metrics are float32 anyway, and float64 rounding noise in
        # `value - min_delta` must not decide what counts as an improvement.
        shifted = np.float32(monitor_value - self.min_delta)
        assert self.monitor_op is not None, "set by _set_monitor_op"
        return bool(self.monitor_op(shifted, np.float32(reference_value)))


def _infer_direction(model: Any, metric_name: Any) -> Any:
    """`"up"`, `"down"` or `None` for the metric named `metric_name`."""
    if metric_name == "loss":
        return "down"
    pending = list(_model_metrics(model))
    while pending:
        metric = pending.pop(0)
        direction = getattr(metric, "_direction", None)
        if getattr(metric, "name", None) == metric_name and direction in ("up", "down"):
            return direction
        # Containers (compiled metrics, metric lists) hold the real metrics.
        inner = getattr(metric, "metrics", None)
        if isinstance(inner, (list, tuple)):
            pending.extend(inner)
    if metric_name in _HIGHER_IS_BETTER:
        return "up"
    if metric_name in _LOWER_IS_BETTER or metric_name.endswith("_loss"):
        return "down"
    return None


def _model_metrics(model: Any) -> Any:
    try:
        metrics = getattr(model, "metrics", None)
    except Exception:  # a model not compiled or built yet may raise from the property
        return []
    return list(metrics) if isinstance(metrics, (list, tuple)) else []
