"""`fit`: epochs of Rust steps, with callbacks, validation and progress."""

import math
import time
import warnings

import numpy as np

from pykeras.callbacks import CallbackList
from pykeras.config import capped_fit_lengths
from pykeras.random import _stream as pykeras_random
from pykeras.trainers import data as data_utils
from pykeras.trainers.arguments import (
    FIT_ARGS,
    REFRESH_SECONDS,
    check_batch_size,
    check_kwargs,
    initial_epoch_of,
    is_batch_source,
    resolve_verbose,
    should_validate,
    unpack_validation,
)


class FitLoop:
    """Mixin: `fit` over arrays (whole epochs per Rust call) or batch sources."""

    # ------------------------------------------------------------ fit

    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose="auto",
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        class_weight=None,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_steps=None,
        validation_batch_size=None,
        validation_freq=1,
        **kwargs,
    ):
        """Trains the model for `epochs` passes over the data.

        Args:
            x: inputs: an array, a list or dict of arrays, a generator or a
                `PyDataset` yielding `(x, y)` or `(x, y, sample_weight)`.
            y: targets (arrays, as `x`); not given with generators.
            batch_size: samples per step (default 32).
            epochs: the epoch to stop at.
            verbose: "auto", 0 (silent), 1 (progress bar) or 2 (one line per epoch).
            callbacks: a list of `keras.callbacks.Callback`.
            validation_split: the last fraction of the data held out for validation.
            validation_data: `(x_val, y_val)`, `(x_val, y_val, sample_weight_val)`,
                or a `PyDataset` / generator of such batches.
            shuffle: shuffle the samples before each epoch.
            class_weight: `{class: weight}` to weight the loss by target class.
            sample_weight: per-sample loss weights.
            initial_epoch: the epoch to start from (to resume a run).
            steps_per_epoch: steps per epoch (default: the whole data).
            validation_steps, validation_batch_size: for the validation pass.
            validation_freq: validate every this many epochs.

        Returns:
            A `History` whose `history` dict holds each epoch's logs.
        """
        if kwargs:
            if "nb_epoch" in kwargs:
                warnings.warn("`nb_epoch` is deprecated; use `epochs`.", stacklevel=2)
                epochs = kwargs.pop("nb_epoch")
            check_kwargs("fit", kwargs, FIT_ARGS)
        self._assert_compiled("fit")
        verbose = resolve_verbose(verbose)
        # `keras.config.set_max_epochs` / `set_max_steps_per_epoch` cap every fit.
        epochs, steps_per_epoch = capped_fit_lengths(epochs, steps_per_epoch)
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
        if validation_split and validation_data is None:
            prepared_all = self._prepare(x, y, sample_weight, class_weight)
            train_arrays, val_arrays = data_utils.split_validation(
                prepared_all.arrays(), validation_split
            )
            prepared = prepared_all.with_arrays(train_arrays)
            val_prepared = prepared_all.with_arrays(val_arrays)
        else:
            prepared = self._prepare(x, y, sample_weight, class_weight)
            val_prepared = None
            if validation_data is not None:
                val_prepared = self._validation_source(validation_data)
        if all(t is None for t in prepared.targets) and self._compile_args["loss"] is not None:
            raise ValueError(
                f"Model '{self.name}' cannot be trained without targets: pass `y` to fit()."
            )
        step = self._step(prepared, training=True)
        steps = math.ceil(prepared.count / batch_size)
        if steps_per_epoch is not None:
            steps = min(steps, int(steps_per_epoch))
        callbacks, rng, seed = self._begin_fit(callbacks, verbose, epochs, steps)
        per_batch = callbacks.needs_batch_hooks("train") or bool(step.constrained)
        live_bar = verbose == 1
        self._nan_reported = False
        callbacks.on_train_begin()
        initial_epoch = initial_epoch_of(callbacks, initial_epoch)
        try:
            logs = self._fit_epochs(
                callbacks, prepared, val_prepared, step, rng, seed, initial_epoch, epochs,
                steps, batch_size, shuffle, per_batch, live_bar, validation_batch_size,
                validation_steps, validation_freq,
            )  # fmt: skip
        except BaseException:
            # Ctrl-C, or an error in a callback: callbacks still close their
            # files and progress bars, then the exception propagates.
            callbacks.on_train_end(self._fit_logs)
            raise
        if epochs > 0:  # as Keras: with use_ema, the weights take their averages
            self.optimizer.finalize_variable_values(self.trainable_weights)
        callbacks.on_train_end(logs)
        return self.history

    def _fit_epochs(
        self, callbacks, prepared, val_prepared, step, rng, seed, initial_epoch, epochs, steps,
        batch_size, shuffle, per_batch, live_bar, validation_batch_size, validation_steps,
        validation_freq,
    ):  # fmt: skip
        """The epochs of `fit` over arrays; returns the last epoch's logs."""
        logs = self._fit_logs = {}
        for epoch in range(initial_epoch, epochs):
            callbacks.on_epoch_begin(epoch)
            order = rng.permutation(prepared.count) if shuffle else np.arange(prepared.count)
            order = np.ascontiguousarray(order, dtype=np.int64)
            tracker = self._new_tracker(step)
            done = 0
            chunk = 1 if (per_batch or live_bar) else steps
            while done < steps:
                n = min(chunk, steps - done)
                if per_batch:
                    callbacks.on_train_batch_begin(done)
                started = time.perf_counter()
                rows, widths = self._run(step, prepared, True, order, batch_size, done, n, seed)
                elapsed = time.perf_counter() - started
                self._accumulate(tracker, step, rows, widths)
                done += max(len(rows), 1)
                logs = self._fit_logs = self._logs(tracker, step)
                callbacks.on_train_batch_end(done - 1, logs)
                if len(rows) < n or self.stop_training:
                    break
                if live_bar and not per_batch and len(rows):
                    per_step = elapsed / len(rows)
                    chunk = max(1, int(REFRESH_SECONDS / max(per_step, 1e-9)))
            self._last_logs_keys = list(logs.keys())
            epoch_logs = dict(logs)
            if val_prepared is not None and should_validate(epoch, validation_freq):
                val_logs = self._validate(
                    val_prepared, validation_batch_size or batch_size, callbacks, validation_steps
                )
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            logs = self._fit_logs = epoch_logs
            if self.stop_training:
                break
        return logs

    def _begin_fit(self, callbacks, verbose, epochs, steps):
        """The callback list, random generator and step seed of one fit() call."""
        callbacks = CallbackList(
            callbacks,
            add_history=True,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=epochs,
            steps=steps,
        )
        self.stop_training = False
        rng = pykeras_random.make_rng()
        return callbacks, rng, int(rng.integers(0, 2**63 - 1))

    def _fit_batches(
        self,
        source,
        epochs,
        verbose,
        callbacks,
        validation_data,
        initial_epoch,
        steps_per_epoch,
        validation_freq,
        validation_steps=None,
    ):
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
        callbacks, _, seed = self._begin_fit(callbacks, verbose, epochs, steps)
        iterator = None if is_dataset else iter(source)
        callbacks.on_train_begin()
        first = initial_epoch_of(callbacks, initial_epoch)
        try:
            logs = self._fit_batch_epochs(
                callbacks, source, iterator, is_dataset, steps, seed, first, epochs,
                validation_data, validation_freq, validation_steps,
            )  # fmt: skip
        except BaseException:
            callbacks.on_train_end(self._fit_logs)
            raise
        if epochs > 0:  # as Keras: with use_ema, the weights take their averages
            self.optimizer.finalize_variable_values(self.trainable_weights)
        callbacks.on_train_end(logs)
        return self.history

    def _fit_batch_epochs(
        self, callbacks, source, iterator, is_dataset, steps, seed, first_epoch, epochs,
        validation_data, validation_freq, validation_steps=None,
    ):  # fmt: skip
        """The epochs of `fit` over a batch source; returns the last epoch's logs."""
        logs = self._fit_logs = {}
        for epoch in range(first_epoch, epochs):
            callbacks.on_epoch_begin(epoch)
            tracker = None
            step = None
            index = 0
            while steps is None or index < steps:
                try:
                    batch = source[index] if is_dataset else next(iterator)
                except (StopIteration, IndexError):
                    break
                bx, by, bsw = data_utils.unpack_batch(batch)
                prepared = self._prepare(bx, by, bsw, None)
                step = self._step(prepared, training=True)
                if tracker is None:
                    tracker = self._new_tracker(step)
                callbacks.on_train_batch_begin(index)
                order = np.arange(prepared.count, dtype=np.int64)
                rows, widths = self._run(
                    step, prepared, True, order, max(prepared.count, 1), 0, 1, seed
                )
                self._accumulate(tracker, step, rows, widths)
                logs = self._fit_logs = self._logs(tracker, step)
                callbacks.on_train_batch_end(index, logs)
                index += 1
                if self.stop_training or len(rows) == 0:
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
            logs = self._fit_logs = epoch_logs
            if self.stop_training:
                break
        return logs

    def _validation_source(self, validation_data):
        """`validation_data` as `_validate` takes it: a `PyDataset` or generator as it
        is, `(x, y[, sample_weight])` arrays checked and converted once."""
        if is_batch_source(validation_data):
            return validation_data
        vx, vy, vsw = unpack_validation(validation_data)
        return self._prepare(vx, vy, vsw, None)

    def _validate(self, validation, batch_size, callbacks, steps):
        """The validation logs of one epoch, over prepared arrays or (as Keras 3 takes
        them) a `PyDataset` or generator, `steps` batches at most."""
        if is_batch_source(validation):
            return self._evaluate_batches(validation, steps)
        return self._evaluate_prepared(validation, batch_size, callbacks, steps)
