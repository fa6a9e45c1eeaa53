"""Model: a layer with Keras's model verbs, built from parts.

`Model(inputs, outputs)` makes a Functional model; `class M(Model)` with a
`call()` makes a subclassed one. Either way, running it on arrays lowers the
whole forward pass once into a Rust graph (per training mode and input
signature) and then runs that graph: no Python per layer.

A model holds its parts as attributes: its `CompileState` (what `compile()`
set) and its `Trainer` (fit, evaluate, predict and the compiled steps);
saving goes through `pykeras.saving.model_saving`. The model itself keeps the
forward pass (tracing, inference graphs), the step methods users override,
and what it knows of its inputs and outputs.
"""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np

from pykeras import optimizers as optimizers_module
from pykeras.callbacks.history import History
from pykeras.engine import call_context
from pykeras.engine.executor import Executor
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.node import Node
from pykeras.engine.stateless_scope import in_stateless_scope
from pykeras.engine.tape import recording
from pykeras.engine.traceback_utils import filter_traceback
from pykeras.engine.tracing import Tracer, active_tracer
from pykeras.engine.tree import ShapeTuple, flatten, map_structure, pack_like
from pykeras.export import export_model
from pykeras.layers.layer import Layer, _shape_of
from pykeras.metrics.metric import Metric
from pykeras.models.fast_call import FastCall, fast_call_for
from pykeras.optimizers.optimizer import Optimizer
from pykeras.saving import json_yaml, model_saving
from pykeras.trainers import steps
from pykeras.trainers.arguments import COMPILE_ARGS, check_kwargs
from pykeras.trainers.compile_state import CompileState
from pykeras.trainers.data import convert_input
from pykeras.trainers.model_protocol import InputSpec, Shape
from pykeras.trainers.trainer import Trainer
from pykeras.utils.summary import print_summary

# (training, ((shape, dtype) per flat input), input structure): one traced
# forward pass per key.
ExecutorKey = tuple[bool, tuple[Any, ...], Any, bool]

# `Functional`, which `Model(inputs, outputs)` builds: it subclasses `Model`,
# so `pykeras.models.functional` sets it when imported (pykeras.models
# imports both).
_FUNCTIONAL: type[Model] | None = None


def set_functional_class(functional: type[Model]) -> None:
    """Called once by `pykeras.models.functional` with `Functional`."""
    global _FUNCTIONAL
    _FUNCTIONAL = functional


def _functional_class() -> type[Model]:
    if _FUNCTIONAL is None:
        raise RuntimeError("pykeras.models.functional was not imported (import pykeras first).")
    return _FUNCTIONAL


class Model(Layer):
    """A model groups layers into an object with training and inference features.

    Functional: `Model(inputs, outputs, name=None)`.
    Subclassing: create layers in `__init__` and define `call(inputs, training=None)`.

    A model is a `Layer` that holds its parts rather than inheriting them:
    `_compiled`, the `CompileState` of the last `compile()` (losses, metrics,
    loss weights; the optimizer is `model.optimizer`, as in Keras), and
    `_trainer`, the `Trainer` that runs fit / evaluate / predict and the
    compiled steps for this model. Keras's verbs delegate to them; saving is
    done by `pykeras.saving.model_saving`'s functions. The step methods
    (`train_step`, `test_step`, `predict_step`, `compute_loss`,
    `compute_metrics`) stay methods of the model, which subclasses override;
    the trainer calls them on the model.

    Example:

    >>> inputs = keras.Input(shape=(3,))
    >>> outputs = keras.layers.Dense(2)(inputs)
    >>> model = Model(inputs, outputs)
    >>> model.predict(np.ones((4, 3)), verbose=0).shape
    (4, 2)
    """

    # The parts, set by `_init_parts` (Functional's constructor calls it too):
    # what compile() set, the trainer, and the traced forward passes.
    _compiled: CompileState | None
    _trainer: Trainer
    _executors: dict[ExecutorKey, Executor]
    # The last plain call's graph, run directly by the next such call.
    _fast_call: FastCall | None = None
    run_eagerly: bool
    stop_training: bool
    # Set by `compile()` (callbacks and users may replace it).
    optimizer: Optimizer | None
    # Set by `fit` (its `History` callback).
    history: History

    def __new__(cls, *args: Any, **kwargs: Any) -> Model:
        if _functional_arguments(args, kwargs):
            functional = _functional_class()
            if cls is Model:
                return object.__new__(functional)
            if not issubclass(cls, functional):
                # `class CustomModel(keras.Model)` built as `CustomModel(inputs,
                # outputs)`, as the Keras guides do: a Functional model with
                # the subclass's methods (train_step, ...) first.
                return object.__new__(_functional_subclass(cls, functional))
        return object.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or "inputs" in kwargs or "outputs" in kwargs:
            raise TypeError(
                f"{type(self).__name__} is a subclassed model; pass inputs and outputs to "
                "`keras.Model(inputs, outputs)` directly for a Functional model."
            )
        super().__init__(
            name=kwargs.pop("name", None),
            trainable=kwargs.pop("trainable", True),
            dtype=kwargs.pop("dtype", None),
            **kwargs,
        )
        self._init_parts()

    def _init_parts(self) -> None:
        """Gives the model its parts: no compile state yet, its trainer, and no
        traced forward passes."""
        self._compiled = None
        self._trainer = Trainer(self)
        self._executors = {}
        self._fast_call = None
        self.run_eagerly = False
        self.stop_training = False

    def __getattr__(self, name: str) -> Any:
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

    @filter_traceback
    def compile(
        self,
        optimizer: Any = "rmsprop",
        loss: Any = None,
        loss_weights: Any = None,
        metrics: Any = None,
        weighted_metrics: Any = None,
        run_eagerly: bool = False,
        steps_per_execution: int = 1,
        jit_compile: bool | str = "auto",
        auto_scale_loss: bool = True,
        **kwargs: Any,
    ) -> None:
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

        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
        >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
        ...               metrics=["accuracy"])
        """
        if kwargs:
            check_kwargs("compile", kwargs, COMPILE_ARGS)
        optimizer = optimizers_module.get(optimizer)
        self._compiled = CompileState.create(
            loss=loss,
            loss_weights=loss_weights,
            metrics=metrics,
            weighted_metrics=weighted_metrics,
            steps_per_execution=steps_per_execution,
            jit_compile=jit_compile,
            output_names=self._output_names_for_compile(),
        )
        self.optimizer = optimizer
        self.run_eagerly = bool(run_eagerly)
        self.stop_training = False
        self._trainer.reset()

    @property
    def compiled(self) -> bool:
        """Whether `compile()` was called."""
        return self._compiled is not None

    @property
    def loss(self) -> Any:
        """The `loss` given to `compile()` (an AttributeError before compile)."""
        return self._compile_state("loss").loss

    @property
    def steps_per_execution(self) -> int:
        """The `steps_per_execution` given to `compile()` (1 before compile)."""
        return 1 if self._compiled is None else self._compiled.steps_per_execution

    @property
    def jit_compile(self) -> bool:
        """The `jit_compile` setting as Keras reports it: `"auto"` (the default)
        reads as True, and `run_eagerly` makes it False. pykeras traces steps
        into one Rust graph either way."""
        given = "auto" if self._compiled is None else self._compiled.jit_compile
        return not self.run_eagerly and given in ("auto", True)

    def _compile_state(self, attribute: str) -> CompileState:
        if self._compiled is None:
            raise AttributeError(
                f"'{type(self).__name__}' object has no attribute '{attribute}' until "
                "`compile()` is called."
            )
        return self._compiled

    def get_compile_config(self) -> Any:
        """What `compile()` was given, serialized (None if the model is not compiled)."""
        compiled = self._compiled
        if compiled is None:
            return None
        return model_saving.compile_config(
            {
                "optimizer": self.optimizer,
                "loss": compiled.loss,
                "loss_weights": compiled.loss_weights,
                "metrics": compiled.metrics,
                "weighted_metrics": compiled.weighted_metrics,
                "run_eagerly": bool(self.run_eagerly),
                "steps_per_execution": compiled.steps_per_execution,
            }
        )

    def compile_from_config(self, config: Any) -> None:
        """Compiles the model from `get_compile_config()`'s output and creates the
        optimizer's state, so that saved optimizer state can be loaded into it."""
        self.compile(**model_saving.compile_arguments(config))
        optimizer = self.optimizer
        if self.built and optimizer is not None:
            optimizer.build(self.trainable_weights)

    # ------------------------------------------------------------ training

    @filter_traceback
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
        return self._trainer.fit(
            x=x,
            y=y,
            batch_size=batch_size,
            epochs=epochs,
            verbose=verbose,
            callbacks=callbacks,
            validation_split=validation_split,
            validation_data=validation_data,
            shuffle=shuffle,
            class_weight=class_weight,
            sample_weight=sample_weight,
            initial_epoch=initial_epoch,
            steps_per_epoch=steps_per_epoch,
            validation_steps=validation_steps,
            validation_batch_size=validation_batch_size,
            validation_freq=validation_freq,
            **kwargs,
        )

    @filter_traceback
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
        """Computes the loss and metrics on data, batch by batch in Rust.

        Returns:
            The loss (a float) for a model without metrics, else the list
            `[loss, metric...]`; with `return_dict=True`, a dict of them.
        """
        return self._trainer.evaluate(
            x=x,
            y=y,
            batch_size=batch_size,
            verbose=verbose,
            sample_weight=sample_weight,
            steps=steps,
            callbacks=callbacks,
            return_dict=return_dict,
            **kwargs,
        )

    def export(
        self,
        filepath: Any,
        format: str = "tf_saved_model",
        verbose: bool | None = None,
        input_signature: Any = None,
        **kwargs: Any,
    ) -> None:
        """Exports the model for inference; pykeras writes `format="onnx"`
        (`opset_version` in kwargs). See `pykeras.export.export_onnx`."""
        export_model(self, filepath, format, verbose, input_signature, **kwargs)

    @filter_traceback
    def predict(
        self,
        x: Any,
        batch_size: int | None = None,
        verbose: Any = "auto",
        steps: int | None = None,
        callbacks: Any = None,
    ) -> Any:
        """Runs the model on `x` batch by batch and returns the outputs as numpy arrays.

        Args:
            x: the inputs: an array, a list of arrays, a dict keyed by input
                name, or a generator / `PyDataset` of input batches.
            batch_size: samples per batch (default 32).
            verbose: accepted for Keras compatibility.
            steps: with a generator, the number of batches to draw.
            callbacks: accepted for Keras compatibility.

        Returns:
            A numpy array, or a list of them for a model with several outputs.
        """
        return self._trainer.predict(x, batch_size=batch_size, steps=steps)

    @filter_traceback
    def train_on_batch(
        self,
        x: Any,
        y: Any = None,
        sample_weight: Any = None,
        class_weight: Any = None,
        return_dict: bool = False,
    ) -> Any:
        """One training step on one batch; returns its loss (and metrics)."""
        return self._trainer.train_on_batch(x, y, sample_weight, class_weight, return_dict)

    @filter_traceback
    def test_on_batch(
        self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False
    ) -> Any:
        """The loss (and metrics) on one batch, without training."""
        return self._trainer.test_on_batch(x, y, sample_weight, return_dict)

    @filter_traceback
    def predict_on_batch(self, x: Any) -> Any:
        """Runs the model on one batch and returns numpy arrays."""
        return self._trainer.predict_on_batch(x)

    # ------------------------------------------------------------ step methods

    def train_step(self, data: Any) -> Any:
        """One training step on a batch `data` (`(x, y, sample_weight)`).

        Override it to customize `fit`; pykeras traces the override once
        into the training graph.

        Returns:
            A dict of metric names to scalar values (the batch's logs).
        """
        return steps.train_step(self, data)

    def test_step(self, data: Any) -> Any:
        """One evaluation step on a batch; returns the logs dict."""
        return steps.test_step(self, data)

    def predict_step(self, data: Any) -> Any:
        """The model's outputs for one batch of inputs."""
        return steps.predict_step(self, data)

    def compute_loss(
        self,
        x: Any = None,
        y: Any = None,
        y_pred: Any = None,
        sample_weight: Any = None,
        training: bool = True,
    ) -> Any:
        """The total loss: the compiled losses plus the losses layers added.

        Args:
            x: the inputs (unused by the default).
            y: the targets.
            y_pred: the model's outputs.
            sample_weight: sample weights.
            training: whether this is a training step.

        Returns:
            A scalar tensor.
        """
        del x, training
        return steps.compute_loss(self, y, y_pred, sample_weight)

    def compute_metrics(self, x: Any, y: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        """Updates the compiled metrics and returns `get_metrics_result()`."""
        del x
        return steps.compute_metrics(self, y, y_pred, sample_weight)

    def _overrides_predict_step(self) -> bool:
        """Whether this model's class overrides `predict_step`."""
        return type(self).predict_step is not Model.predict_step

    def _overrides_step_hooks(self, training: bool) -> bool:
        """Whether this model's class overrides a step method `fit` (or, not
        training, `evaluate`) would run."""
        names = ("train_step" if training else "test_step", "compute_loss", "compute_metrics")
        return any(getattr(type(self), n) is not getattr(Model, n) for n in names)

    # ------------------------------------------------------------ metrics

    def get_metrics_result(self) -> dict[str, Any]:
        """The current result of each metric in `model.metrics`, as a dict
        (a metric whose result is a dict adds each of its entries)."""
        return steps.metrics_result(self)

    @property
    def metrics(self) -> list[Metric]:
        """The loss tracker, the compiled metrics, then metrics held by the
        model and its layers (`Metric` attributes)."""
        return steps.model_metrics(self)

    @property
    def metrics_names(self) -> list[str]:
        """The names of `model.metrics` (after training: the keys of the logs)."""
        return steps.metrics_names(self, self._trainer.last_logs_keys)

    def reset_metrics(self) -> None:
        """Resets the state of every metric in `model.metrics`."""
        for metric in self.metrics:
            metric.reset_state()

    # ------------------------------------------------------------ outputs

    def _output_names_for_compile(self) -> list[str] | None:
        """Output names if the model already knows its outputs, else None."""
        outputs = getattr(self, "outputs", None)
        if not outputs:
            return None
        return self._output_names(len(outputs))

    def _output_names(self, count: int) -> list[str]:
        """The names of the model's `count` flat outputs (for losses, metrics, logs)."""
        names = getattr(self, "output_names", None)
        outputs_struct = getattr(self, "_outputs_struct", None)
        if isinstance(outputs_struct, dict):
            return list(outputs_struct.keys())
        functional = getattr(self, "_functional", None)
        if functional is not None:
            if count == 1:
                return [functional.output_names[0]]
            return list(functional.output_names)
        if names and len(names) == count:
            return list(names)
        return ["output"] if count == 1 else [f"output_{i}" for i in range(count)]

    def _flat_output_shapes(
        self, structure: Any, specs: list[InputSpec], flat_x: list[np.ndarray] | None = None
    ) -> list[Shape]:
        """The model's flat output shapes for inputs of `specs`."""
        functional = self if hasattr(self, "_flat_outputs") else getattr(self, "_functional", None)
        if functional is not None and getattr(functional, "_flat_outputs", None):
            return [tuple(t.shape) for t in functional._flat_outputs]
        # A shape probe, run on every fit/evaluate: nothing in it is recorded.
        ins = pack_like(structure, [KerasTensor(s, d, record_history=False) for _, s, d in specs])
        try:
            with call_context.training_scope(False):
                outs = self._call_with_training(ins, (), {}, False)
        except TypeError as error:
            if not (self.run_eagerly and "run_eagerly" in str(error)) or flat_x is None:
                raise
            # call() branches on values: learn the output shapes from one sample.
            outs = self(pack_like(structure, [a[:1] for a in flat_x]))
            return [(None,) + tuple(np.shape(o))[1:] for o in flatten(outs)]
        return [tuple(t.shape) for t in flatten(outs)]

    # ------------------------------------------------------------ saving

    @filter_traceback
    def save(
        self,
        filepath: Any,
        overwrite: bool = True,
        include_optimizer: bool = True,
        save_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Saves the model to a `.keras` archive (or a legacy `.h5` file).

        Args:
            filepath: a path ending in `.keras` or `.h5`.
            overwrite: replace an existing file.
            include_optimizer: also save the optimizer's state, so training resumes.
            save_format: `"keras"` or `"h5"`, overriding the extension.

        Example:

        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        >>> model.save("model.keras")
        """
        model_saving.save(self, filepath, overwrite, include_optimizer, save_format, **kwargs)

    @filter_traceback
    def save_weights(
        self, filepath: Any, overwrite: bool = True, save_format: str | None = None, **kwargs: Any
    ) -> None:
        """Saves the weights to HDF5 (Keras 3's layout for `*.weights.h5`, tf.keras 2's
        for other `*.h5` names).

        Example:

        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        >>> model.save_weights("model.weights.h5")
        """
        model_saving.save_weights(self, filepath, overwrite, save_format, **kwargs)

    @filter_traceback
    def load_weights(
        self, filepath: Any, skip_mismatch: bool = False, by_name: bool = False, **kwargs: Any
    ) -> None:
        """Loads weights from a `.weights.h5`, legacy `.h5` or `.keras` file.

        Args:
            filepath: the file; its layout is read from its content.
            skip_mismatch: skip, with a warning, weights whose count or shape
                does not match instead of raising.
            by_name: (legacy `.h5` only) match layers by name instead of order.
        """
        model_saving.load_weights(self, filepath, skip_mismatch, by_name, **kwargs)

    def to_json(self, **kwargs: Any) -> str:
        """The model's architecture as JSON (Keras 3's serialized form)."""
        return str(json_yaml.to_json(self, **kwargs))

    def to_yaml(self, **kwargs: Any) -> str:
        """The model's architecture as YAML (a Keras 2 verb; read back with
        `model_from_yaml`, which uses a safe loader)."""
        return str(json_yaml.to_yaml(self, **kwargs))

    def get_build_config(self) -> dict[str, Any] | None:
        """`{"input_shape": ...}` for a built subclassed model or Sequential, else None."""
        return model_saving.build_config(self)

    def build_from_config(self, config: dict[str, Any] | None) -> None:
        """Builds the model for the `input_shape` recorded by `get_build_config`."""
        model_saving.build_from_config(self, config)

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Any:
        """A model from its config: a Functional or Sequential config (Keras 3 or tf.keras 2)
        when called on `Model`, else `cls(**config)` for a subclassed model."""
        return model_saving.model_from_config(cls, config, custom_objects)

    # ------------------------------------------------------------ structure

    @property
    def layers(self) -> list[Layer]:
        """The model's layers, in order."""
        return self._sublayers()

    @filter_traceback
    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by name or by index in `model.layers`.

        Args:
            name: the layer's name.
            index: its position in `model.layers`.
        """
        if index is not None and name is not None:
            raise ValueError(
                "Provide only one of `name` or `index` to get_layer. "
                f"Received: name={name!r}, index={index!r}"
            )
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(
                    f"Model '{self.name}' has {len(layers)} layers, so index {index} is out of "
                    "range."
                )
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(
                f"No such layer: {name}. Existing layers are: {[layer.name for layer in layers]}."
            )
        raise ValueError("Provide either a layer `name` or an `index` to get_layer.")

    @filter_traceback
    def summary(
        self,
        line_length: int | None = None,
        positions: Any = None,
        print_fn: Any = None,
        expand_nested: bool = False,
        show_trainable: bool = False,
        layer_range: Any = None,
    ) -> None:
        """Prints a table of the model's layers, shapes and parameter counts."""
        print_summary(
            self,
            line_length=line_length,
            positions=positions,
            print_fn=print_fn,
            expand_nested=expand_nested,
            show_trainable=show_trainable,
            **({} if layer_range is None else {"layer_range": layer_range}),
        )

    # ------------------------------------------------------------ building

    def build(self, input_shape: Any) -> None:
        """Creates the weights of a subclassed model for inputs of `input_shape`."""
        if self.built:
            return
        inputs = map_structure(lambda s: KerasTensor(s), _shapes(input_shape))
        with call_context.training_scope(False):
            self._call_with_training(inputs, (), {}, training=False)
        self.built = True
        self._build_shapes_dict = input_shape

    def _maybe_build(self, inputs: Any) -> None:
        if self.built:
            return
        self.build(map_structure(_shape_of, inputs))

    def _symbolic_call(self, inputs: Any, args: Any, kwargs: Any, training: Any) -> Any:
        self._maybe_build(inputs)
        with call_context.training_scope(training):
            inner = self._call_with_training(inputs, args, dict(kwargs), training)
        outputs = map_structure(lambda t: KerasTensor(t.shape, t.dtype), inner)
        call_kwargs = dict(kwargs)
        if training is not None:
            call_kwargs["training"] = training
        Node(self, (inputs,) + tuple(args), call_kwargs, outputs)
        return outputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        inputs = map_structure(lambda s: KerasTensor(s), _shapes(input_shape))
        outputs = self._call_with_training(inputs, (), {}, training=False)
        return map_structure(lambda t: t.shape, outputs)

    # ------------------------------------------------------------ inference

    def _input_specs(self, flat_arrays: list[np.ndarray]) -> list[InputSpec]:
        """(name, shape, dtype) for each flat input, from the data's shapes."""
        return [
            (f"input_{i}", (None,) + tuple(np.shape(a)[1:]), _dtype_kind(a))
            for i, a in enumerate(flat_arrays)
        ]

    def _flatten_data(self, x: Any) -> tuple[Any, list[Any]]:
        """Model inputs as given by the user -> (structure, flat list of arrays)."""
        return x, flatten(x)

    def _trace(
        self,
        input_specs: list[InputSpec],
        structure: Any,
        training: bool,
        predict_step: bool = False,
    ) -> Executor:
        """Lowers the forward pass (or an overridden `predict_step`, given the
        batch as Keras gives it, `(x,)`) to a Rust graph for inputs shaped
        `input_specs`."""
        tracer = Tracer(training=training)
        graph_inputs = [tracer.input(name, shape, dtype) for name, shape, dtype in input_specs]
        packed = pack_like(structure, graph_inputs)
        with call_context.training_scope(training), active_tracer(tracer):
            if predict_step:
                outputs = self.predict_step((packed,))
            else:
                outputs = self._call_with_training(packed, (), {}, training)
        return Executor(tracer, graph_inputs, outputs)

    def _input_dtypes(self, count: int) -> list[Any]:
        """The dtype each flat input is converted to (unless declared: float64
        for a float64 model, as Keras casts inputs to the compute dtype, else
        float32)."""
        dtype = "float64" if self._dtype_policy.compute_dtype == "float64" else "float32"
        return [dtype] * count

    def _executor(
        self, x: Any, training: Any, predict_step: bool = False
    ) -> tuple[Executor, list[np.ndarray]]:
        structure, flat = self._flatten_data(x)
        dtypes = self._input_dtypes(len(flat))
        flat = [convert_input(a, d, self.name) for a, d in zip(flat, dtypes)]
        specs = self._input_specs(flat)
        key: ExecutorKey = (
            bool(training),
            tuple((s, d) for _, s, d in specs),
            _structure_key(structure),
            predict_step,
        )
        executor = self._executors.get(key)
        if executor is None:
            if not self.built:
                self._maybe_build(pack_like(structure, [KerasTensor(s, d) for _, s, d in specs]))
            executor = self._trace(specs, structure, bool(training), predict_step)
            self._executors[key] = executor
        return executor, flat

    def _eager_call(self, inputs: Any, args: Any, kwargs: Any, training: Any) -> Any:
        if recording() is not None or in_stateless_scope():
            # Under a GradientTape: layer by layer, so the tape sees each op; in a
            # StatelessScope, so each variable read sees the scope's value.
            return Layer._eager_call(self, inputs, args, kwargs, training)
        if self.run_eagerly and not self.built:
            # Op by op with Python in between (control flow on values): the
            # sublayers build on this first real call, not in a symbolic pass.
            inputs = self._convert_eager_inputs(inputs)
            outputs = self._call_with_training(inputs, args, kwargs, training)
            self.built = True
            return outputs
        if args or kwargs or self.run_eagerly:
            return super()._eager_call(inputs, args, kwargs, training)
        executor, flat = self._executor(inputs, training)
        outputs = executor.run(flat, training=training)
        # `model.losses` after a call holds that call's added losses, as in Keras.
        self._losses = list(executor.last_losses)
        if not args and not kwargs:
            self._fast_call = fast_call_for(self, inputs, flat, executor, bool(training))
        return outputs

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        fast = self._fast_call
        if fast is not None and len(args) == 1 and not kwargs and type(args[0]) is np.ndarray:
            outputs = fast.run(self, args[0])
            if outputs is not None:
                return outputs
        return super().__call__(*args, **kwargs)

    def _invalidate(self) -> None:
        """Forgets traced graphs (the model's structure changed)."""
        self._executors = {}
        self._fast_call = None


_FUNCTIONAL_SUBCLASSES: dict[type[Model], type[Model]] = {}


def _functional_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether a Model is being made from symbolic inputs and outputs."""
    inputs = args[0] if args else kwargs.get("inputs")
    outputs = args[1] if len(args) > 1 else kwargs.get("outputs")
    if inputs is None or outputs is None:
        return False
    leaves = flatten([inputs, outputs])
    return bool(leaves) and all(isinstance(t, KerasTensor) for t in leaves)


def _functional_subclass(cls: type[Model], functional: type[Model]) -> type[Model]:
    """`cls` mixed with Functional (made once per class), keeping `cls`'s name."""
    made = _FUNCTIONAL_SUBCLASSES.get(cls)
    if made is None:
        made = type(cls.__name__, (cls, functional), {"__module__": cls.__module__})
        made.__qualname__ = cls.__qualname__
        _FUNCTIONAL_SUBCLASSES[cls] = made
    return made


def _dtype_kind(a: np.ndarray) -> str:
    if a.dtype == np.int64:
        return "int64"
    return "float64" if a.dtype == np.float64 else "float32"


def _structure_key(structure: Any) -> Any:
    if isinstance(structure, dict):
        return ("dict", tuple(structure.keys()))
    if isinstance(structure, (list, tuple)):
        return (type(structure).__name__, tuple(_structure_key(s) for s in structure))
    return "leaf"


def _shapes(input_shape: Any) -> Any:
    """Shape tuples (possibly nested in lists/dicts) as KerasTensor-ready tuples."""
    if isinstance(input_shape, (list, tuple)) and all(
        d is None or isinstance(d, int) for d in input_shape
    ):
        return ShapeTuple(tuple(input_shape))
    if isinstance(input_shape, (list, tuple)):
        return [_shapes(s) for s in input_shape]
    if isinstance(input_shape, dict):
        return {k: _shapes(v) for k, v in input_shape.items()}
    raise TypeError(f"Expected a shape tuple or a list/dict of them. Received: {input_shape!r}")
