"""The trainer of one model: `fit`, `evaluate`, `predict` and the one-batch
verbs, run on what `compile()` set (the model's `CompileState`).

`fit` lowers one training step (forward, losses, metrics, backward) to a
Rust graph once, then hands the Rust loop whole epochs of batches with the
GIL released. Python comes back between batches only when a callback
overrides a batch hook or the progress bar needs refreshing. The parts:
`StepRunner` (compiled steps and their results), `FitLoop` (one fit call),
`evaluation` (test steps over data); `Model`'s verbs delegate here, and the
trainer calls the model's overridable step methods.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.callbacks import CallbackList
from pykeras.config import capped_fit_lengths
from pykeras.engine.tree import flatten, pack_like
from pykeras.random import _stream as pykeras_random
from pykeras.trainers.arguments import (
    FIT_ARGS,
    check_batch_size,
    check_kwargs,
    format_logs,
    is_batch_source,
    iterate_batches,
    resolve_verbose,
)
from pykeras.trainers.evaluation import evaluate_batches, evaluate_prepared
from pykeras.trainers.fit_loop import FitLoop
from pykeras.trainers.prepared import PreparedData, prepare
from pykeras.trainers.step_runner import StepRunner
from pykeras.trainers.steps import compiled_state

if TYPE_CHECKING:
    from pykeras.callbacks.history import History
    from pykeras.engine.executor import Executor
    from pykeras.trainers.model_protocol import Logs, TrainedModel

EVALUATE_ARGS = (
    "x",
    "y",
    "batch_size",
    "verbose",
    "sample_weight",
    "steps",
    "callbacks",
    "return_dict",
)


class Trainer:
    """Runs the training verbs for one model.

    Attributes:
        model: the model (its compile state, step methods and forward pass).
        runner: its compiled steps and their results.
    """

    def __init__(self, model: TrainedModel) -> None:
        self.model = model
        self.runner = StepRunner(model)

    def reset(self) -> None:
        """Called by `compile()`: steps are rebuilt for the new configuration."""
        self.runner.reset()

    @property
    def last_logs_keys(self) -> list[str] | None:
        """The keys of the last logs `fit` or `evaluate` produced."""
        return self.runner.last_logs_keys

    def _prepare(
        self, method: str, x: Any, y: Any, sample_weight: Any, class_weight: Any
    ) -> PreparedData:
        compiled = compiled_state(self.model, method)
        return prepare(self.model, compiled, x, y, sample_weight, class_weight)

    # ------------------------------------------------------------ fit

    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: Any = "auto",
        callbacks: Any = None,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: bool = True,
        class_weight: Any = None,
        sample_weight: Any = None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        validation_batch_size: int | None = None,
        validation_freq: Any = 1,
        **kwargs: Any,
    ) -> History:
        """`Model.fit` (see its docstring)."""
        if kwargs:
            if "nb_epoch" in kwargs:
                warnings.warn("`nb_epoch` is deprecated; use `epochs`.", stacklevel=3)
                epochs = kwargs.pop("nb_epoch")
            check_kwargs("fit", kwargs, FIT_ARGS)
        compiled = compiled_state(self.model, "fit")
        verbose = resolve_verbose(verbose)
        # `keras.config.set_max_epochs` / `set_max_steps_per_epoch` cap every fit.
        epochs, steps_per_epoch = capped_fit_lengths(epochs, steps_per_epoch)
        return FitLoop(self.runner, compiled).fit(
            x, y, batch_size, epochs, verbose, callbacks, validation_split, validation_data,
            shuffle, class_weight, sample_weight, initial_epoch, steps_per_epoch,
            validation_steps, validation_batch_size, validation_freq,
        )  # fmt: skip

    # ------------------------------------------------------------ evaluate

    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        verbose: Any = "auto",
        sample_weight: Any = None,
        steps: int | None = None,
        callbacks: Any = None,
        return_dict: bool = False,
        **kwargs: Any,
    ) -> Any:
        """`Model.evaluate` (see its docstring)."""
        if kwargs:
            check_kwargs("evaluate", kwargs, EVALUATE_ARGS)
        compiled_state(self.model, "evaluate")
        verbose = resolve_verbose(verbose)
        if is_batch_source(x):
            logs = evaluate_batches(self.runner, x, steps)
            self.runner.last_logs_keys = list(logs.keys())
            return format_logs(logs, return_dict)
        batch_size = check_batch_size(batch_size)
        prepared = self._prepare("evaluate", x, y, sample_weight, None)
        total = math.ceil(prepared.count / batch_size)
        callback_list = CallbackList(
            callbacks,
            add_progbar=verbose != 0,
            model=self.model,
            verbose=verbose,
            epochs=1,
            steps=total,
        )
        logs = evaluate_prepared(self.runner, prepared, batch_size, callback_list, steps)
        self.runner.last_logs_keys = list(logs.keys())
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    # ------------------------------------------------------------ predict

    def predict(self, x: Any, batch_size: int | None = None, steps: int | None = None) -> Any:
        """`Model.predict` (see its docstring)."""
        model = self.model
        if is_batch_source(x):
            outputs = [self.predict_on_batch(bx) for bx, _, _ in iterate_batches(x, steps)]
            if not outputs:
                raise ValueError("predict() received a generator that yielded no batches.")
            columns = zip(*(flatten(o) for o in outputs))
            return pack_like(outputs[0], [np.concatenate(c, axis=0) for c in columns])
        custom = model._overrides_predict_step()
        executor = None if model.run_eagerly else self._predict_executor(x, custom)
        if executor is None:
            return self._predict_eagerly(x, batch_size or 32, custom)
        return executor[0].run_batched(executor[1], batch_size or 32)

    def _predict_executor(self, x: Any, custom: bool) -> tuple[Executor, list[Any]] | None:
        """The traced forward pass (or overridden `predict_step`) for `x` and
        its flat inputs; None when an override cannot be traced."""
        model = self.model
        try:
            return model._executor(x, training=False, predict_step=custom)
        except (TypeError, ValueError) as e:
            if not custom:
                raise
            # An override that needs values (NumPy on its tensors): it runs
            # on each batch, and the warning says why predict is slower.
            warnings.warn(
                f"`{type(model).__name__}.predict_step` could not be compiled into one graph "
                f"({type(e).__name__}: {e}); it runs op by op on each batch. Pass "
                "`run_eagerly=True` to compile() to choose that and silence this warning.",
                RuntimeWarning,
                stacklevel=4,
            )
            return None

    def _predict_eagerly(self, x: Any, batch_size: int, custom: bool) -> Any:
        """Batch by batch in Python: the model called, or its overridden
        `predict_step` given `(x,)` as Keras gives it."""
        model = self.model
        structure, flat = model._flatten_data(x)
        n = len(flat[0])
        outputs = []
        for i in range(0, n, batch_size):
            batch = pack_like(structure, [a[i : i + batch_size] for a in flat])
            outputs.append(model.predict_step((batch,)) if custom else model(batch))
        columns = zip(*(flatten(o) for o in outputs))
        return pack_like(outputs[0], [np.concatenate(c, axis=0) for c in columns])

    # ------------------------------------------------------------ one batch

    def predict_on_batch(self, x: Any) -> Any:
        """`Model.predict_on_batch`: the outputs for one batch, as numpy arrays."""
        model = self.model
        custom = model._overrides_predict_step()
        executor = None if model.run_eagerly else self._predict_executor(x, custom)
        if executor is None:
            _, flat = model._flatten_data(x)
            return self._predict_eagerly(x, max(len(flat[0]), 1), custom)
        return executor[0].run(executor[1], training=False)

    def train_on_batch(
        self,
        x: Any,
        y: Any = None,
        sample_weight: Any = None,
        class_weight: Any = None,
        return_dict: bool = False,
    ) -> Any:
        """`Model.train_on_batch`: one training step on one batch."""
        runner = self.runner
        prepared = self._prepare("train_on_batch", x, y, sample_weight, class_weight)
        step = runner.step(prepared, training=True)
        tracker = runner.new_tracker(step)
        order = np.arange(prepared.count, dtype=np.int64)
        seed = int(pykeras_random.make_rng().integers(0, 2**63 - 1))
        results = runner.run(step, prepared, True, order, max(prepared.count, 1), 0, 1, seed)
        runner.accumulate(tracker, step, results)
        return format_logs(runner.logs(tracker, step), return_dict)

    def test_on_batch(
        self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False
    ) -> Any:
        """`Model.test_on_batch`: the loss (and metrics) on one batch."""
        prepared = self._prepare("test_on_batch", x, y, sample_weight, None)
        logs: Logs = evaluate_prepared(self.runner, prepared, max(prepared.count, 1))
        return format_logs(logs, return_dict)
