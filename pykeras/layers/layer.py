"""The Layer base class: Keras's contract.

`__init__` stores the configuration, `build(input_shape)` creates the weights
with `add_weight`, `call(...)` computes with `pykeras.ops`, and
`compute_output_shape` / `get_config` describe it. `__call__` does the rest:
symbolic calls on `KerasTensor`s record a node (Functional models), calls on
`GraphTensor`s lower the layer into a Rust graph, and calls on arrays run it
eagerly.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras import constraints, dtype_policies, initializers, ops, regularizers
from pykeras._convert import to_float32, to_float64
from pykeras.backend import weight_limits
from pykeras.backend.name_scope import current_path, name_scope
from pykeras.backend.naming import to_snake_case, unique_name
from pykeras.backend.variable import Variable
from pykeras.dtype_policies.scope import compute_dtype_scope, product_precision
from pykeras.engine import call_context, symbolic_scope
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.node import Node
from pykeras.engine.remat import get_current_remat_mode
from pykeras.engine.tape import recording
from pykeras.engine.traceback_utils import filter_traceback
from pykeras.engine.tracing import GraphTensor
from pykeras.engine.tree import flatten, map_structure
from pykeras.layers import auto_config, layer_losses, masking_support, own_variables
from pykeras.layers.input_spec import assert_input_compatibility
from pykeras.layers.layer_remat import rematerialized_call
from pykeras.layers.layer_utils import (
    _batch_size,
    _make_outputs,
    _regularizer,
    _shape_struct,
    _unknown_kwarg_error,
)
from pykeras.layers.layer_utils import _shape_leaf as _shape_leaf_of

if TYPE_CHECKING:
    from typing_extensions import Self

    from pykeras.constraints import ConstraintLike
    from pykeras.engine.typing import DTypeLike
    from pykeras.initializers.initializer import InitializerLike
    from pykeras.regularizers import RegularizerLike

# Attributes the engine itself sets; never scanned for sublayers.
_ENGINE_ATTRS = frozenset(
    {
        "_inbound_nodes",
        "_own_weights",
        "_layer_cache",
        "input_spec",
        "_nodes",
        "_inputs_struct",
        "_outputs_struct",
        "_executors",
        "_fast_call",
        "_functional",
        "_seq_layers",
        "_losses",
    }
)


def _shape_of(x: Any) -> Any:
    if isinstance(x, (KerasTensor, GraphTensor)):
        return x.shape
    return tuple(np.shape(x))


# Activations of a 16-bit compute dtype are float32 arrays in pykeras (see
# `DTypePolicy`): their symbolic tensors say so.
_STORED = {"bfloat16": "float32", "float16": "float32"}


class Layer:
    """Base class of every layer.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: the layer's name; by default the snake-case class name made
            unique (`dense`, `dense_1`, ...).
        dtype: the layer's dtype policy (`"float32"`, `"float64"` or
            `"mixed_bfloat16"`); default `keras.config.dtype_policy()`.
        input_shape: (first layer of a Sequential) the shape of one sample.
        input_dim: (Keras 2 style) the same, for 1-D samples.
        batch_size: the fixed batch size of that input, if any.
    """

    # The constructor arguments `__new__` captured (subclasses without a
    # get_config of their own; see layers/auto_config.py).
    _auto_config: dict[str, Any] | None

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        instance = super().__new__(cls)
        # Keras 3 saves the plain constructor arguments of a subclass that has
        # no get_config of its own (layers/auto_config.py).
        if cls.get_config is Layer.get_config:
            instance._auto_config = auto_config.capture(cls, args, kwargs)
        return instance

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "_opens_name_scope", False):
            cls.build = _build_in_scope(build)  # type: ignore[method-assign]

    # Where this layer's name scope is rooted: the path open when it was
    # first built or called (None until then).
    _parent_path: str | None = None
    # Subclasses that skip `Layer.__init__` still have the (one) float32 policy.
    _dtype_policy = dtype_policies.DTypePolicy("float32")

    def __init__(
        self,
        *,
        trainable: bool = True,
        name: str | None = None,
        dtype: DTypeLike = None,
        activity_regularizer: RegularizerLike = None,
        autocast: bool = True,
        **kwargs: Any,
    ) -> None:
        input_shape = kwargs.pop("input_shape", None)
        input_dim = kwargs.pop("input_dim", None)
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        batch_size = kwargs.pop("batch_size", None)
        for key in kwargs:
            raise _unknown_kwarg_error(type(self), key)
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Layer names must be strings. Received: name={name!r}")
        # A policy pykeras cannot compute in (mixed, 16-bit, float64) raises here,
        # naming the layer; Keras files saved under one load through
        # saving.keras_compat, which maps their float policies to float32.
        try:
            self._dtype_policy = dtype_policies.get(dtype)
        except (TypeError, ValueError) as e:
            raise type(e)(f"Layer '{name or type(self).__name__}': {e}") from None
        self._inbound_nodes: list[Node] = []
        self._own_weights: list[Variable] = []
        # An `InputSpec`, a list of them (None entries: unchecked), or None.
        self.input_spec: Any = None
        self._name = name or unique_name(to_snake_case(type(self).__name__))
        self.trainable = trainable
        # Keras's `layer.dtype`: the variable dtype of its policy.
        self.dtype = self._dtype_policy.variable_dtype
        self.activity_regularizer = _regularizer(activity_regularizer)
        self._losses: list[Any] = []
        # The RematScope this layer was created in (applied when it is called).
        self._remat_mode = get_current_remat_mode()
        self.built = False
        self._build_shapes_dict = None
        self._batch_input_shape = None
        if batch_input_shape is not None:
            self._batch_input_shape = tuple(batch_input_shape)
        elif input_shape is not None:
            shape = (input_shape,) if isinstance(input_shape, int) else tuple(input_shape)
            self._batch_input_shape = (batch_size,) + shape
        elif input_dim is not None:
            self._batch_input_shape = (batch_size, int(input_dim))

    @property
    def dtype_policy(self) -> dtype_policies.DTypePolicy:
        """The layer's `DTypePolicy` (`<DTypePolicy "float32">`)."""
        return self._dtype_policy

    @property
    def compute_dtype(self) -> str:
        """The dtype the layer computes in (`"float32"`)."""
        return self._dtype_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype of the layer's variables (`"float32"`)."""
        return self._dtype_policy.variable_dtype

    @property
    def name(self) -> str:
        """The layer's name (Keras code sometimes sets `_name` directly; that works too)."""
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        self._name = value

    # ----------------------------------------------------------- weights

    def add_weight(
        self,
        shape: Sequence[int] | None = None,
        initializer: InitializerLike = "glorot_uniform",
        dtype: DTypeLike = None,
        trainable: bool = True,
        regularizer: RegularizerLike = None,
        constraint: ConstraintLike = None,
        name: str | None = None,
    ) -> Variable:
        """Creates a weight of this layer.

        Args:
            shape: the weight's shape (a tuple of ints).
            initializer: an initializer name, object or callable.
            dtype: `"float64"` for a float64 weight; None takes the layer's
                variable dtype (float64 under `set_floatx("float64")`);
                other dtypes give float32 weights.
            trainable: whether training updates it.
            regularizer: an optional regularizer (name or object).
            constraint: an optional constraint (name or object).
            name: the weight's short name (`kernel`, `bias`, ...).

        Returns:
            The new `Variable`.
        """
        shape = tuple(int(d) for d in (shape or ()))
        name = name or f"variable_{len(self._own_weights)}"
        # While a file is loaded its config sets these sizes: check before allocating.
        weight_limits.charge(shape, f"{self.name}/{name}")
        init = initializers.get(initializer)
        # A policy gives its variable dtype, as Keras's `add_weight` takes it.
        dtype = getattr(dtype, "variable_dtype", dtype)
        dtype = self._dtype_policy.variable_dtype if dtype is None else Variable._dtype_of(dtype)
        value = init(shape, dtype=dtype) if callable(init) else init
        with name_scope(_scope_name(self.name), caller=self):
            variable = Variable(
                value,
                dtype=dtype,
                name=name,
                trainable=trainable,
                regularizer=regularizers.get(regularizer),
                constraint=constraints.get(constraint),
            )
        self._own_weights.append(variable)
        return variable

    def add_variable(
        self,
        shape: Sequence[int],
        initializer: InitializerLike,
        dtype: DTypeLike = None,
        trainable: bool = True,
        autocast: bool = True,
        regularizer: RegularizerLike = None,
        constraint: ConstraintLike = None,
        name: str | None = None,
    ) -> Variable:
        """Creates a variable of this layer (Keras's spelling of `add_weight`).

        Args:
            shape: the variable's shape.
            initializer: an initializer name, object or callable.
            dtype: as `add_weight`'s.
            trainable: whether training updates it.
            autocast: accepted for Keras compatibility.
            regularizer: an optional regularizer.
            constraint: an optional constraint.
            name: the variable's short name.

        Returns:
            The new `Variable`.
        """
        return self.add_weight(
            shape=shape,
            initializer=initializer,
            dtype=dtype,
            trainable=trainable,
            regularizer=regularizer,
            constraint=constraint,
            name=name,
        )

    # ------------------------------------------------------------ losses

    def add_loss(self, loss: Any) -> None:
        """Adds a loss (a scalar tensor) that training minimizes with the compiled loss.

        Call it in `call()`: eagerly the value is kept in `layer.losses`
        until the next call; inside a traced training step it is added to
        that step's loss; in a symbolic (Functional) call it is ignored, as
        in Keras, since the model's real calls add it again.

        Args:
            loss: a scalar tensor or number (or a list of them).
        """
        layer_losses.add_losses(self, loss)

    @property
    def losses(self) -> list[Any]:
        """The losses added by the last call (`add_loss`, activity
        regularizers), then the weight regularizers' penalties, of this layer
        and its sublayers."""
        return layer_losses.collected_losses(self)

    def _clear_losses(self) -> None:
        layer_losses.clear_losses(self)

    @property
    def trainable(self) -> bool:
        """Whether training updates this layer's weights (and its sublayers')."""
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        # As in Keras, freezing a model freezes every layer inside it, so the
        # sublayers report (and summary shows) the frozen state too.
        # The first assignment comes from __init__, before any sublayer exists.
        propagate = "_trainable" in self.__dict__
        self._trainable = bool(value)
        for layer in self._sublayers() if propagate else []:
            layer.trainable = value

    def _sublayers(self) -> list[Layer]:
        """Layers held as attributes (also inside lists, tuples and dicts), in order."""
        found = []
        for key, value in self.__dict__.items():
            if key in _ENGINE_ATTRS:
                continue
            for leaf in flatten(value) if isinstance(value, (list, tuple, dict)) else [value]:
                if isinstance(leaf, Layer) and leaf is not self and leaf not in found:
                    found.append(leaf)
        return found

    def _all_weights(self) -> list[Variable]:
        own_trainable = [w for w in self._own_weights if w.trainable]
        own_frozen = [w for w in self._own_weights if not w.trainable]
        weights = own_trainable + own_frozen
        for layer in self._sublayers():
            for w in layer.weights:
                if not any(w is v for v in weights):
                    weights.append(w)
        return weights

    @property
    def weights(self) -> list[Variable]:
        """Every weight: this layer's (trainable first), then its sublayers'."""
        return self._all_weights()

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return []
        own = [w for w in self._own_weights if w.trainable]
        for layer in self._sublayers():
            own += [w for w in layer.trainable_weights if not any(w is v for v in own)]
        return own

    @property
    def non_trainable_weights(self) -> list[Variable]:
        trainable = self.trainable_weights
        return [w for w in self.weights if not any(w is v for v in trainable)]

    @property
    def variables(self) -> list[Variable]:
        return self.weights

    @property
    def trainable_variables(self) -> list[Variable]:
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list[Variable]:
        return self.non_trainable_weights

    def get_weights(self) -> list[np.ndarray]:
        """The weights' values, as a list of numpy arrays."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Sets the weights from a list of arrays shaped as `get_weights()` returns."""
        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise ValueError(
                f"Layer '{self.name}' expected {len(own)} weights, but received "
                f"{len(weights)} weights. Expected shapes: {[w.shape for w in own]}"
            )
        for variable, value in zip(own, weights):
            shape = tuple(np.shape(value))
            if shape != variable.shape:
                raise ValueError(
                    f"Layer '{self.name}' weight shape {variable.shape} is not compatible with "
                    f"provided weight shape {shape} (weight '{variable.path}')."
                )
        for variable, value in zip(own, weights):
            variable.assign(value)

    def count_params(self) -> int:
        """The number of scalars in the layer's weights."""
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer isn't "
                "built. You can build it manually via: `layer.build(input_shape)`."
            )
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    # ------------------------------------------------------------ contract

    def build(self, input_shape: Any) -> None:
        """Creates the layer's weights for inputs of `input_shape`."""
        self.built = True

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """The layer's computation; override it."""
        return inputs

    @property
    def supports_masking(self) -> bool:
        """Whether the layer attaches `compute_mask`'s mask to its outputs (by
        default: whether it overrides `compute_mask`), as in Keras."""
        value = self.__dict__.get("_supports_masking")
        if value is None:
            return type(self).compute_mask is not Layer.compute_mask
        return value

    @supports_masking.setter
    def supports_masking(self, value: bool) -> None:
        self.__dict__["_supports_masking"] = bool(value)

    def compute_mask(self, inputs: Any, previous_mask: Any) -> Any:
        """The mask of the outputs for `inputs` and their mask: by default the
        input's mask, unchanged (see `supports_masking`)."""
        return previous_mask

    # Lets a call with no mask skip mask handling unless a subclass computes one.
    compute_mask.is_default = True  # type: ignore[attr-defined]  # a marker on the function

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shape for `input_shape`; by default found by calling
        `call` on symbolic tensors, each op stating its output by its rule in
        the core (nothing runs)."""
        inputs = map_structure(lambda s: KerasTensor(tuple(s)), _shape_struct(input_shape))
        return map_structure(lambda t: t.shape, self._spec_from_call(inputs, (), {}))

    def compute_output_spec(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """The outputs as `KerasTensor`s (shape and dtype) for symbolic `inputs`.

        A layer that overrides `compute_output_shape` is taken at its word
        (outputs in the layer's compute dtype, as Keras's, except that 16-bit
        floats are stored as float32 here); otherwise `call` runs on the symbolic
        tensors in shape-only mode.
        """
        if type(self).compute_output_shape is not Layer.compute_output_shape:
            out_shapes = self.compute_output_shape(map_structure(_shape_of, inputs))
            return _make_outputs(out_shapes, _STORED.get(self.compute_dtype, self.compute_dtype))
        return self._spec_from_call(inputs, args, kwargs)

    def _spec_from_call(self, inputs: Any, args: Any, kwargs: Any) -> Any:
        """`call` on symbolic tensors in shape-only mode."""
        with symbolic_scope.shapes_only(), call_context.training_scope(False):
            kwargs = dict(kwargs)
            if self._call_accepts("training"):
                kwargs.setdefault("training", False)
            return self.call(inputs, *args, **kwargs)

    def get_config(self) -> dict[str, Any]:
        """The layer's constructor arguments, as a JSON-serializable dict."""
        config: dict[str, Any] = {"name": self.name, "trainable": self.trainable}
        # A mixed policy is written as Keras writes every policy (a DTypePolicy dict).
        mixed = self._dtype_policy.name != self.dtype
        config["dtype"] = dtype_policies.serialize(self._dtype_policy) if mixed else self.dtype
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        if type(self).get_config is Layer.get_config:
            auto_config.merge(self, config)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        """Creates a layer from its `get_config()` dict."""
        return cls(**config)

    # ------------------------------------------------------------- saving hooks

    def save_own_variables(self, store: Any) -> None:
        """Writes the layer's own variables (trainable first) into `store` as
        `store["0"]`, `store["1"]`, ...; called by `model.save()` and `save_weights`.

        Override it (with `load_own_variables`) to save other state, as in Keras.

        Args:
            store: the dict-like store of this layer in the weights file.
        """
        own_variables.save(self, store)

    def load_own_variables(self, store: Any) -> None:
        """Assigns the variables `save_own_variables` wrote; called on loading.

        Args:
            store: the dict-like store of this layer in the weights file.

        Raises:
            ValueError: the store holds another number of variables.
        """
        own_variables.load(self, store)

    # ------------------------------------------------------------- calling

    def _check_input_spec(self, inputs: Any) -> None:
        assert_input_compatibility(self.input_spec, inputs, self.name)

    def _open_name_scope(self) -> name_scope:
        """This layer's name scope, rooted where it was first opened (so a
        layer's weights keep one path wherever it is called later)."""
        if self._parent_path is None:
            self._parent_path = current_path()
        return name_scope(_scope_name(self.name), caller=self)

    def _maybe_build(self, inputs: Any) -> None:
        if self.built:
            return
        shapes = map_structure(_shape_of, inputs)
        with self._open_name_scope():
            self.build(shapes)
        self.built = True
        self._build_shapes_dict = shapes

    def _call_accepts(self, name: str) -> bool:
        try:
            params = inspect.signature(self.call).parameters
        except (TypeError, ValueError):
            return False
        return name in params or any(p.kind == p.VAR_KEYWORD for p in params.values())

    def _call_with_training(
        self, inputs: Any, args: Any, kwargs: Any, training: bool | None
    ) -> Any:
        if self._call_accepts("training") and "training" not in kwargs:
            kwargs = dict(kwargs, training=training)
        call = rematerialized_call(self, self.call, getattr(self, "_remat_mode", None))
        with call_context.training_scope(training):
            return call(inputs, *args, **kwargs)

    @filter_traceback
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not args:
            if "inputs" not in kwargs:
                raise ValueError(
                    f"Layer '{self.name}' was called without inputs. Call it on a tensor, "
                    "e.g. `layer(x)`."
                )
            args = (kwargs.pop("inputs"),)
        inputs, rest = args[0], args[1:]
        training = kwargs.pop("training", None)
        if training is None:
            training = call_context.current_training()
        # One array and nothing else (the usual eager call) needs no flattening.
        plain = type(inputs) is np.ndarray and not rest and not kwargs
        leaves = (inputs,) if plain else flatten((inputs, rest, kwargs))
        symbolic = any(isinstance(x, KerasTensor) for x in leaves)
        compute_dtype = self._dtype_policy.compute_dtype
        if compute_dtype == "bfloat16" or product_precision() != "float32":
            # The products in this call take the layer's precision (mixed_bfloat16).
            with self._open_name_scope(), compute_dtype_scope(compute_dtype):
                return self._call_in_scope(inputs, rest, kwargs, training, leaves, symbolic)
        with self._open_name_scope():
            return self._call_in_scope(inputs, rest, kwargs, training, leaves, symbolic)

    def _call_in_scope(
        self,
        inputs: Any,
        rest: tuple[Any, ...],
        kwargs: dict[str, Any],
        training: Any,
        leaves: Any,
        symbolic: bool,
    ) -> Any:
        """`__call__` inside this layer's name scope (weights a sublayer
        creates here get paths under this layer's)."""
        kwargs, previous_mask = masking_support.mask_arguments(self, inputs, kwargs, symbolic)
        if symbolic:
            outputs = self._symbolic_call(inputs, rest, kwargs, training)
            return masking_support.attach_masks(self, inputs, outputs, previous_mask)
        with call_context.outer_call() as outermost:
            if outermost:
                # Losses are those of the latest call, as in Keras.
                self._clear_losses()
            if any(isinstance(x, GraphTensor) for x in leaves):
                outputs = self._graph_call(inputs, rest, kwargs, bool(training))
            else:
                outputs = self._eager_call(inputs, rest, kwargs, bool(training))
            self._add_activity_loss(outputs)
        return masking_support.attach_masks(self, inputs, outputs, previous_mask)

    def _add_activity_loss(self, outputs: Any) -> None:
        if self.activity_regularizer is None:
            return
        for out in flatten(outputs):
            if out is None or isinstance(out, str):
                continue
            penalty = self.activity_regularizer(out)
            shape = _shape_of(out)
            if shape:
                # Keras 3 divides by the batch size, so the strength does not
                # depend on it.
                penalty = ops.divide(penalty, _batch_size(out, shape))
            self.add_loss(penalty)

    def _graph_call(self, inputs: Any, args: Any, kwargs: Any, training: bool | None) -> Any:
        self._check_input_spec(inputs)
        self._maybe_build(inputs)
        outputs = self._call_with_training(inputs, args, kwargs, training)
        # Ops inside `call` do not all know their output shapes; the layer does,
        # so later layers (Flatten, Reshape) see static shapes.
        in_shapes = map_structure(lambda x: _shape_leaf_of(x, _shape_of), inputs)
        if all(s is not None for s in flatten(in_shapes)):
            out_tensors = flatten(outputs)
            if any(isinstance(t, GraphTensor) and t.shape is None for t in out_tensors):
                shapes = flatten(_shape_struct(self.compute_output_shape(in_shapes)))
                for t, shape in zip(out_tensors, shapes):
                    if isinstance(t, GraphTensor) and t.shape is None:
                        t.shape = tuple(shape)
        return outputs

    def _convert_eager_inputs(self, inputs: Any) -> Any:
        tape = recording()
        # A float64 layer takes its inputs as float64 (Keras casts floating
        # inputs to the compute dtype); the others as float32, as before.
        cast = to_float64 if self._dtype_policy.compute_dtype == "float64" else to_float32

        def convert(x: Any) -> Any:
            if isinstance(x, (Variable, str)) or x is None:
                return x
            if tape is not None and tape.watches(x):
                return x
            return cast(x, f"the input of layer '{self.name}'")

        return map_structure(convert, inputs)

    def _eager_call(self, inputs: Any, args: Any, kwargs: Any, training: bool | None) -> Any:
        # Checked before conversion to float32, so integer inputs keep their dtype.
        self._check_input_spec(inputs)
        inputs = self._convert_eager_inputs(inputs)
        self._maybe_build(inputs)
        return self._call_with_training(inputs, args, kwargs, training)

    def _symbolic_call(self, inputs: Any, args: Any, kwargs: Any, training: bool | None) -> Any:
        self._check_input_spec(inputs)
        self._maybe_build(inputs)
        # Fresh tensors: those computed in shape-only mode carry no history.
        outputs = map_structure(
            lambda t: KerasTensor(t.shape, t.dtype),
            self.compute_output_spec(inputs, *args, **kwargs),
        )
        call_kwargs = masking_support.node_kwargs(dict(kwargs))
        if training is not None:
            call_kwargs["training"] = training
        Node(self, (inputs,) + tuple(args), call_kwargs, outputs)
        return outputs

    # ------------------------------------------------------ functional API

    def _first_node(self, what: str) -> Node:
        if not self._inbound_nodes:
            raise AttributeError(
                f"Layer '{self.name}' has never been called and thus has no defined {what}."
            )
        return self._inbound_nodes[0]

    @property
    def input(self) -> Any:
        """The input tensor(s) of the layer's first call."""
        node = self._first_node("input")
        tensors = node.input_tensors
        return tensors[0] if len(tensors) == 1 else tensors

    @property
    def output(self) -> Any:
        """The output tensor(s) of the layer's first call."""
        node = self._first_node("output")
        return node.outputs

    @property
    def input_shape(self) -> Any:
        inp = self.input
        return [t.shape for t in inp] if isinstance(inp, list) else inp.shape

    @property
    def output_shape(self) -> Any:
        out = self.output
        return [t.shape for t in out] if isinstance(out, (list, tuple)) else out.shape

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _scope_name(name: str) -> str:
    """A layer name as a name scope: Keras refuses `/` in names; pykeras
    accepts such names (older files have them) and writes `>` instead."""
    return name.replace("/", ">")


def _build_in_scope(build: Callable[..., Any]) -> Callable[..., Any]:
    """`build` run inside the layer's name scope, as Keras wraps every
    layer's `build`: a sublayer built from it (`self.dense.build(shape)`)
    gets its weights under this layer's path."""

    @functools.wraps(build)
    def build_wrapper(self: Layer, *args: Any, **kwargs: Any) -> Any:
        with self._open_name_scope():
            return build(self, *args, **kwargs)

    build_wrapper._opens_name_scope = True  # type: ignore[attr-defined]
    return build_wrapper
