"""What `compile()` set on a model: its losses, metrics and loss weights as
given, plus what the trainer made from them (the loss tracker, and each
output's metrics once the data's shapes resolved them). The optimizer is the
model's own attribute (`model.optimizer`), as in Keras: callbacks and users
replace it, and saving finds it there."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pykeras.metrics.mean_metric import Mean
from pykeras.metrics.metric import Metric
from pykeras.trainers.compile_config import LossEntry, resolve_losses, resolve_metric_identifiers


@dataclass(eq=False)
class OutputMetric:
    """One compiled metric of one output.

    Attributes:
        metric: the `Metric` (its state is summed batch by batch).
        weighted: whether it came from `weighted_metrics` (takes sample weights).
        log_name: its key in the logs (`"acc"`, or `"out_1_acc"` with several outputs).
    """

    metric: Metric
    weighted: bool
    log_name: str


@dataclass(eq=False)
class CompileState:
    """A model's compile() configuration.

    Attributes:
        loss: the `loss` argument as given (a name, function, `Loss`, or a
            list or dict of them, one per output).
        loss_weights: the `loss_weights` argument as given.
        metrics: the `metrics` argument as given.
        weighted_metrics: the `weighted_metrics` argument as given.
        steps_per_execution: as given (pykeras runs many steps per call anyway).
        jit_compile: as given (`"auto"`, True or False).
        loss_tracker: the `Mean` that logs `"loss"` (first in `model.metrics`).
        output_metrics: per output, its compiled metrics; None until the first
            fit/evaluate resolves them against the data's shapes.
    """

    loss: Any
    loss_weights: Any
    metrics: Any
    weighted_metrics: Any
    steps_per_execution: int = 1
    jit_compile: bool | str = "auto"
    loss_tracker: Mean = field(default_factory=lambda: Mean(name="loss"))
    output_metrics: list[list[OutputMetric]] | None = None

    @classmethod
    def create(
        cls,
        loss: Any,
        loss_weights: Any,
        metrics: Any,
        weighted_metrics: Any,
        steps_per_execution: int,
        jit_compile: bool | str,
        output_names: list[str] | None,
    ) -> CompileState:
        """The state of a `compile()` call; names are resolved now against the
        model's `output_names` (if it knows its outputs), so a typo fails here
        and not in the middle of `fit`."""
        state = cls(
            loss=loss,
            loss_weights=loss_weights,
            metrics=metrics,
            weighted_metrics=weighted_metrics,
            steps_per_execution=steps_per_execution,
            jit_compile=jit_compile,
        )
        if output_names is not None:
            state.loss_entries(output_names)
            resolve_metric_identifiers(metrics, output_names)
            resolve_metric_identifiers(weighted_metrics, output_names)
        return state

    def loss_entries(self, output_names: list[str]) -> list[LossEntry | None]:
        """One `LossEntry` (or None) per output, in the order of `output_names`."""
        return resolve_losses(self.loss, self.loss_weights, output_names)

    def compiled_metrics(self) -> list[Metric]:
        """The loss tracker, then every output's compiled metrics."""
        found: list[Metric] = [self.loss_tracker]
        for entries in self.output_metrics or []:
            found.extend(entry.metric for entry in entries)
        return found

    def log_name(self, metric: Metric) -> str:
        """The key under which `metric`'s result is logged."""
        for entries in self.output_metrics or []:
            for entry in entries:
                if entry.metric is metric:
                    return entry.log_name
        return str(metric.name)
