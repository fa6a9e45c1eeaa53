"""The model verbs of training: compile, fit, evaluate, train_on_batch and
test_on_batch.

`fit` lowers one training step (forward, losses, metrics, backward) to a
Rust graph once, then hands the Rust loop whole epochs of batches with the
GIL released. Python comes back between batches only when a callback
overrides a batch hook or the progress bar needs refreshing. The verbs live
in mixins: `FitLoop` (fit), `Evaluation` (evaluate and the one-batch verbs)
and `StepRunner` (compiled steps and their results); this file holds compile
and the data preparation they share.
"""

import difflib

import numpy as np

from pykeras import optimizers as optimizers_module
from pykeras.engine import call_context
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.tree import flatten, pack_like
from pykeras.metrics.mean_metric import Mean
from pykeras.trainers import data as data_utils
from pykeras.trainers.arguments import COMPILE_ARGS, check_kwargs
from pykeras.trainers.compile_config import resolve_losses, resolve_metric_identifiers
from pykeras.trainers.evaluation import Evaluation
from pykeras.trainers.fit_loop import FitLoop
from pykeras.trainers.prepared import PreparedData
from pykeras.trainers.step_runner import StepRunner
from pykeras.trainers.steps import StepMethods


class Trainer(FitLoop, Evaluation, StepRunner, StepMethods):
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
            check_kwargs("compile", kwargs, COMPILE_ARGS)
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
        self._loss_tracker = Mean(name="loss")
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
        flat_x = [
            np.ascontiguousarray(data_utils.convert_input(a, d, self.name))
            for a, d in zip(flat_x, dtypes)
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
        return PreparedData(
            structure, flat_x, specs, output_shapes, names, losses, targets, weights, count
        )

    def _flat_output_shapes(self, structure, specs, flat_x=None):
        functional = self if hasattr(self, "_flat_outputs") else getattr(self, "_functional", None)
        if functional is not None and getattr(functional, "_flat_outputs", None):
            return [tuple(t.shape) for t in functional._flat_outputs]
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
