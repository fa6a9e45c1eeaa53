"""The config of a Functional model: its layers and the calls that connect them.

Written in Keras 3's form: each layer entry carries `inbound_nodes`, one per
call, as `{"args": [...], "kwargs": {...}}` with tensors given as
`{"class_name": "__keras_tensor__", "config": {"shape", "dtype",
"keras_history": [layer_name, node_index, tensor_index]}}`; `input_layers` and
`output_layers` are `[layer_name, node_index, tensor_index]` triples in the
structure of the model's inputs and outputs.

Read in that form and in tf.keras 2's: `inbound_nodes: [[["dense", 0, 0,
{}]]]`, lists of triples for `input_layers` / `output_layers`.

Node indices count only the calls that belong to the model; see
`_construction_offset` for how Keras 3 and tf.keras 2 number a nested
model's calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pykeras.backend import naming
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.errors import FileFormatError
from pykeras.layers.input_layer import InputLayer
from pykeras.saving import config_checks, keras_ops, registry, serialization_lib
from pykeras.saving.object_registration import CustomObjectScope

if TYPE_CHECKING:
    pass


class _NotReady(Exception):
    """A node refers to a call of a layer that has not been rebuilt yet."""


def _construction_offset(layer: Any, legacy: Any, in_node: bool = False) -> Any:
    """How much Keras's node index of a call of `layer` exceeds pykeras's.

    tf.keras 2 gave every model (Sequential included) a first node for its
    construction, so its calls count from 1 everywhere. Keras 3 has no such
    node, yet still counts a Functional model's calls from 1 in `input_layers`
    / `output_layers` (and from 0 inside `inbound_nodes`).
    """
    models = registry.models()
    if legacy:
        return 1 if isinstance(layer, models.Model) else 0
    return 0 if in_node else (1 if isinstance(layer, models.Functional) else 0)


# ------------------------------------------------------------------ writing


def get_config(model: Any, strip_input_shapes: bool = True) -> dict[str, Any]:
    """Keras 3's config dict of the Functional `model`."""
    own = {node.id for node in model._nodes}
    # `keras.Operation`s called in the graph are saved with its layers, as in Keras.
    layers = getattr(model, "operations", model.layers)
    # A call's index among the layer's calls that belong to this model.
    new_index = {}
    for layer in layers:
        kept = 0
        for node in layer._inbound_nodes:
            if node.id in own:
                new_index[node.id] = kept
                kept += 1

    def history(tensor: Any, in_node: bool = False) -> Any:
        layer, node_index, tensor_index = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        if node.id not in new_index:
            raise ValueError(
                f"Model '{model.name}' cannot be serialized: tensor {tensor} comes from a layer "
                "call outside the model. Build the model from `keras.Input` tensors."
            )
        index = new_index[node.id] + _construction_offset(layer, False, in_node)
        return [layer.name, index, tensor_index]

    def tensor_config(x: Any) -> Any:
        if isinstance(x, KerasTensor):
            shape, dtype = list(x.shape), x.dtype
            config = {"shape": shape, "dtype": dtype, "keras_history": history(x, in_node=True)}
            return {"class_name": "__keras_tensor__", "config": config}
        if isinstance(x, (list, tuple)):
            return [tensor_config(v) for v in x]
        if isinstance(x, dict):
            return {k: tensor_config(v) for k, v in x.items()}
        return serialization_lib.serialize_keras_object(x)

    layer_configs = []
    for layer in layers:
        op_form = keras_ops.keras_form(layer)
        nodes = []
        for node in layer._inbound_nodes:
            if node.id not in own or not node.input_tensors:
                continue
            # Keras ops take their operands (constants included) as arguments.
            args = keras_ops.operands(layer, node.args[0]) if op_form else list(node.args)
            nodes.append({"args": tensor_config(args), "kwargs": tensor_config(dict(node.kwargs))})
        if op_form:
            module, class_name, config = op_form
            entry = {
                "module": module,
                "class_name": class_name,
                "config": serialization_lib.serialize_keras_object(config),
                "registered_name": class_name,
            }
        else:
            entry = layer_entry(layer, strip_input_shapes)
        entry["name"] = layer.name
        entry["inbound_nodes"] = nodes
        layer_configs.append(entry)
    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layer_configs,
        "input_layers": _map_leaves(history, model._inputs_struct),
        "output_layers": _map_leaves(history, model._outputs_struct),
    }


def layer_entry(layer: Any, strip_input_shapes: bool = True) -> Any:
    """A layer serialized for a model config.

    Keras 3 layers do not take `batch_input_shape` (the model's InputLayer
    holds the shape), so it is left out of every layer but the InputLayer.
    """
    entry = serialization_lib.serialize_keras_object(layer)
    if strip_input_shapes and not isinstance(layer, InputLayer):
        entry["config"].pop("batch_input_shape", None)
    return entry


def _map_leaves(fn: Callable[..., Any], structure: Any) -> Any:
    if isinstance(structure, (list, tuple)):
        return [_map_leaves(fn, s) for s in structure]
    if isinstance(structure, dict):
        return {k: _map_leaves(fn, v) for k, v in structure.items()}
    return fn(structure)


# ------------------------------------------------------------------ reading


def from_config(
    cls: type[Any], config: dict[str, Any], custom_objects: dict[str, Any] | None = None
) -> Any:
    """Rebuilds a Functional model (of class `cls`) from its config, Keras 3 or tf.keras 2."""
    layer_datas = config.get("layers")
    if not isinstance(layer_datas, list):
        raise ValueError(
            f"A Functional model config needs a 'layers' list. Received keys: {sorted(config)}"
        )
    for data in layer_datas:
        _check_layer_entry(data)
    # tf.keras 2 wrote calls as lists; Keras 3 (also in its legacy .h5) as dicts.
    legacy = any(isinstance(n, list) for d in layer_datas for n in d.get("inbound_nodes") or [])
    created = {}
    pending = []
    with CustomObjectScope(custom_objects or {}):
        for data in layer_datas:
            layer = serialization_lib.deserialize_keras_object(
                data, custom_objects=custom_objects, kinds=("layers", "models")
            )
            if not hasattr(layer, "_inbound_nodes"):
                raise ValueError(
                    f"The model config entry '{data.get('name')}' is not a layer: {layer!r}"
                )
            name = data.get("name", layer.name)
            created[name] = layer
            pending.append((layer, list(data.get("inbound_nodes") or [])))
        with naming.reserved(created):
            _process_nodes(pending, created, legacy, custom_objects)

    def tensor(triple: Any) -> Any:
        return _tensor_of(created, triple[0], triple[1], triple[2], legacy, strict=True)

    inputs = _map_triples(tensor, config.get("input_layers"))
    outputs = _map_triples(tensor, config.get("output_layers"))
    if legacy:
        # tf.keras 2 wrote one-element lists for single-input / single-output models.
        inputs = inputs[0] if isinstance(inputs, list) and len(inputs) == 1 else inputs
        outputs = outputs[0] if isinstance(outputs, list) and len(outputs) == 1 else outputs
    kwargs = {}
    if config.get("trainable") is not None:
        kwargs["trainable"] = config["trainable"]
    name = config.get("name")
    if name is not None and not isinstance(name, str):
        raise FileFormatError(
            f"A Functional model config's 'name' must be a string. Received: {name!r:.100}"
        )
    return cls(inputs=inputs, outputs=outputs, name=name, **kwargs)


def _check_layer_entry(data: Any) -> None:
    """A layer entry of a Functional config: a dict with a string name (if any) and
    a list of calls."""
    if not isinstance(data, dict):
        raise FileFormatError(
            f"Each entry of a Functional model config's 'layers' must be a dict. Received: "
            f"{data!r:.200}"
        )
    if "name" in data and not isinstance(data["name"], str):
        raise FileFormatError(
            f"A layer entry's 'name' must be a string. Received: name={data['name']!r:.100}"
        )
    nodes = data.get("inbound_nodes")
    if nodes is not None and not isinstance(nodes, list):
        raise FileFormatError(
            f"The 'inbound_nodes' of layer '{data.get('name')}' must be a list of calls. "
            f"Received: {nodes!r:.200}"
        )
    for node in nodes or []:
        if node and not isinstance(node, (list, dict)):
            raise FileFormatError(
                f"A call in the 'inbound_nodes' of layer '{data.get('name')}' must be a list "
                f"(tf.keras 2) or a dict (Keras 3). Received: {node!r:.200}"
            )


def _process_nodes(
    pending: Any, created: Any, legacy: Any, custom_objects: dict[str, Any] | None
) -> None:
    """Calls each layer on its inputs, in config order, retrying calls whose inputs
    come from calls not made yet (shared layers at several depths)."""
    while pending:
        progressed = False
        still = []
        for layer, nodes in pending:
            done = 0
            for node_data in nodes:
                try:
                    args, kwargs = _node_arguments(node_data, created, legacy, custom_objects)
                except _NotReady:
                    break
                try:
                    layer(*args, **_supported_kwargs(layer, kwargs))
                except config_checks.CONFIG_FAULTS as e:
                    raise FileFormatError(
                        f"Layer '{layer.name}' cannot be called on the inputs the model config "
                        f"gives it ({type(e).__name__}: {e}). Received: args={args!r:.200}, "
                        f"kwargs={kwargs!r:.200}"
                    ) from e
                done += 1
            if done:
                progressed = True
            if done < len(nodes):
                still.append((layer, nodes[done:]))
        if still and not progressed:
            names = [layer.name for layer, _ in still]
            raise ValueError(
                "Invalid Functional model configuration: the graph has loops or calls on "
                f"layers that never get their inputs. Unresolved layers: {names}"
            )
        pending = still


def _supported_kwargs(layer: Any, kwargs: Any) -> Any:
    """Keras 3 records `mask=None` on calls of layers that support masking;
    pykeras layers do not mask, so an absent mask is dropped and a real one refused."""
    if "mask" in kwargs and not layer._call_accepts("mask"):
        if kwargs["mask"] is not None:
            raise ValueError(
                f"Layer '{layer.name}' is called with a mask in the model config; pykeras layers "
                "do not support masking."
            )
        kwargs = {k: v for k, v in kwargs.items() if k != "mask"}
    return kwargs


def _node_arguments(
    node_data: Any, created: Any, legacy: Any, custom_objects: dict[str, Any] | None
) -> Any:
    if not node_data:
        return [], {}
    if isinstance(node_data, list):
        # tf.keras 2: [[layer_name, node_index, tensor_index, kwargs], ...]
        tensors, kwargs = [], {}
        for entry in node_data:
            if not isinstance(entry, (list, tuple)) or len(entry) not in (3, 4):
                raise ValueError(f"Cannot read the node entry {entry!r} of the model config.")
            tensors.append(_tensor_of(created, entry[0], entry[1], entry[2], legacy, in_node=True))
            if len(entry) == 4:
                if not isinstance(entry[3] or {}, dict):
                    raise FileFormatError(
                        f"The call arguments in the node entry {entry!r:.200} of the model "
                        "config must be a dict."
                    )
                kwargs = serialization_lib.deserialize_keras_object(
                    entry[3] or {}, custom_objects=custom_objects
                )
        return [tensors[0] if len(tensors) == 1 else tensors], dict(kwargs)
    args = node_data.get("args", [])
    kwargs = node_data.get("kwargs", {})
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        raise FileFormatError(
            "A call in the model config must have a list 'args' and a dict 'kwargs'. "
            f"Received: {node_data!r:.200}"
        )
    args = serialization_lib.deserialize_keras_object(args, custom_objects=custom_objects)
    kwargs = serialization_lib.deserialize_keras_object(kwargs, custom_objects=custom_objects)

    def revive(x: Any) -> Any:
        if isinstance(x, serialization_lib.TensorReference):
            if x.history is None:
                raise ValueError("A node argument of the model config has no keras_history.")
            return _tensor_of(created, *x.history, legacy=legacy, in_node=True)
        if isinstance(x, list):
            return [revive(v) for v in x]
        if isinstance(x, tuple):
            return tuple(revive(v) for v in x)
        if isinstance(x, dict):
            return {k: revive(v) for k, v in x.items()}
        return x

    return revive(list(args)), revive(dict(kwargs))


def _tensor_of(
    created: Any,
    layer_name: Any,
    node_index: Any,
    tensor_index: Any,
    legacy: Any,
    strict: bool = False,
    in_node: bool = False,
) -> Any:
    indices_ok = all(
        isinstance(i, int) and not isinstance(i, bool) for i in (node_index, tensor_index)
    )
    if not isinstance(layer_name, str) or not indices_ok:
        raise FileFormatError(
            "A tensor reference of the model config must be [layer_name, node_index, "
            f"tensor_index] (a string and two ints). Received: "
            f"{[layer_name, node_index, tensor_index]!r:.200}"
        )
    layer = created.get(layer_name)
    if layer is None:
        raise ValueError(
            f"Invalid Functional model configuration: unknown layer '{layer_name}'. "
            f"Layers in the config: {sorted(created)}"
        )
    index = int(node_index) - _construction_offset(layer, legacy, in_node)
    if index < 0 or index >= len(layer._inbound_nodes):
        if strict:
            raise ValueError(
                f"Invalid Functional model configuration: layer '{layer_name}' has no call "
                f"#{node_index}."
            )
        raise _NotReady
    outputs = layer._inbound_nodes[index].output_tensors
    if not 0 <= int(tensor_index) < len(outputs):
        raise ValueError(
            f"Invalid Functional model configuration: layer '{layer_name}' call #{node_index} "
            f"has {len(outputs)} output(s), not an output #{tensor_index}."
        )
    return outputs[int(tensor_index)]


def _is_triple(x: Any) -> Any:
    return isinstance(x, (list, tuple)) and len(x) == 3 and isinstance(x[0], str)


def _map_triples(fn: Callable[..., Any], structure: Any) -> Any:
    if structure is None:
        raise ValueError("A Functional model config needs 'input_layers' and 'output_layers'.")
    if _is_triple(structure):
        return fn(structure)
    if isinstance(structure, dict):
        return {k: _map_triples(fn, v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [_map_triples(fn, v) for v in structure]
    raise ValueError(f"Cannot read the tensor reference {structure!r} of the model config.")
