"""What `compile()` was given, resolved per model output: the loss of each
output with its weight, and the metrics of each output with the names the
user wrote (so `metrics=["acc"]` logs `acc`)."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pykeras import losses as losses_module
from pykeras import metrics as metrics_module
from pykeras.losses.loss import Loss, reduce_weighted_values
from pykeras.metrics.metric import Metric

if TYPE_CHECKING:
    from pykeras.engine.typing import Shape

_SPARSE_LOSSES = ("sparse_categorical_crossentropy",)


def _per_output(value: Any, names: list[str], what: str) -> list[Any]:
    """`value` (single, list or dict keyed by output name) as a list per output."""
    if isinstance(value, dict):
        unknown = [k for k in value if k not in names]
        if unknown:
            hint = difflib.get_close_matches(str(unknown[0]), names, n=1)
            suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
            raise ValueError(
                f"compile() got {what} for unknown output(s) {unknown}.{suggestion} "
                f"The model's outputs are: {names}"
            )
        return [value.get(n) for n in names]
    if isinstance(value, (list, tuple)) and len(names) > 1:
        if len(value) != len(names):
            raise ValueError(
                f"compile() got a list of {len(value)} {what} but the model has {len(names)} "
                f"outputs ({names}). Pass one per output, or a dict keyed by output name."
            )
        return list(value)
    # One loss given for several outputs applies to each of them.
    return [value] * len(names)


class LossEntry:
    """The loss of one output: a callable giving a reduced scalar, plus its weight."""

    def __init__(self, identifier: Any, weight: float | None, output_name: str) -> None:
        self.identifier = identifier
        self.weight = 1.0 if weight is None else float(weight)
        self.output_name = output_name
        self.name = _loss_name(identifier, None)
        # "crossentropy" / "ce" pick their kind from the data's shapes later.
        self.fn: Callable[..., Any] | None = (
            None if _is_alias(identifier) else losses_module.get(identifier)
        )

    def resolve_alias(self, target_shape: tuple[int, ...], pred_shape: Shape) -> None:
        """Resolves "crossentropy"/"ce" by shapes, as Keras 3 does for "accuracy"."""
        if self.fn is not None:
            return
        if _is_binary(pred_shape):
            self.fn = losses_module.binary_crossentropy
        elif _sparse(len(target_shape), pred_shape, target_shape[-1] if target_shape else None):
            self.fn = losses_module.sparse_categorical_crossentropy
        else:
            self.fn = losses_module.categorical_crossentropy

    @property
    def is_sparse(self) -> bool:
        if isinstance(self.fn, Loss):
            return type(self.fn).__name__ == "SparseCategoricalCrossentropy"
        return getattr(self.fn, "__name__", "") in _SPARSE_LOSSES

    @property
    def is_categorical(self) -> bool:
        if isinstance(self.fn, Loss):
            return type(self.fn).__name__ == "CategoricalCrossentropy"
        return getattr(self.fn, "__name__", "") == "categorical_crossentropy"

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        fn = self.fn
        if fn is None:
            raise TypeError(
                f"The loss '{self.name}' of output '{self.output_name}' is resolved from the "
                "data's shapes, which it has not seen yet."
            )
        if isinstance(fn, Loss):
            return fn(y_true, y_pred, sample_weight)
        # A plain function is wrapped as Keras wraps it (LossFunctionWrapper):
        # a masked output weighs its masked steps out.
        mask = getattr(y_pred, "_keras_mask", None)
        return reduce_weighted_values(fn(y_true, y_pred), sample_weight, mask=mask)


def _is_alias(identifier: object) -> bool:
    return isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce")


def _loss_name(identifier: Any, fn: Callable[..., Any] | None) -> str:
    if isinstance(identifier, str):
        return identifier
    if isinstance(identifier, Loss):
        return identifier.name
    return getattr(identifier, "__name__", "loss")


def resolve_losses(loss: Any, loss_weights: Any, output_names: list[str]) -> list[LossEntry | None]:
    """One `LossEntry` (or None) per output."""
    if loss is None:
        return [None] * len(output_names)
    # Unknown names first: `["mean_squared_loss,categorical_crossentropy"]` is
    # better told as a bad name than as a list of the wrong length.
    entries = loss.values() if isinstance(loss, dict) else loss
    for entry in entries if isinstance(loss, (list, tuple, dict)) else [loss]:
        if isinstance(entry, str) and not _is_alias(entry):
            losses_module.get(entry)
    per_output = _per_output(loss, output_names, "losses")
    if isinstance(loss, (list, tuple)) and len(output_names) == 1:
        if len(loss) != 1:
            raise ValueError(
                f"compile() got a list of {len(loss)} losses but the model has 1 output."
            )
        per_output = list(loss)
    if loss_weights is None:
        weights = [None] * len(output_names)
    elif isinstance(loss_weights, dict):
        weights = [loss_weights.get(n) for n in output_names]
    elif isinstance(loss_weights, (list, tuple)):
        if len(loss_weights) != len(output_names):
            raise ValueError(
                f"compile() got {len(loss_weights)} loss_weights for {len(output_names)} outputs."
            )
        weights = list(loss_weights)
    else:
        weights = [loss_weights] * len(output_names)
    return [
        None if ident is None else LossEntry(ident, w, name)
        for ident, w, name in zip(per_output, weights, output_names)
    ]


def resolve_metric_identifiers(metrics: Any, output_names: list[str]) -> list[list[Any]]:
    """Per output, the list of metric identifiers the user gave (unresolved)."""
    if metrics is None:
        return [[] for _ in output_names]
    if isinstance(metrics, dict):
        per_output = _per_output(metrics, output_names, "metrics")
    elif isinstance(metrics, (list, tuple)):
        if (
            len(output_names) > 1
            and metrics
            and all(isinstance(m, (list, tuple)) or m is None for m in metrics)
        ):
            if len(metrics) != len(output_names):
                raise ValueError(
                    f"compile() got {len(metrics)} metric lists for {len(output_names)} outputs "
                    f"({output_names})."
                )
            per_output = list(metrics)
        elif len(output_names) == 1 and len(metrics) == 1 and isinstance(metrics[0], (list, tuple)):
            per_output = [list(metrics[0])]
        else:
            # A flat list applies to every output.
            per_output = [list(metrics)] * len(output_names)
    else:
        per_output = [[metrics]] * len(output_names)
    result: list[list[Any]] = []
    for entry in per_output:
        if entry is None:
            result.append([])
        elif isinstance(entry, (list, tuple)):
            result.append(list(entry))
        else:
            result.append([entry])
    for entries in result:
        for m in entries:
            if isinstance(m, str) and m.lower() not in ("accuracy", "acc", "crossentropy", "ce"):
                metrics_module.get(m)  # raises for unknown names before training
    return result


def resolve_metric(
    identifier: Any, true_rank: int, pred_shape: Shape | None, true_last: int | None = None
) -> Metric:
    """A `Metric` for `identifier`, resolving "accuracy" by shapes as Keras 3 does."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        key = identifier.lower()
        if key in ("accuracy", "acc"):
            return _accuracy_for(identifier, true_rank, pred_shape, true_last)
        if key in ("crossentropy", "ce"):
            return _crossentropy_for(identifier, true_rank, pred_shape, true_last)
    resolved = metrics_module.get(identifier)
    if isinstance(resolved, Metric):
        if isinstance(identifier, str):
            resolved.name = identifier
        return resolved
    name = identifier if isinstance(identifier, str) else getattr(resolved, "__name__", "metric")
    return metrics_module.MeanMetricWrapper(resolved, name=name)


def _is_binary(pred_shape: Shape | None) -> bool:
    return pred_shape is not None and len(pred_shape) > 0 and pred_shape[-1] == 1


def _accuracy_for(
    name: str, true_rank: int, pred_shape: Shape | None, true_last: int | None = None
) -> Metric:
    if _is_binary(pred_shape):
        return metrics_module.BinaryAccuracy(name=name)
    if _sparse(true_rank, pred_shape, true_last):
        return metrics_module.SparseCategoricalAccuracy(name=name)
    return metrics_module.CategoricalAccuracy(name=name)


def _crossentropy_for(
    name: str, true_rank: int, pred_shape: Shape | None, true_last: int | None = None
) -> Metric:
    if _is_binary(pred_shape):
        return metrics_module.BinaryCrossentropy(name=name)
    if _sparse(true_rank, pred_shape, true_last):
        return metrics_module.SparseCategoricalCrossentropy(name=name)
    return metrics_module.CategoricalCrossentropy(name=name)


def _sparse(true_rank: int, pred_shape: Shape | None, true_last: int | None) -> bool:
    """Keras 3's rule: targets of lower rank, or with a last axis of 1 against a wider output."""
    if pred_shape is None:
        return False
    if true_rank < len(pred_shape):
        return True
    return true_last == 1 and pred_shape[-1] not in (None, 1)
