"""`fit`: epochs of Rust steps, with callbacks, validation and progress."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.callbacks import CallbackList
from pykeras.random import _stream as pykeras_random
from pykeras.trainers import data as data_utils
from pykeras.trainers.arguments import (
    REFRESH_SECONDS,
    check_batch_size,
    initial_epoch_of,
    is_batch_source,
    should_validate,
    unpack_validation,
)
from pykeras.trainers.evaluation import evaluate_batches, evaluate_prepared
from pykeras.trainers.prepared import PreparedData, prepare
from pykeras.trainers.step_runner import Step, StepRunner

if TYPE_CHECKING:
    from pykeras.callbacks.history import History
    from pykeras.trainers.compile_state import CompileState
    from pykeras.trainers.model_protocol import Logs


class FitLoop:
    """One `fit()` call over arrays (whole epochs per Rust call) or a batch source.

    Attributes:
        runner: the model's step runner.
        compiled: the model's compile state.
        logs: the latest logs (what `on_train_end` gets if training is interrupted).
    """

    def __init__(self, runner: StepRunner, compiled: CompileState) -> None:
        self.runner = runner
        self.model = runner.model
        self.compiled = compiled
        self.logs: Logs = {}

    def fit(
        self,
        x: Any,
        y: Any,
        batch_size: int | None,
        epochs: int,
        verbose: int,
        callbacks: Any,
        validation_split: float,
        validation_data: Any,
        shuffle: bool,
        class_weight: Any,
        sample_weight: Any,
        initial_epoch: int,
        steps_per_epoch: int | None,
        validation_steps: int | None,
        validation_batch_size: int | None,
        validation_freq: Any,
    ) -> History:
        """Trains; returns the model's `History` (see `Model.fit`)."""
        if is_batch_source(x):
            return self._fit_batches(
                x,
                epochs,
                verbose,
                callbacks,
                validation_data,
                initial_epoch,
                steps_per_epoch,
                validation_freq,
                validation_steps,
            )
        batch_size = check_batch_size(batch_size)
        val_prepared: PreparedData | Any = None
        if validation_split and validation_data is None:
            prepared_all = self._prepare(x, y, sample_weight, class_weight)
            train_arrays, val_arrays = data_utils.split_validation(
                prepared_all.arrays(), validation_split
            )
            prepared = prepared_all.with_arrays(train_arrays)
            val_prepared = prepared_all.with_arrays(val_arrays)
        else:
            prepared = self._prepare(x, y, sample_weight, class_weight)
            if validation_data is not None:
                val_prepared = self._validation_source(validation_data)
        if all(t is None for t in prepared.targets) and self.compiled.loss is not None:
            raise ValueError(
                f"Model '{self.model.name}' cannot be trained without targets: pass `y` to fit()."
            )
        step = self.runner.step(prepared, training=True)
        steps = math.ceil(prepared.count / batch_size)
        if steps_per_epoch is not None:
            steps = min(steps, int(steps_per_epoch))
        callback_list, rng, seed = self._begin(callbacks, verbose, epochs, steps)
        per_batch = callback_list.needs_batch_hooks("train") or bool(step.constrained)
        live_bar = verbose == 1
        self.runner.nan_reported = False
        callback_list.on_train_begin()
        initial_epoch = initial_epoch_of(callback_list, initial_epoch)
        try:
            logs = self._fit_epochs(
                callback_list, prepared, val_prepared, step, rng, seed, initial_epoch, epochs,
                steps, batch_size, shuffle, per_batch, live_bar, validation_batch_size,
                validation_steps, validation_freq,
            )  # fmt: skip
        except BaseException:
            # Ctrl-C, or an error in a callback: callbacks still close their
            # files and progress bars, then the exception propagates.
            callback_list.on_train_end(self.logs)
            raise
        return self._end(callback_list, epochs, logs)

    def _prepare(self, x: Any, y: Any, sample_weight: Any, class_weight: Any) -> PreparedData:
        return prepare(self.model, self.compiled, x, y, sample_weight, class_weight)

    def _begin(
        self, callbacks: Any, verbose: int, epochs: int, steps: int | None
    ) -> tuple[CallbackList, np.random.Generator, int]:
        """The callback list, random generator and step seed of this fit() call."""
        callback_list = CallbackList(
            callbacks,
            add_history=True,
            add_progbar=verbose != 0,
            model=self.model,
            verbose=verbose,
            epochs=epochs,
            steps=steps,
        )
        self.model.stop_training = False
        rng = pykeras_random.make_rng()
        return callback_list, rng, int(rng.integers(0, 2**63 - 1))

    def _end(self, callback_list: CallbackList, epochs: int, logs: Logs) -> History:
        optimizer = self.model.optimizer
        if epochs > 0 and optimizer is not None:
            # As Keras: with use_ema, the weights take their averages.
            optimizer.finalize_variable_values(self.model.trainable_weights)
        callback_list.on_train_end(logs)
        return self.model.history

    def _fit_epochs(
        self, callbacks: CallbackList, prepared: PreparedData, val_prepared: Any, step: Step,
        rng: np.random.Generator, seed: int, initial_epoch: int, epochs: int, steps: int,
        batch_size: int, shuffle: bool, per_batch: bool, live_bar: bool,
        validation_batch_size: int | None, validation_steps: int | None, validation_freq: Any,
    ) -> Logs:  # fmt: skip
        """The epochs of `fit` over arrays; returns the last epoch's logs."""
        runner = self.runner
        logs = self.logs = {}
        for epoch in range(initial_epoch, epochs):
            callbacks.on_epoch_begin(epoch)
            order = rng.permutation(prepared.count) if shuffle else np.arange(prepared.count)
            order = np.ascontiguousarray(order, dtype=np.int64)
            tracker = runner.new_tracker(step)
            done = 0
            chunk = 1 if (per_batch or live_bar) else steps
            while done < steps:
                n = min(chunk, steps - done)
                if per_batch:
                    callbacks.on_train_batch_begin(done)
                started = time.perf_counter()
                results = runner.run(step, prepared, True, order, batch_size, done, n, seed)
                elapsed = time.perf_counter() - started
                runner.accumulate(tracker, step, results)
                done += max(len(results), 1)
                logs = self.logs = runner.logs(tracker, step)
                callbacks.on_train_batch_end(done - 1, logs)
                if len(results) < n or self.model.stop_training:
                    break
                if live_bar and not per_batch and len(results):
                    per_step = elapsed / len(results)
                    chunk = max(1, int(REFRESH_SECONDS / max(per_step, 1e-9)))
            runner.last_logs_keys = list(logs.keys())
            epoch_logs = dict(logs)
            if val_prepared is not None and should_validate(epoch, validation_freq):
                val_logs = self._validate(
                    val_prepared, validation_batch_size or batch_size, callbacks, validation_steps
                )
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            logs = self.logs = epoch_logs
            if self.model.stop_training:
                break
        return logs

    def _fit_batches(
        self,
        source: Any,
        epochs: int,
        verbose: int,
        callbacks: Any,
        validation_data: Any,
        initial_epoch: int,
        steps_per_epoch: int | None,
        validation_freq: Any,
        validation_steps: int | None = None,
    ) -> History:
        """fit() over a generator or PyDataset: one Rust call per batch."""
        is_dataset = hasattr(source, "__getitem__") and hasattr(source, "__len__")
        if not is_dataset and steps_per_epoch is None and epochs > 1:
            raise ValueError(
                "fit() over a Python generator needs `steps_per_epoch` when epochs > 1 (a "
                "generator cannot be rewound)."
            )
        steps = len(source) if is_dataset else steps_per_epoch
        if steps_per_epoch is not None:
            steps = int(steps_per_epoch)
        callback_list, _, seed = self._begin(callbacks, verbose, epochs, steps)
        iterator = None if is_dataset else iter(source)
        callback_list.on_train_begin()
        first = initial_epoch_of(callback_list, initial_epoch)
        try:
            logs = self._fit_batch_epochs(
                callback_list, source, iterator, is_dataset, steps, seed, first, epochs,
                validation_data, validation_freq, validation_steps,
            )  # fmt: skip
        except BaseException:
            callback_list.on_train_end(self.logs)
            raise
        return self._end(callback_list, epochs, logs)

    def _fit_batch_epochs(
        self, callbacks: CallbackList, source: Any, iterator: Any, is_dataset: bool,
        steps: int | None, seed: int, first_epoch: int, epochs: int, validation_data: Any,
        validation_freq: Any, validation_steps: int | None = None,
    ) -> Logs:  # fmt: skip
        """The epochs of `fit` over a batch source; returns the last epoch's logs."""
        runner = self.runner
        logs = self.logs = {}
        for epoch in range(first_epoch, epochs):
            callbacks.on_epoch_begin(epoch)
            tracker = None
            index = 0
            while steps is None or index < steps:
                try:
                    batch = source[index] if is_dataset else next(iterator)
                except (StopIteration, IndexError):
                    break
                bx, by, bsw = data_utils.unpack_batch(batch)
                prepared = self._prepare(bx, by, bsw, None)
                step = runner.step(prepared, training=True)
                if tracker is None:
                    tracker = runner.new_tracker(step)
                callbacks.on_train_batch_begin(index)
                order = np.arange(prepared.count, dtype=np.int64)
                results = runner.run(
                    step, prepared, True, order, max(prepared.count, 1), 0, 1, seed
                )
                runner.accumulate(tracker, step, results)
                logs = self.logs = runner.logs(tracker, step)
                callbacks.on_train_batch_end(index, logs)
                index += 1
                if self.model.stop_training or len(results) == 0:
                    break
            if is_dataset and hasattr(source, "on_epoch_end"):
                source.on_epoch_end()
            epoch_logs = dict(logs)
            if validation_data is not None and should_validate(epoch, validation_freq):
                val_logs = self._validate(
                    self._validation_source(validation_data), 32, callbacks, validation_steps
                )
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            logs = self.logs = epoch_logs
            if self.model.stop_training:
                break
        return logs

    def _validation_source(self, validation_data: Any) -> Any:
        """`validation_data` as `_validate` takes it: a `PyDataset` or generator as it
        is, `(x, y[, sample_weight])` arrays checked and converted once."""
        if is_batch_source(validation_data):
            return validation_data
        vx, vy, vsw = unpack_validation(validation_data)
        return self._prepare(vx, vy, vsw, None)

    def _validate(
        self, validation: Any, batch_size: int, callbacks: CallbackList, steps: int | None
    ) -> Logs:
        """The validation logs of one epoch, over prepared arrays or (as Keras 3 takes
        them) a `PyDataset` or generator, `steps` batches at most."""
        if is_batch_source(validation):
            return evaluate_batches(self.runner, validation, steps)
        return evaluate_prepared(self.runner, validation, batch_size, callbacks, steps)
