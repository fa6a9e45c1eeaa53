"""`evaluate`, `train_on_batch` and `test_on_batch`."""

import math

import numpy as np

from pykeras.callbacks import CallbackList
from pykeras.random import _stream as pykeras_random
from pykeras.trainers.arguments import (
    check_batch_size,
    check_kwargs,
    format_logs,
    is_batch_source,
    iterate_batches,
    resolve_verbose,
)


class Evaluation:
    """Mixin: loss and metrics on data, and single-batch training steps."""

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
            check_kwargs(
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
        verbose = resolve_verbose(verbose)
        if is_batch_source(x):
            logs = self._evaluate_batches(x, steps)
            self._last_logs_keys = list(logs.keys())
            return format_logs(logs, return_dict)
        batch_size = check_batch_size(batch_size)
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
        return format_logs(self._logs(tracker, step), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss (and metrics) on one batch, without training."""
        self._assert_compiled("test_on_batch")
        prepared = self._prepare(x, y, sample_weight, None)
        logs = self._evaluate_prepared(prepared, max(prepared.count, 1))
        return format_logs(logs, return_dict)
