"""Running compiled steps: building them once per data signature, calling
the Rust loop, and adding the `StepResults` it returns into running losses
and metrics."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Union, cast

import numpy as np
import numpy.typing as npt

from pykeras import _core
from pykeras.trainers import custom_step
from pykeras.trainers.compile_config import resolve_metric, resolve_metric_identifiers
from pykeras.trainers.compile_state import CompileState, OutputMetric
from pykeras.trainers.constraints import apply_in_python
from pykeras.trainers.joined_results import JoinedResults
from pykeras.trainers.step_builder import CompiledStep, build_step, target_specs
from pykeras.trainers.step_results import EagerLogs, RunningLogs, sum_state
from pykeras.trainers.steps import compiled_state

if TYPE_CHECKING:
    from pykeras.trainers.model_protocol import Logs, TrainedModel
    from pykeras.trainers.prepared import PreparedData

Step = Union[CompiledStep, custom_step.CustomStep]
# hook(update_index, flat float32 gradients) -> the gradients to apply.
GradientHook = Callable[[int, np.ndarray], np.ndarray]
Results = Union[_core.StepResults, list[EagerLogs]]
# What tells two compiled steps apart: training or test, the input specs, the
# target specs, and whether sample weights are fed.
StepKey = tuple[bool, tuple[Any, ...], tuple[Any, ...], bool]

# Guards the lazy creation of each runner's call lock.
_LOCK_CREATION = threading.Lock()


class StepRunner:
    """The compiled steps of one model and the bookkeeping of their results.

    Attributes:
        model: the model the steps run.
        steps: the compiled steps, one per data signature (see `StepKey`).
        global_step: training steps run since `compile()`.
        nan_reported: whether a non-finite loss was warned about in this fit.
        last_logs_keys: the keys of the last epoch's (or evaluation's) logs,
            which `model.metrics_names` lists once the model has run.
        gradient_hook: None, or `hook(update_index, flat_gradients) ->
            flat_gradients` called by the Rust loop with each update's
            gradients as one float32 vector before the optimizer applies
            them (data-parallel training averages them across workers).
        sample_offset: this process's first row in each step's global batch
            (a data-parallel worker's), so dropout masks and random
            augmentation follow the samples whichever worker holds them; 0
            otherwise. An int for every step, or a sequence with one offset
            per step of an epoch (a worker's place differs in the last,
            smaller global batch); steps of another offset run in calls of
            their own.
    """

    def __init__(self, model: TrainedModel) -> None:
        self.model = model
        self.steps: dict[StepKey, Step] = {}
        self.global_step = 0
        self.nan_reported = False
        self.last_logs_keys: list[str] | None = None
        self.gradient_hook: GradientHook | None = None
        self.sample_offset: int | Sequence[int] = 0
        # Made on first use (a lock cannot be copied with the model before that).
        self._lock: threading.RLock | None = None

    def reset(self) -> None:
        """Forgets the compiled steps and the step count (a new `compile()`)."""
        self.steps = {}
        self.global_step = 0
        self.nan_reported = False

    # ------------------------------------------------------------ steps

    def output_metrics(
        self, compiled: CompileState, prepared: PreparedData
    ) -> list[list[OutputMetric]]:
        """The compiled metrics of each output, resolved once per compile()
        against the data's shapes ("accuracy" by the targets' rank, ...)."""
        if compiled.output_metrics is not None:
            return compiled.output_metrics
        per_output = []
        plain = resolve_metric_identifiers(compiled.metrics, prepared.names)
        weighted = resolve_metric_identifiers(compiled.weighted_metrics, prepared.names)
        several = len(prepared.names) > 1
        for i, name in enumerate(prepared.names):
            target = prepared.targets[i]
            true_rank = target.ndim if target is not None else len(prepared.output_shapes[i])
            true_last = target.shape[-1] if target is not None and target.ndim else None
            entries = []
            for ident, is_weighted in [(m, False) for m in plain[i]] + [
                (m, True) for m in weighted[i]
            ]:
                metric = resolve_metric(ident, true_rank, prepared.output_shapes[i], true_last)
                if several and metric is ident:
                    # The same object listed for two outputs keeps separate state.
                    metric = type(metric).from_config(metric.get_config())
                log_name = f"{name}_{metric.name}" if several else metric.name
                entries.append(OutputMetric(metric, is_weighted, log_name))
            per_output.append(entries)
        compiled.output_metrics = per_output
        return per_output

    def step(self, prepared: PreparedData, training: bool) -> Step:
        """The compiled step for `prepared`'s data signature (built on first use)."""
        model = self.model
        metrics = self.output_metrics(compiled_state(model, "fit"), prepared)
        key: StepKey = (
            training,
            tuple((s, d) for _, s, d in prepared.specs),
            tuple(target_specs(prepared)),
            prepared.weights is not None,
        )
        step = self.steps.get(key)
        if step is not None:
            return step
        if model._overrides_step_hooks(training):
            step = custom_step.build_custom_step(model, prepared, training)
        elif model.run_eagerly:
            # Training always runs the traced step: Python code in call() runs
            # once, at trace time. Control flow on tensor values cannot be
            # traced, and training op by op is not available yet.
            try:
                step = build_step(model, prepared, metrics, training)
            except TypeError as error:
                if "run_eagerly" not in str(error):
                    raise
                raise NotImplementedError(
                    f"Model '{model.name}' branches on tensor values in call(), which pykeras "
                    "can run eagerly for inference (predict, model(x)) but cannot train yet: "
                    "fit/evaluate trace call() into one graph. Rewrite the branch with "
                    "pykeras.ops.where, or keep the value-dependent part outside the model."
                ) from error
        else:
            step = build_step(model, prepared, metrics, training)
        self.steps[key] = step
        return step

    # ------------------------------------------------------------ running

    def _call_lock(self) -> threading.RLock:
        if self._lock is None:
            with _LOCK_CREATION:
                if self._lock is None:
                    self._lock = threading.RLock()
        return self._lock

    def run(
        self,
        step: Step,
        prepared: PreparedData,
        training: bool,
        order: npt.NDArray[np.int64] | None,
        batch_size: int,
        first: int,
        steps: int,
        seed: int,
    ) -> Results:
        """Runs `steps` steps from step `first` of the epoch (rows in `order`
        when training); returns what they reported."""
        # Calls on one model from several threads take turns: a step and the
        # optimizer are updated in place by each call. Other models run
        # alongside (each call has its own pool in the core).
        with self._call_lock():
            return self._run_locked(step, prepared, training, order, batch_size, first, steps, seed)

    def _run_locked(
        self,
        step: Step,
        prepared: PreparedData,
        training: bool,
        order: npt.NDArray[np.int64] | None,
        batch_size: int,
        first: int,
        steps: int,
        seed: int,
    ) -> Results:
        # A step run op by op (a custom step with run_eagerly) has no offsets.
        eager = isinstance(step, custom_step.CustomStep) and step.native is None
        runs = self._offset_runs(first, steps) if training and not eager else [(first, steps, 0)]
        if len(runs) == 1:
            return self._run_once(
                step, prepared, training, order, batch_size, first, steps, seed, runs[0][2]
            )
        parts: list[_core.StepResults] = []
        for start, count, offset in runs:
            # A compiled step's results (not eager: see above).
            part = cast("_core.StepResults", self._run_once(
                step, prepared, training, order, batch_size, start, count, seed, offset
            ))  # fmt: skip
            parts.append(part)
            if len(part) < count or self.model.stop_training:
                break
        # JoinedResults reads as StepResults (the same arrays, joined).
        return cast("_core.StepResults", JoinedResults(parts))

    def _offset_runs(self, first: int, steps: int) -> list[tuple[int, int, int]]:
        """`(first step, steps, sample offset)` of each call running steps
        `first..first + steps` of the epoch: one, unless `sample_offset`
        gives some of them another offset."""
        offsets = self.sample_offset
        if isinstance(offsets, (int, np.integer)):
            return [(first, steps, int(offsets))]
        runs: list[tuple[int, int, int]] = []
        for k in range(first, first + steps):
            # Steps past the data's batches (`steps_per_epoch` beyond them)
            # find no rows and end the epoch; they keep the last offset.
            offset = int(offsets[min(k, len(offsets) - 1)]) if len(offsets) else 0
            if runs and runs[-1][2] == offset:
                runs[-1] = (runs[-1][0], runs[-1][1] + 1, offset)
            else:
                runs.append((k, 1, offset))
        return runs

    def _run_once(
        self,
        step: Step,
        prepared: PreparedData,
        training: bool,
        order: npt.NDArray[np.int64] | None,
        batch_size: int,
        first: int,
        steps: int,
        seed: int,
        sample_offset: int,
    ) -> Results:
        """One call of the compiled step (`sample_offset` for all its steps)."""
        model = self.model
        if isinstance(step, custom_step.CustomStep):
            results = custom_step.run_custom(
                model, step, prepared, training, order, batch_size, first, steps, seed,
                self.global_step, self.gradient_hook, sample_offset,
            )  # fmt: skip
            if training and step.optimizer is not None and not isinstance(results, list):
                self.global_step += len(results)
            return results
        data = prepared.feeds()
        if not training:
            return step.native.test(data, batch_size, first, steps)
        optimizer = model.optimizer
        if optimizer is None:
            raise ValueError(
                f"Model '{model.name}' was compiled without an optimizer to train with."
            )
        if order is None:
            order = np.arange(prepared.count, dtype=np.int64)
        native_opt = optimizer._native(model.trainable_weights)
        results = step.native.train(
            data, order, batch_size, first, steps, seed, self.global_step, False, [native_opt],
            self.gradient_hook, sample_offset,
        )  # fmt: skip
        finite = np.isfinite(results.loss)
        if len(results) and not np.all(finite) and not self.nan_reported:
            self.nan_reported = True
            bad = int(np.argmin(finite))
            warnings.warn(
                f"The training loss of model '{model.name}' is not finite (NaN or inf) from "
                f"step {first + bad} of this epoch on. Check the data for NaN or inf and try "
                "a lower learning rate; keras.callbacks.TerminateOnNaN() stops training then.",
                RuntimeWarning,
                stacklevel=3,
            )
        self.global_step += len(results)
        apply_in_python(step.constrained)
        return results

    # ------------------------------------------------------------ results

    def new_tracker(self, step: Step) -> RunningLogs:
        """Fresh running logs for an epoch or evaluation (metrics reset)."""
        if isinstance(step, custom_step.CustomStep):
            self.model.reset_metrics()
            return RunningLogs()
        for _, metric in step.metrics:
            metric.reset_state()
        compiled = self.model._compiled
        if compiled is not None:
            compiled.loss_tracker.reset_state()
        return RunningLogs()

    def accumulate(self, tracker: RunningLogs, step: Step, results: Results) -> None:
        """Adds step results to the running loss and metric states."""
        if isinstance(step, custom_step.CustomStep):
            custom_step.accumulate_custom(tracker, step, results)
            return
        if isinstance(results, list) or len(results) == 0:
            return
        sizes = results.batch_sizes
        samples = float(np.sum(sizes))
        tracker.loss_sum += float(np.sum(results.loss * sizes))
        tracker.count += samples
        for name, values in zip(step.output_losses, results.output_losses):
            total, count = tracker.output_losses.get(name, (0.0, 0.0))
            tracker.output_losses[name] = (total + float(np.sum(values * sizes)), count + samples)
        compiled = self.model._compiled
        if compiled is not None:
            compiled.loss_tracker.add_states([np.sum(results.loss * sizes), np.sum(sizes)])
        for metric, states in zip(step.reported_metrics, results.metric_states):
            metric.add_states([sum_state(s) for s in states])

    def logs(self, tracker: RunningLogs, step: Step) -> Logs:
        """The logs after the steps added so far."""
        if isinstance(step, custom_step.CustomStep):
            return custom_step.custom_logs(tracker, step)
        logs: Logs = {}
        count = tracker.count
        logs["loss"] = tracker.loss_sum / count if count else float("nan")
        for name in step.output_losses:
            total, n = tracker.output_losses.get(name, (0.0, 0.0))
            logs[name] = total / n if n else float("nan")
        for log_name, metric in step.metrics:
            value = metric.result()
            logs[log_name] = value if isinstance(value, float) else _scalar(value)
        return logs


def _scalar(value: Any) -> Any:
    """A metric result as a float (a custom metric may return an array)."""
    array = np.asarray(value, dtype=np.float64)
    return float(array.reshape(-1)[0]) if array.size == 1 else array
