"""Model: a layer with the model verbs (predict, summary, ...).

`Model(inputs, outputs)` makes a Functional model; `class M(Model)` with a
`call()` makes a subclassed one. Either way, running it on arrays lowers the
whole forward pass once into a Rust graph (per training mode and input
signature) and then runs that graph: no Python per layer.
"""

import numpy as np

from pykeras.engine import call_context
from pykeras.engine.executor import Executor
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.node import Node
from pykeras.engine.tape import recording
from pykeras.engine.tracing import Tracer, active_tracer
from pykeras.engine.tree import ShapeTuple, flatten, map_structure, pack_like
from pykeras.layers.layer import Layer, _make_outputs, _shape_of
from pykeras.saving.model_saving import ModelSaving
from pykeras.trainers.arguments import is_batch_source, iterate_batches
from pykeras.trainers.data import convert_input
from pykeras.trainers.trainer import Trainer
from pykeras.utils.summary import print_summary

# `Functional`, which `Model(inputs, outputs)` builds: it subclasses `Model`,
# so `pykeras.models.functional` sets it when imported (pykeras.models
# imports both).
_FUNCTIONAL = None


def set_functional_class(functional):
    """Called once by `pykeras.models.functional` with `Functional`."""
    global _FUNCTIONAL
    _FUNCTIONAL = functional


class Model(Trainer, ModelSaving, Layer):
    """A model groups layers into an object with training and inference features.

    Functional: `Model(inputs, outputs, name=None)`.
    Subclassing: create layers in `__init__` and define `call(inputs, training=None)`.

    Example:

    >>> inputs = Input(shape=(3,))
    >>> outputs = Dense(2)(inputs)
    >>> model = Model(inputs, outputs)
    >>> model.predict(np.ones((4, 3)), verbose=0).shape
    (4, 2)
    """

    def __new__(cls, *args, **kwargs):
        if _functional_arguments(args, kwargs):
            if cls is Model:
                return object.__new__(_FUNCTIONAL)
            if not issubclass(cls, _FUNCTIONAL):
                # `class CustomModel(keras.Model)` built as `CustomModel(inputs,
                # outputs)`, as the Keras guides do: a Functional model with
                # the subclass's methods (train_step, ...) first.
                return object.__new__(_functional_subclass(cls, _FUNCTIONAL))
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
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
        self._executors = {}
        self.run_eagerly = False

    # ------------------------------------------------------------ structure

    @property
    def layers(self):
        """The model's layers, in order."""
        return self._sublayers()

    def get_layer(self, name=None, index=None):
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

    def summary(
        self,
        line_length=None,
        positions=None,
        print_fn=None,
        expand_nested=False,
        show_trainable=False,
        layer_range=None,
    ):
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

    def build(self, input_shape):
        """Creates the weights of a subclassed model for inputs of `input_shape`."""
        if self.built:
            return
        inputs = map_structure(lambda s: KerasTensor(s), _shapes(input_shape))
        with call_context.training_scope(False):
            self._call_with_training(inputs, (), {}, training=False)
        self.built = True
        self._build_shapes_dict = input_shape

    def _maybe_build(self, inputs):
        if self.built:
            return
        self.build(map_structure(_shape_of, inputs))

    def _symbolic_call(self, inputs, args, kwargs, training):
        self._maybe_build(inputs)
        with call_context.training_scope(training):
            inner = self._call_with_training(inputs, args, dict(kwargs), training)
        outputs = _make_outputs(map_structure(lambda t: t.shape, inner))
        call_kwargs = dict(kwargs)
        if training is not None:
            call_kwargs["training"] = training
        Node(self, (inputs,) + tuple(args), call_kwargs, outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        inputs = map_structure(lambda s: KerasTensor(s), _shapes(input_shape))
        outputs = self._call_with_training(inputs, (), {}, training=False)
        return map_structure(lambda t: t.shape, outputs)

    # ------------------------------------------------------------ inference

    def _input_specs(self, flat_arrays):
        """(name, shape, dtype) for each flat input, from the data's shapes."""
        return [
            (f"input_{i}", (None,) + tuple(np.shape(a)[1:]), _dtype_kind(a))
            for i, a in enumerate(flat_arrays)
        ]

    def _flatten_data(self, x):
        """Model inputs as given by the user -> (structure, flat list of arrays)."""
        return x, flatten(x)

    def _trace(self, input_specs, structure, training):
        """Lowers the forward pass to a Rust graph for inputs shaped `input_specs`."""
        tracer = Tracer(training=training)
        graph_inputs = [tracer.input(name, shape, dtype) for name, shape, dtype in input_specs]
        packed = pack_like(structure, graph_inputs)
        with call_context.training_scope(training), active_tracer(tracer):
            outputs = self._call_with_training(packed, (), {}, training)
        return Executor(tracer, graph_inputs, outputs)

    def _input_dtypes(self, count):
        """The dtype each flat input is converted to (float32 unless declared)."""
        return ["float32"] * count

    def _executor(self, x, training):
        structure, flat = self._flatten_data(x)
        dtypes = self._input_dtypes(len(flat))
        flat = [convert_input(a, d, self.name) for a, d in zip(flat, dtypes)]
        specs = self._input_specs(flat)
        key = (bool(training), tuple((s, d) for _, s, d in specs), _structure_key(structure))
        executor = self._executors.get(key)
        if executor is None:
            if not self.built:
                self._maybe_build(pack_like(structure, [KerasTensor(s, d) for _, s, d in specs]))
            executor = self._trace(specs, structure, bool(training))
            self._executors[key] = executor
        return executor, flat

    def _eager_call(self, inputs, args, kwargs, training):
        if recording() is not None:
            # Under a GradientTape: layer by layer, so the tape sees each op.
            return Layer._eager_call(self, inputs, args, kwargs, training)
        if getattr(self, "run_eagerly", False) and not self.built:
            # Op by op with Python in between (control flow on values): the
            # sublayers build on this first real call, not in a symbolic pass.
            inputs = self._convert_eager_inputs(inputs)
            outputs = self._call_with_training(inputs, args, kwargs, training)
            self.built = True
            return outputs
        if args or kwargs or getattr(self, "run_eagerly", False):
            return super()._eager_call(inputs, args, kwargs, training)
        executor, flat = self._executor(inputs, training)
        outputs = executor.run(flat, training=training)
        # `model.losses` after a call holds that call's added losses, as in Keras.
        self._losses = list(executor.last_losses)
        return outputs

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
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
        if is_batch_source(x):
            outputs = [self.predict_on_batch(bx) for bx, _, _ in iterate_batches(x, steps)]
            if not outputs:
                raise ValueError("predict() received a generator that yielded no batches.")
            columns = zip(*(flatten(o) for o in outputs))
            return pack_like(outputs[0], [np.concatenate(c, axis=0) for c in columns])
        if getattr(self, "run_eagerly", False):
            return self._predict_eagerly(x, batch_size or 32)
        executor, flat = self._executor(x, training=False)
        return executor.run_batched(flat, batch_size or 32)

    def _predict_eagerly(self, x, batch_size):
        structure, flat = self._flatten_data(x)
        n = len(flat[0])
        outputs = [self(pack_like(structure, [a[i : i + batch_size] for a in flat]))
                   for i in range(0, n, batch_size)]  # fmt: skip
        columns = zip(*(flatten(o) for o in outputs))
        return pack_like(outputs[0], [np.concatenate(c, axis=0) for c in columns])

    def predict_on_batch(self, x):
        """Runs the model on one batch and returns numpy arrays."""
        executor, flat = self._executor(x, training=False)
        return executor.run(flat, training=False)

    def _invalidate(self):
        """Forgets traced graphs (the model's structure changed)."""
        self._executors = {}


_FUNCTIONAL_SUBCLASSES = {}


def _functional_arguments(args, kwargs):
    """Whether a Model is being made from symbolic inputs and outputs."""
    inputs = args[0] if args else kwargs.get("inputs")
    outputs = args[1] if len(args) > 1 else kwargs.get("outputs")
    if inputs is None or outputs is None:
        return False
    leaves = flatten([inputs, outputs])
    return bool(leaves) and all(isinstance(t, KerasTensor) for t in leaves)


def _functional_subclass(cls, functional):
    """`cls` mixed with Functional (made once per class), keeping `cls`'s name."""
    made = _FUNCTIONAL_SUBCLASSES.get(cls)
    if made is None:
        made = type(cls.__name__, (cls, functional), {"__module__": cls.__module__})
        made.__qualname__ = cls.__qualname__
        _FUNCTIONAL_SUBCLASSES[cls] = made
    return made


def _dtype_kind(a):
    return "int64" if a.dtype == np.int64 else "float32"


def _structure_key(structure):
    if isinstance(structure, dict):
        return ("dict", tuple(structure.keys()))
    if isinstance(structure, (list, tuple)):
        return (type(structure).__name__, tuple(_structure_key(s) for s in structure))
    return "leaf"


def _shapes(input_shape):
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
