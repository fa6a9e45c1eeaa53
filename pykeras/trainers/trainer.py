"""The model verbs of training: compile, fit, evaluate, train_on_batch and
test_on_batch.

`fit` lowers one training step (forward, losses, metrics, backward) to a
Rust graph once, then hands the Rust loop whole epochs of batches with the
GIL released. Python comes back between batches only when a callback
overrides a batch hook or the progress bar needs refreshing.
"""

import difflib
import math
import sys
import time
import warnings

import numpy as np

from pykeras import optimizers as optimizers_module
from pykeras import random as pykeras_random
from pykeras.callbacks import CallbackList
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.tree import flatten, pack_like
from pykeras.trainers import data as data_utils
from pykeras.trainers.compile_config import (
    resolve_losses,
    resolve_metric,
    resolve_metric_identifiers,
)
from pykeras.trainers.step_builder import build_step

_COMPILE_ARGS = (
    "optimizer",
    "loss",
    "loss_weights",
    "metrics",
    "weighted_metrics",
    "run_eagerly",
    "steps_per_execution",
    "jit_compile",
    "auto_scale_loss",
)
_FIT_ARGS = (
    "x",
    "y",
    "batch_size",
    "epochs",
    "verbose",
    "callbacks",
    "validation_split",
    "validation_data",
    "shuffle",
    "class_weight",
    "sample_weight",
    "initial_epoch",
    "steps_per_epoch",
    "validation_steps",
    "validation_batch_size",
    "validation_freq",
)
# Seconds of work per call into Rust while a progress bar is shown: often
# enough for a live bar, rare enough that Python's share stays negligible.
_REFRESH_SECONDS = 0.1


def _check_kwargs(method, kwargs, known):
    for key in kwargs:
        hint = difflib.get_close_matches(key, known, n=1)
        suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
        raise TypeError(f"{method}() got an unexpected keyword argument '{key}'.{suggestion}")


def _resolve_verbose(verbose):
    if verbose == "auto":
        return 1 if sys.stdout.isatty() else 2
    if verbose not in (0, 1, 2, True, False):
        raise ValueError(f"verbose must be 'auto', 0, 1 or 2. Received: verbose={verbose!r}")
    return int(verbose)


class Trainer:
    """Mixin that gives `Model` Keras's training API."""

    compiled = False

    def __getattr__(self, name):
        # Only reached for missing attributes: turn a typo such as
        # `model.evalutate` into a hint at the method that was meant.
        if name.startswith("_"):
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        public = [n for n in dir(type(self)) if not n.startswith("_")]
        hint = difflib.get_close_matches(name, public, n=1)
        suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
        raise AttributeError(
            f"'{type(self).__name__}' object has no attribute '{name}'.{suggestion}"
        )

    # ------------------------------------------------------------ compile

    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        loss_weights=None,
        metrics=None,
        weighted_metrics=None,
        run_eagerly=False,
        steps_per_execution=1,
        jit_compile="auto",
        auto_scale_loss=True,
        **kwargs,
    ):
        """Configures the model for training.

        Args:
            optimizer: a name ("rmsprop", "adam", ...) or an optimizer instance.
            loss: a loss name, function or `Loss`; or a list or dict of them,
                one per output.
            loss_weights: a list or dict of per-output loss weights.
            metrics: metric names, functions or `Metric`s: a list (for every
                output), a list of lists or a dict (per output).
            weighted_metrics: like `metrics`, computed with sample weights.
            run_eagerly: run `call()` op by op (for value-dependent control flow).
            steps_per_execution, jit_compile, auto_scale_loss: accepted for
                Keras compatibility (pykeras always runs many steps per call).

        Example:

        >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
        ...               metrics=["accuracy"])
        """
        if kwargs:
            _check_kwargs("compile", kwargs, _COMPILE_ARGS)
        self.optimizer = optimizers_module.get(optimizer)
        self._compile_args = {
            "loss": loss,
            "loss_weights": loss_weights,
            "metrics": metrics,
            "weighted_metrics": weighted_metrics,
        }
        self.loss = loss
        # Resolve names now, so a typo fails here and not mid-fit.
        names = self._output_names_for_compile()
        if names is not None:
            resolve_losses(loss, loss_weights, names)
            resolve_metric_identifiers(metrics, names)
            resolve_metric_identifiers(weighted_metrics, names)
        self.run_eagerly = bool(run_eagerly)
        self.steps_per_execution = steps_per_execution
        self.compiled = True
        self.stop_training = False
        self._steps = {}
        self._metric_objects = None
        self._global_step = 0
        self._nan_reported = False

    def _output_names_for_compile(self):
        """Output names if the model already knows its outputs, else None."""
        outputs = getattr(self, "outputs", None)
        if not outputs:
            return None
        return self._output_names(len(outputs))

    def _output_names(self, count):
        names = getattr(self, "output_names", None)
        if isinstance(getattr(self, "_outputs_struct", None), dict):
            return list(self._outputs_struct.keys())
        functional = getattr(self, "_functional", None)
        if functional is not None:
            if count == 1:
                return [functional.output_names[0]]
            return list(functional.output_names)
        if names and len(names) == count:
            return list(names)
        return ["output"] if count == 1 else [f"output_{i}" for i in range(count)]

    def _assert_compiled(self, method):
        if not self.compiled:
            raise RuntimeError(
                f"You must call `compile()` before using the model in `{method}()`. "
                "For example: model.compile(optimizer='adam', loss='mse')."
            )

    # ------------------------------------------------------------ data

    def _prepare(self, x, y, sample_weight, class_weight):
        """Checks and converts user data: returns a `_Prepared`."""
        if x is None:
            raise ValueError("fit/evaluate need input data `x`. Received: x=None")
        structure, flat_x = self._flatten_data(x)
        dtypes = self._input_dtypes(len(flat_x))
        from pykeras.models.model import _convert_input

        flat_x = [
            np.ascontiguousarray(_convert_input(a, d, self.name)) for a, d in zip(flat_x, dtypes)
        ]
        specs = self._input_specs(flat_x)
        if not self.built and self.run_eagerly:
            self(pack_like(structure, [a[:1] for a in flat_x]))  # builds op by op
        elif not self.built:
            self._maybe_build(pack_like(structure, [KerasTensor(s, d) for _, s, d in specs]))
        output_shapes = self._flat_output_shapes(structure, specs, flat_x)
        names = self._output_names(len(output_shapes))
        losses = resolve_losses(
            self._compile_args["loss"], self._compile_args["loss_weights"], names
        )
        flat_y = data_utils.flatten_targets(y, names)
        targets = [None] * len(names)
        if flat_y is not None:
            for i, (target, shape) in enumerate(zip(flat_y, output_shapes)):
                if target is None:
                    continue
                if losses[i] is not None:
                    losses[i].resolve_alias(np.shape(target), shape)
                targets[i] = data_utils.prepare_target(target, losses[i], shape, names[i])
        weights = None
        if class_weight is not None:
            if len(names) > 1:
                raise ValueError(
                    "class_weight is only supported for models with a single output; use "
                    "sample_weight for several outputs."
                )
            if targets[0] is None:
                raise ValueError("class_weight needs targets `y`.")
            weights = [data_utils.class_weight_to_sample_weight(flat_y[0], class_weight)]
        if sample_weight is not None:
            flat_sw = (
                sample_weight
                if isinstance(sample_weight, (list, tuple))
                else [sample_weight] * len(names)
            )
            if isinstance(sample_weight, dict):
                flat_sw = [sample_weight.get(n) for n in names]
            sw = [
                None
                if w is None
                else np.ascontiguousarray(np.asarray(w, np.float32).reshape(len(w), -1)[:, 0])
                for w in flat_sw
            ]
            weights = sw if weights is None else [a * b for a, b in zip(weights, sw)]
        all_names = (
            [f"x[{i}]" for i in range(len(flat_x))]
            + [f"y[{n}]" for n in names]
            + ([f"sample_weight[{n}]" for n in names] if weights else [])
        )
        count = data_utils.sample_count(flat_x + targets + (weights or []), all_names)
        return _Prepared(
            structure, flat_x, specs, output_shapes, names, losses, targets, weights, count
        )

    def _flat_output_shapes(self, structure, specs, flat_x=None):
        functional = self if hasattr(self, "_flat_outputs") else getattr(self, "_functional", None)
        if functional is not None and getattr(functional, "_flat_outputs", None):
            return [tuple(t.shape) for t in functional._flat_outputs]
        from pykeras.engine import call_context

        ins = pack_like(structure, [KerasTensor(s, d) for _, s, d in specs])
        try:
            with call_context.training_scope(False):
                outs = self._call_with_training(ins, (), {}, False)
        except TypeError as error:
            if not (self.run_eagerly and "run_eagerly" in str(error)):
                raise
            # call() branches on values: learn the output shapes from one sample.
            outs = self(pack_like(structure, [a[:1] for a in flat_x]))
            return [(None,) + tuple(np.shape(o))[1:] for o in flatten(outs)]
        return [tuple(t.shape) for t in flatten(outs)]

    # ------------------------------------------------------------ steps

    def _metrics_for(self, prepared):
        """The compiled metrics, resolved once per model against the data's shapes."""
        if self._metric_objects is not None:
            return self._metric_objects
        per_output = []
        plain = resolve_metric_identifiers(self._compile_args["metrics"], prepared.names)
        weighted = resolve_metric_identifiers(
            self._compile_args["weighted_metrics"], prepared.names
        )
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
                metric._weighted = is_weighted
                metric._log_name = f"{name}_{metric.name}" if several else metric.name
                entries.append(metric)
            per_output.append(entries)
        self._metric_objects = per_output
        return per_output

    def _step(self, prepared, training):
        metrics = self._metrics_for(prepared)
        target_specs = [
            None if t is None else ((None,) + t.shape[1:], str(t.dtype)) for t in prepared.targets
        ]
        key = (
            training,
            tuple((s, d) for _, s, d in prepared.specs),
            tuple(target_specs),
            prepared.weights is not None,
        )
        step = self._steps.get(key)
        if step is None and self.run_eagerly:
            # Training always runs the traced step: Python code in call() runs
            # once, at trace time. Control flow on tensor values cannot be
            # traced, and training op by op is not available yet.
            try:
                step = build_step(self, prepared.structure, prepared.specs, target_specs,
                                  prepared.weights is not None, prepared.losses, metrics,
                                  prepared.output_shapes, training)  # fmt: skip
            except TypeError as error:
                if "run_eagerly" not in str(error):
                    raise
                raise NotImplementedError(
                    f"Model '{self.name}' branches on tensor values in call(), which pykeras "
                    "can run eagerly for inference (predict, model(x)) but cannot train yet: "
                    "fit/evaluate trace call() into one graph. Rewrite the branch with "
                    "pykeras.ops.where, or keep the value-dependent part outside the model."
                ) from error
            self._steps[key] = step
        if step is None:
            step = build_step(
                self,
                prepared.structure,
                prepared.specs,
                target_specs,
                prepared.weights is not None,
                prepared.losses,
                metrics,
                prepared.output_shapes,
                training,
            )
            self._steps[key] = step
        return step

    @property
    def metrics(self):
        """The compiled metric objects (after the first fit/evaluate)."""
        if not self._metric_objects:
            return []
        return [m for entries in self._metric_objects for m in entries]

    @property
    def metrics_names(self):
        """The keys of the logs: "loss", then each output's loss and metric."""
        return list(self._last_logs_keys) if getattr(self, "_last_logs_keys", None) else ["loss"]

    # ------------------------------------------------------------ epochs

    def _run(self, step, prepared, training, order, batch_size, first, steps, seed):
        data = list(prepared.x) + [t for t in prepared.targets if t is not None]
        if prepared.weights is not None:
            data += [
                w if w is not None else np.ones(prepared.count, np.float32)
                for w, t in zip(prepared.weights, prepared.targets)
                if t is not None
            ]
        if training:
            native_opt = self.optimizer._native(self.trainable_weights)
            rows, widths = step.native.train(
                data, order, batch_size, first, steps, seed, self._global_step, False, native_opt
            )
            if len(rows) and not np.all(np.isfinite(rows[:, 1])) and not self._nan_reported:
                self._nan_reported = True
                bad = int(np.argmin(np.isfinite(rows[:, 1])))
                warnings.warn(
                    f"The training loss of model '{self.name}' is not finite (NaN or inf) from "
                    f"step {first + bad} of this epoch on. Check the data for NaN or inf and try "
                    "a lower learning rate; keras.callbacks.TerminateOnNaN() stops training then.",
                    RuntimeWarning,
                    stacklevel=3,
                )
            self._global_step += len(rows)
            for v in step.constrained:
                v.assign(v.constraint(v.numpy()))
        else:
            rows, widths = step.native.test(data, batch_size, first, steps)
        return rows, widths

    def _accumulate(self, tracker, step, rows, widths):
        """Adds step rows to the running loss and metric states."""
        if len(rows) == 0:
            return
        sizes = rows[:, 0]
        tracker["loss_sum"] += float(np.sum(rows[:, 1] * sizes))
        tracker["count"] += float(np.sum(sizes))
        col = 2
        report = 0
        for name in step.output_losses:
            tracker.setdefault(name, [0.0, 0.0])
            tracker[name][0] += float(np.sum(rows[:, col] * sizes))
            tracker[name][1] += float(np.sum(sizes))
            col += widths[report]
            report += 1
        for metric, count in zip(step.metrics, step.state_counts):
            states = []
            for _ in range(count):
                w = widths[report]
                states.append(
                    rows[:, col : col + w].sum(axis=0).reshape(-1) if w > 1 else rows[:, col].sum()
                )
                col += w
                report += 1
            metric.add_states(states)

    def _logs(self, tracker, step):
        logs = {}
        count = tracker["count"]
        logs["loss"] = tracker["loss_sum"] / count if count else float("nan")
        for name in step.output_losses:
            total, n = tracker[name]
            logs[name] = total / n if n else float("nan")
        for metric in step.metrics:
            value = metric.result()
            logs[metric._log_name] = value
        return logs

    def _new_tracker(self, step):
        for metric in step.metrics:
            metric.reset_state()
        return {"loss_sum": 0.0, "count": 0.0}

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
            validation_data: `(x_val, y_val)` or `(x_val, y_val, sample_weight_val)`.
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
            _check_kwargs("fit", kwargs, _FIT_ARGS)
        self._assert_compiled("fit")
        verbose = _resolve_verbose(verbose)
        if _is_batch_source(x):
            return self._fit_batches(
                x,
                epochs,
                verbose,
                callbacks,
                validation_data,
                initial_epoch,
                steps_per_epoch,
                validation_freq,
            )
        batch_size = _check_batch_size(batch_size)
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
                vx, vy, vsw = _unpack_validation(validation_data)
                val_prepared = self._prepare(vx, vy, vsw, None)
        if all(t is None for t in prepared.targets):
            raise ValueError(
                f"Model '{self.name}' cannot be trained without targets: pass `y` to fit()."
            )
        step = self._step(prepared, training=True)
        steps = math.ceil(prepared.count / batch_size)
        if steps_per_epoch is not None:
            steps = min(steps, int(steps_per_epoch))
        callbacks = CallbackList(
            callbacks,
            add_history=True,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=epochs,
            steps=steps,
        )
        per_batch = callbacks.needs_batch_hooks("train") or bool(step.constrained)
        live_bar = verbose == 1
        self.stop_training = False
        self._nan_reported = False
        rng = pykeras_random.make_rng()
        seed = int(rng.integers(0, 2**63 - 1))
        logs = {}
        callbacks.on_train_begin()
        initial_epoch = _initial_epoch(callbacks, initial_epoch)
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
                logs = self._logs(tracker, step)
                callbacks.on_train_batch_end(done - 1, logs)
                if len(rows) < n or self.stop_training:
                    break
                if live_bar and not per_batch and len(rows):
                    per_step = elapsed / len(rows)
                    chunk = max(1, int(_REFRESH_SECONDS / max(per_step, 1e-9)))
            self._last_logs_keys = list(logs.keys())
            epoch_logs = dict(logs)
            if val_prepared is not None and _should_validate(epoch, validation_freq):
                val_logs = self._evaluate_prepared(
                    val_prepared, validation_batch_size or batch_size, callbacks, validation_steps
                )
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            logs = epoch_logs
            if self.stop_training:
                break
        callbacks.on_train_end(logs)
        return self.history

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
        seed = int(rng.integers(0, 2**63 - 1))
        iterator = None if is_dataset else iter(source)
        logs = {}
        callbacks.on_train_begin()
        for epoch in range(_initial_epoch(callbacks, initial_epoch), epochs):
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
                logs = self._logs(tracker, step)
                callbacks.on_train_batch_end(index, logs)
                index += 1
                if self.stop_training or len(rows) == 0:
                    break
            if is_dataset and hasattr(source, "on_epoch_end"):
                source.on_epoch_end()
            epoch_logs = dict(logs)
            if validation_data is not None and _should_validate(epoch, validation_freq):
                vx, vy, vsw = _unpack_validation(validation_data)
                val_logs = self._evaluate_prepared(
                    self._prepare(vx, vy, vsw, None), 32, callbacks, None
                )
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            logs = epoch_logs
            if self.stop_training:
                break
        callbacks.on_train_end(logs)
        return self.history

    # ------------------------------------------------------------ evaluate

    def _evaluate_prepared(self, prepared, batch_size, callbacks=None, steps=None):
        step = self._step(prepared, training=False)
        tracker = self._new_tracker(step)
        total_steps = math.ceil(prepared.count / batch_size)
        if steps is not None:
            total_steps = min(total_steps, int(steps))
        per_batch = callbacks is not None and callbacks.needs_batch_hooks("test")
        if callbacks is not None:
            callbacks.on_test_begin()
        done = 0
        chunk = 1 if per_batch else max(total_steps, 1)
        logs = {}
        while done < total_steps:
            n = min(chunk, total_steps - done)
            if per_batch:
                callbacks.on_test_batch_begin(done)
            rows, widths = self._run(step, prepared, False, None, batch_size, done, n, 0)
            self._accumulate(tracker, step, rows, widths)
            done += max(len(rows), 1)
            logs = self._logs(tracker, step)
            if callbacks is not None:
                callbacks.on_test_batch_end(done - 1, logs)
            if len(rows) == 0:
                break
        logs = self._logs(tracker, step)
        if callbacks is not None:
            callbacks.on_test_end(logs)
        return logs

    def evaluate(
        self,
        x=None,
        y=None,
        batch_size=None,
        verbose="auto",
        sample_weight=None,
        steps=None,
        callbacks=None,
        return_dict=False,
        **kwargs,
    ):
        """Computes the loss and metrics on data, batch by batch in Rust.

        Returns:
            The loss (a float) for a model without metrics, else the list
            `[loss, metric...]`; with `return_dict=True`, a dict of them.
        """
        if kwargs:
            _check_kwargs(
                "evaluate",
                kwargs,
                (
                    "x",
                    "y",
                    "batch_size",
                    "verbose",
                    "sample_weight",
                    "steps",
                    "callbacks",
                    "return_dict",
                ),
            )
        self._assert_compiled("evaluate")
        verbose = _resolve_verbose(verbose)
        if _is_batch_source(x):
            logs = self._evaluate_batches(x, steps)
            self._last_logs_keys = list(logs.keys())
            return _format(logs, return_dict)
        batch_size = _check_batch_size(batch_size)
        prepared = self._prepare(x, y, sample_weight, None)
        total = math.ceil(prepared.count / batch_size)
        callback_list = CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1, steps=total
        )
        logs = self._evaluate_prepared(prepared, batch_size, callback_list, steps)
        self._last_logs_keys = list(logs.keys())
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def _evaluate_batches(self, source, steps):
        """evaluate() over a generator or PyDataset: one Rust call per batch."""
        tracker, step, logs = None, None, {}
        for bx, by, bsw in iterate_batches(source, steps):
            prepared = self._prepare(bx, by, bsw, None)
            step = self._step(prepared, training=False)
            if tracker is None:
                tracker = self._new_tracker(step)
            rows, widths = self._run(step, prepared, False, None, max(prepared.count, 1), 0, 1, 0)
            self._accumulate(tracker, step, rows, widths)
            logs = self._logs(tracker, step)
        if tracker is None:
            raise ValueError("evaluate() received a generator that yielded no batches.")
        return logs

    # ------------------------------------------------------------ one batch

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One training step on one batch; returns its loss (and metrics)."""
        self._assert_compiled("train_on_batch")
        prepared = self._prepare(x, y, sample_weight, class_weight)
        step = self._step(prepared, training=True)
        tracker = self._new_tracker(step)
        order = np.arange(prepared.count, dtype=np.int64)
        seed = int(pykeras_random.make_rng().integers(0, 2**63 - 1))
        rows, widths = self._run(step, prepared, True, order, max(prepared.count, 1), 0, 1, seed)
        self._accumulate(tracker, step, rows, widths)
        return _format(self._logs(tracker, step), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss (and metrics) on one batch, without training."""
        self._assert_compiled("test_on_batch")
        prepared = self._prepare(x, y, sample_weight, None)
        logs = self._evaluate_prepared(prepared, max(prepared.count, 1))
        return _format(logs, return_dict)


class _Prepared:
    """Checked, converted data for one fit/evaluate call."""

    def __init__(self, structure, x, specs, output_shapes, names, losses, targets, weights, count):
        self.structure = structure
        self.x = x
        self.specs = specs
        self.output_shapes = output_shapes
        self.names = names
        self.losses = losses
        self.targets = targets
        self.weights = weights
        self.count = count

    def arrays(self):
        return list(self.x) + list(self.targets) + list(self.weights or [])

    def with_arrays(self, arrays):
        nx, nt = len(self.x), len(self.targets)
        weights = arrays[nx + nt :] if self.weights is not None else None
        count = data_utils.sample_count(
            [a for a in arrays if a is not None], ["data"] * len(arrays)
        )
        return _Prepared(
            self.structure,
            [np.ascontiguousarray(a) for a in arrays[:nx]],
            self.specs,
            self.output_shapes,
            self.names,
            self.losses,
            [None if a is None else np.ascontiguousarray(a) for a in arrays[nx : nx + nt]],
            None
            if weights is None
            else [None if w is None else np.ascontiguousarray(w) for w in weights],
            count,
        )


def _format(logs, return_dict):
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def _check_batch_size(batch_size):
    if batch_size is None:
        return 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise TypeError(f"batch_size must be an int. Received: batch_size={batch_size!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive. Received: batch_size={batch_size}")
    return int(batch_size)


def _is_batch_source(x):
    from pykeras.utils.data_utils import PyDataset

    if isinstance(x, PyDataset):
        return True
    return hasattr(x, "__next__") and hasattr(x, "__iter__")


def iterate_batches(source, steps=None):
    """(x, y, sample_weight) batches of a generator or PyDataset, `steps` of them at most."""
    is_dataset = hasattr(source, "__getitem__") and hasattr(source, "__len__")
    total = len(source) if is_dataset else None
    if steps is not None:
        total = int(steps) if total is None else min(total, int(steps))
    iterator = None if is_dataset else iter(source)
    index = 0
    while total is None or index < total:
        try:
            batch = source[index] if is_dataset else next(iterator)
        except (StopIteration, IndexError):
            return
        yield data_utils.unpack_batch(batch)
        index += 1


def _unpack_validation(validation_data):
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError(
            "validation_data must be a tuple (x_val, y_val) or (x_val, y_val, "
            f"val_sample_weight). Received: {type(validation_data).__name__} of length "
            f"{len(validation_data) if hasattr(validation_data, '__len__') else '?'}"
        )
    if len(validation_data) == 2:
        return validation_data[0], validation_data[1], None
    return tuple(validation_data)


def _should_validate(epoch, validation_freq):
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return epoch + 1 in validation_freq


def _initial_epoch(callbacks, initial_epoch):
    """BackupAndRestore may resume from a later epoch."""
    for cb in callbacks.callbacks:
        restored = getattr(cb, "_initial_epoch_from_backup", None)
        if restored is not None:
            return max(int(restored), initial_epoch)
    return initial_epoch
