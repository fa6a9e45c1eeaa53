"""`clone_model`: a copy of a model's architecture with fresh layers (and weights).

As in Keras 3: a Sequential model is rebuilt from clones of its layers; a
Functional model by replaying its graph of layer calls on new inputs with
cloned layers (shared layers stay shared); any other model (subclassed, or a
Functional subclass with its own `get_config`) through its config.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.tree import flatten, map_structure, pack_like
from pykeras.layers.input_layer import Input, InputLayer
from pykeras.layers.layer import Layer
from pykeras.models.functional import Functional
from pykeras.models.model import Model
from pykeras.models.sequential import Sequential
from pykeras.saving.serialization_lib import deserialize_keras_object, serialize_keras_object

CloneFunction = Callable[[Layer], Layer]
CallFunction = Callable[..., Any]


def clone_model(
    model: Model,
    input_tensors: Any = None,
    clone_function: CloneFunction | None = None,
    call_function: CallFunction | None = None,
    recursive: bool = False,
    **kwargs: Any,
) -> Model:
    """Clones a Functional or Sequential model: same architecture, new layers and weights.

    Cloning is like calling the model on new inputs, except that every layer is
    replaced by a copy (built from its config, so with freshly initialized
    weights) instead of being reused. A compiled model's clone is compiled
    with the same settings (and a new optimizer).

    Args:
        model: the model to clone.
        input_tensors: optional symbolic tensors (from `keras.Input`) to build
            the clone on, in the structure of `model.input`. By default new
            `Input`s of the same shapes, dtypes and names are made.
        clone_function: `fn(layer) -> layer` called on every layer except
            `InputLayer`s. Defaults to
            `lambda layer: layer.__class__.from_config(layer.get_config())`;
            return `layer` itself to share it with the original model.
        call_function: (Functional models only) `fn(layer, *args, **kwargs)`
            called instead of `layer(*args, **kwargs)` for each layer call of
            the graph, e.g. to insert layers after some of them.
        recursive: clone Sequential and Functional models nested in `model`
            with `clone_model` (the same arguments) rather than `clone_function`.

    Returns:
        The new model, of the same class for Sequential and Functional models.

    Raises:
        ValueError: `clone_function` / `input_tensors` / `call_function` given
            for a model whose structure is not known (a subclassed model), or
            `input_tensors` that do not match the model's inputs.

    Example:

    >>> model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(2)])
    >>> new_model = keras.models.clone_model(model)
    >>> def clone_function(layer):
    ...     config = layer.get_config()
    ...     if "seed" in config:
    ...         config["seed"] = 1337
    ...     return layer.__class__.from_config(config)
    >>> seeded = keras.models.clone_model(model, clone_function=clone_function)
    """
    cache = kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(
            f"clone_model() got unexpected keyword argument(s): {sorted(kwargs)}. Received: "
            f"{kwargs}"
        )
    if clone_function is not None and not callable(clone_function):
        raise ValueError(
            "Expected `clone_function` to be a callable. Received: "
            f"clone_function={clone_function!r}"
        )
    if call_function is not None and not callable(call_function):
        raise ValueError(
            f"Expected `call_function` to be a callable. Received: call_function={call_function!r}"
        )
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError(
                "`call_function` is not supported with Sequential models: their layers are "
                "listed, not called, when the model is made. Use it with Functional models. "
                f"Received a model of type '{type(model).__name__}', with "
                f"call_function={call_function!r}"
            )
        wrapped = _wrap_clone_function(clone_function, None, recursive, cache)
        return _clone_sequential(model, wrapped, input_tensors)
    if isinstance(model, Functional) and (
        _has_default_config(model) or clone_function is not None or input_tensors is not None
    ):
        wrapped = _wrap_clone_function(clone_function, call_function, recursive, cache)
        return _clone_functional(model, wrapped, input_tensors, call_function)
    if clone_function is not None or input_tensors is not None:
        raise ValueError(
            "Arguments `clone_function` and `input_tensors` are only supported for Sequential "
            f"and Functional models. Received a model of type '{type(model).__name__}', with "
            f"clone_function={clone_function!r} and input_tensors={input_tensors!r}"
        )
    if call_function is not None:
        raise ValueError(
            "Argument `call_function` is only supported for Functional models. Received a "
            f"model of type '{type(model).__name__}', with call_function={call_function!r}"
        )
    # A subclassed model: its config is all that says how to make another one.
    config = serialize_keras_object(model)
    return deserialize_keras_object(config, custom_objects={type(model).__name__: type(model)})


def _has_default_config(model: Model) -> bool:
    """Whether `model`'s class keeps Functional's own `get_config` (so its config
    is its graph, and the graph can be replayed)."""
    return type(model).get_config is Functional.get_config


def _default_clone(layer: Layer) -> Layer:
    return layer.__class__.from_config(layer.get_config())


def _wrap_clone_function(
    clone_function: CloneFunction | None,
    call_function: CallFunction | None,
    recursive: bool,
    cache: dict[int, Layer] | None,
) -> CloneFunction:
    """`clone_function` with a cache (a layer used twice is cloned once and stays
    shared) and, when `recursive`, nested models cloned by `clone_model`."""
    base = clone_function if clone_function is not None else _default_clone
    cache = {} if cache is None else cache

    def wrapped(layer: Layer) -> Layer:
        if id(layer) in cache:
            return cache[id(layer)]
        clone: Layer
        if recursive and isinstance(layer, Sequential):
            clone = clone_model(layer, clone_function=base, recursive=True, cache=cache)
        elif recursive and isinstance(layer, Functional):
            clone = clone_model(
                layer,
                clone_function=base,
                call_function=call_function,
                recursive=True,
                cache=cache,
            )
        else:
            clone = base(layer)
            if not isinstance(clone, Layer):
                raise ValueError(
                    f"`clone_function` must return a layer. For layer '{layer.name}' it "
                    f"returned: {clone!r}"
                )
        cache[id(layer)] = clone
        return clone

    return wrapped


def _compile_like(original: Model, clone: Model) -> None:
    if getattr(original, "compiled", False):
        clone.compile_from_config(original.get_compile_config())


def _clone_sequential(
    model: Sequential, clone_function: CloneFunction, input_tensors: Any
) -> Sequential:
    new_layers = [clone_function(layer) for layer in model.layers]
    first = model._seq_layers[0] if model._seq_layers else None
    reference = first if isinstance(first, InputLayer) else None
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError(
                    "Argument `input_tensors` of a Sequential model must hold a single tensor. "
                    f"Received {len(input_tensors)} tensors."
                )
            input_tensors = input_tensors[0]
        if not isinstance(input_tensors, KerasTensor):
            raise ValueError(
                "Argument `input_tensors` must be a KerasTensor (from `keras.Input`). Received "
                f"invalid value: input_tensors={input_tensors!r}"
            )
        new_layers = [_input_layer_for(input_tensors, reference)] + new_layers
    elif reference is not None:
        new_layers = [
            InputLayer(
                batch_shape=reference.batch_shape,
                dtype=reference.input_dtype,
                name=reference.name,
            )
        ] + new_layers
    clone = Sequential(new_layers, name=model.name, trainable=model.trainable)
    _compile_like(model, clone)
    return clone


def _input_layer_for(tensor: KerasTensor, reference: InputLayer | None) -> InputLayer:
    """The InputLayer a Sequential clone starts from for `tensor`: the one that made
    it, or, for a tensor computed by other layers, a new one of its shape and dtype
    (the clone then takes that tensor's values as its input)."""
    history = tensor._keras_history
    if history is not None and isinstance(history[0], InputLayer):
        return history[0]
    return InputLayer(
        batch_shape=tuple(tensor.shape),
        dtype=tensor.dtype,
        name=None if reference is None else reference.name,
    )


def _clone_functional(
    model: Functional,
    clone_function: CloneFunction,
    input_tensors: Any,
    call_function: CallFunction | None,
) -> Model:
    new_inputs = _functional_inputs(model, input_tensors)
    values = {id(t): v for t, v in zip(model._flat_inputs, flatten(new_inputs))}

    def lookup(x: Any) -> Any:
        return values.get(id(x), x) if isinstance(x, KerasTensor) else x

    for node in model._nodes:
        if isinstance(node.layer, InputLayer) and not node.input_tensors:
            continue
        missing = [t for t in node.input_tensors if id(t) not in values]
        if missing:
            raise ValueError(
                f"Cannot clone model '{model.name}': the call of layer '{node.layer.name}' "
                f"uses tensors that do not come from the model's inputs: {missing}"
            )
        layer = clone_function(node.layer)
        args = map_structure(lookup, list(node.args))
        call_kwargs = map_structure(lookup, dict(node.kwargs))
        if call_function is not None:
            outputs = call_function(layer, *args, **call_kwargs)
        else:
            outputs = layer(*args, **call_kwargs)
        for old, new in zip(node.output_tensors, flatten(outputs)):
            values[id(old)] = new
    new_outputs = pack_like(model._outputs_struct, [values[id(t)] for t in model._flat_outputs])
    if _functional_like_constructor(type(model)):
        clone = type(model)(new_inputs, new_outputs, name=model.name)
    else:
        # A class whose constructor takes other arguments: the copy is a plain
        # Functional model, as Keras makes it.
        clone = Functional(new_inputs, new_outputs, name=model.name)
    clone.trainable = model.trainable
    _compile_like(model, clone)
    return clone


def _functional_inputs(model: Functional, input_tensors: Any) -> Any:
    """New `Input`s like the model's, or the user's `input_tensors` checked against them."""
    if input_tensors is None:
        return map_structure(
            lambda t: Input(
                batch_shape=tuple(t.shape), dtype=t.dtype, name=t._keras_history[0].name
            ),
            model._inputs_struct,
        )
    if (
        isinstance(input_tensors, (list, tuple))
        and len(input_tensors) == 1
        and isinstance(model._inputs_struct, KerasTensor)
    ):
        input_tensors = input_tensors[0]
    flat = flatten(input_tensors)
    if not all(isinstance(x, KerasTensor) for x in flat):
        raise ValueError(
            "All entries in `input_tensors` must be KerasTensors (from `keras.Input`). Received "
            f"invalid values: input_tensors={input_tensors!r}"
        )
    if isinstance(model._inputs_struct, dict) and isinstance(input_tensors, dict):
        if set(input_tensors) != set(model._inputs_struct):
            raise ValueError(
                "`input_tensors` must have the same keys as model.input. Expected: "
                f"{sorted(model._inputs_struct)}. Received: {sorted(input_tensors)}"
            )
        input_tensors = {k: input_tensors[k] for k in model._inputs_struct}
        flat = flatten(input_tensors)
    if len(flat) != len(model._flat_inputs):
        raise ValueError(
            f"`input_tensors` must have the same structure as model.input: model '{model.name}' "
            f"has {len(model._flat_inputs)} input(s). Reference structure: {model._inputs_struct}"
            f". Received structure: {input_tensors}"
        )
    for given, ref in zip(flat, model._flat_inputs):
        if len(given.shape) != len(ref.shape) or any(
            a is not None and b is not None and a != b
            for a, b in zip(given.shape[1:], ref.shape[1:])
        ):
            raise ValueError(
                f"`input_tensors` do not match the inputs of model '{model.name}': expected a "
                f"tensor of shape {tuple(ref.shape)}. Received: shape={tuple(given.shape)}"
            )
    return pack_like(model._inputs_struct, flat)


def _functional_like_constructor(cls: type) -> bool:
    """Whether `cls(inputs, outputs, name=...)` makes a model (as Functional's
    constructor does), not some other signature of a subclass."""
    if cls is Functional:
        return True
    try:
        parameters = inspect.signature(cls.__init__).parameters  # type: ignore[misc]
    except (TypeError, ValueError):
        return False
    names = list(parameters)[1:3]
    return names == ["inputs", "outputs"]
