"""The legacy HDF5 formats of tf.keras 2 (and Keras 3's `model.save("x.h5")`).

Weights (`save_weights("w.h5")` in tf.keras 2, and the `model_weights`
group of a whole-model file): the root carries `layer_names`, `backend` and
`keras_version` attributes; one group per layer carries `weight_names`
(`dense/kernel:0` in tf.keras 2, `dense/kernel` in Keras 3) and the datasets
at those names. Weights are matched to layers in order, or by layer name.

Whole model (`model.save("m.h5")`): root attributes `model_config` (JSON,
`{"class_name": "Functional" | "Sequential", "config": ...}`) and
`training_config`, plus `model_weights` and `optimizer_weights` groups.
"""

from __future__ import annotations

import json
import os
import warnings
from typing import TYPE_CHECKING, Any, cast

import h5py
import numpy as np

from pykeras.backend.weight_limits import WeightLimit
from pykeras.errors import FileFormatError
from pykeras.saving import config_checks, file_format, registry, state_paths
from pykeras.saving.atomic import atomic_path
from pykeras.saving.h5_safety import (
    dataset_at,
    group_at,
    h5py_errors,
    has,
    open_h5,
    read_array,
    read_attr_list,
    read_attr_str,
    shape_of,
    stored_values,
)
from pykeras.saving.serialization_lib import (
    SafeModeScope,
    deserialize_keras_object,
    serialize_keras_object,
)

if TYPE_CHECKING:
    import h5py

    from pykeras.layers.layer import Layer

# Weights files carry this Keras version so readers treat them as Keras 3 files.
KERAS_FORMAT_VERSION = "3.0.0"
BACKEND_NAME = "pykeras"
# HDF5 object headers hold at most this many bytes; bigger attributes are chunked.
_HEADER_LIMIT = 64512


def legacy_weights(layer: Any) -> list[Any]:
    """A layer's weights in the legacy order: trainable ones, then the rest."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def is_legacy_weights(h5file: h5py.File, filepath: str | os.PathLike[str]) -> bool:
    """Whether an open HDF5 file holds legacy weights (at its root or in `model_weights`)."""
    with h5py_errors(filepath, "the attributes of the root group"):
        names = "layer_names" in h5file.attrs or "layer_names0" in h5file.attrs
    return names or has(h5file, "model_weights", filepath)


# ---------------------------------------------------------------- writing


def _write_attr_list(group: Any, name: str | None, values: Any) -> None:
    """A list of names as an attribute, split into `name0`, `name1`, ... when it would
    overflow an HDF5 object header (as Keras does)."""
    encoded = [v.encode("utf8") for v in values]
    data = np.asarray(encoded) if encoded else np.asarray([])
    chunks = 1
    while chunks < max(len(values), 1) and any(
        c.nbytes > _HEADER_LIMIT for c in np.array_split(data, chunks)
    ):
        chunks += 1
    if chunks == 1:
        # A list (not an array) makes h5py store variable-length strings, as Keras 3 does.
        group.attrs[name] = encoded if encoded else data
    else:
        for i, chunk in enumerate(np.array_split(data, chunks)):
            group.attrs[f"{name}{i}"] = chunk


def _write_subset(group: Any, weights: Any) -> None:
    names = [str(w.path) for w in weights]
    _write_attr_list(group, "weight_names", names)
    for name, w in zip(names, weights):
        group.create_dataset(name, data=np.asarray(w.numpy()))


def save_weights(model: Any, group: Any) -> None:
    """Writes `model`'s weights in the legacy layout into the open h5py group."""
    layers = model.layers
    _write_attr_list(group, "layer_names", [layer.name for layer in layers])
    group.attrs["backend"] = BACKEND_NAME.encode("utf8")
    group.attrs["keras_version"] = KERAS_FORMAT_VERSION.encode("utf8")
    # Sorted so that no group name is created after one it prefixes (as Keras does).
    for layer in sorted(layers, key=lambda layer: layer.name):
        _write_subset(group.create_group(layer.name), legacy_weights(layer))
    _write_subset(group.create_group("top_level_model_weights"), state_paths.own_variables(model))


def _legacy_entry(entry: Any) -> Any:
    """A Keras 3 layer entry as Keras 3's legacy writer gives it: no module,
    registered name as class name for registered classes, no build config."""
    class_name = entry["class_name"]
    registered = entry.get("registered_name")
    if registered and ">" in str(registered):
        class_name = registered
    out = {"class_name": class_name, "config": dict(entry["config"])}
    if isinstance(out["config"].get("layers"), list):
        out["config"]["layers"] = [_legacy_layer(d) for d in out["config"]["layers"]]
    return out


def _legacy_layer(data: Any) -> Any:
    if str(data.get("module", "")).startswith(("keras.src.ops.", "pykeras.")):
        # Ops on symbolic tensors and pykeras-only layers keep their module: without it
        # no reader can tell `Relu` the op from a layer (Keras 3 then reads the entry with
        # its new-style deserializer, which knows the op).
        out = {k: data[k] for k in ("module", "class_name", "config", "registered_name")}
    else:
        out = _legacy_entry(data)
    for key in ("name", "inbound_nodes"):
        if key in data:
            out[key] = data[key]
    return out


def model_config(model: Any) -> dict[str, Any]:
    """`model_config` as Keras 3's legacy `.h5` writer stores it."""
    models = registry.models()
    if not isinstance(model, (models.Functional, models.Sequential)):
        raise ValueError(
            f"Model '{model.name}' is a subclassed model; the legacy `.h5` format can only hold "
            "Functional and Sequential models. Save it as `.keras` instead."
        )
    return _legacy_entry(serialize_keras_object(model))


def _legacy_value(value: Any) -> Any:
    """Losses and metrics for `training_config`: names stay names, objects become
    `{"class_name", "config"}`, functions their names."""
    if isinstance(value, dict) and "class_name" in value and "config" in value:
        if value["class_name"] == "function":
            return value["config"]
        return _legacy_entry(value)
    if isinstance(value, list):
        return [_legacy_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _legacy_value(v) for k, v in value.items()}
    return value


def training_config(model: Any) -> dict[str, Any] | None:
    compile_config = model.get_compile_config()
    if compile_config is None:
        return None
    config = {k: _legacy_value(v) for k, v in compile_config.items() if k != "optimizer"}
    optimizer = compile_config["optimizer"]
    config["optimizer_config"] = {
        "class_name": _legacy_entry(optimizer)["class_name"],
        "config": optimizer["config"],
    }
    return config


def save_model(
    model: Any, filepath: str | os.PathLike[str], include_optimizer: bool = True
) -> None:
    """Writes `model` as a legacy whole-model `.h5` file (atomically)."""
    config = model_config(model)
    train = training_config(model) if include_optimizer else None
    with atomic_path(filepath) as tmp, h5py.File(tmp, "w") as f:
        f.attrs["keras_version"] = KERAS_FORMAT_VERSION
        f.attrs["backend"] = BACKEND_NAME
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        if train is not None:
            f.attrs["training_config"] = json.dumps(train).encode("utf8")
        save_weights(model, f.create_group("model_weights"))
        optimizer = getattr(model, "__dict__", {}).get("optimizer")
        if train is not None and optimizer is not None:
            variables = optimizer.variables
            group = f.create_group("optimizer_weights")
            names = [v.path for v in variables]
            _write_attr_list(group, "weight_names", names)
            for name, value in zip(names, optimizer.get_weights()):
                group.create_dataset(name, data=np.asarray(value))


# ---------------------------------------------------------------- reading


def _read_subset(group: Any, filepath: str | os.PathLike[str]) -> Any:
    """The datasets (checked, not read) that `group`'s `weight_names` list."""
    names = read_attr_list(group, "weight_names", filepath)
    return [dataset_at(group, name, filepath) for name in names]


def _assign(
    layer: Any,
    variables: Any,
    datasets: Any,
    what: str,
    filepath: str | os.PathLike[str],
    skip_mismatch: Any,
) -> None:
    """Assigns the `datasets` to `variables`; shape mismatches raise, or warn and skip.
    Each dataset is read only once its shape is known to match."""
    for variable, dataset in zip(variables, datasets):
        shape = shape_of(dataset, filepath)
        if shape != tuple(variable.shape):
            message = (
                f"Shape mismatch in {what} for weight {variable.path}: the model expects shape "
                f"{variable.shape}, '{filepath}' holds shape {shape}."
            )
            if skip_mismatch:
                warnings.warn(f"Skipping loading weights: {message}", stacklevel=4)
                continue
            raise FileFormatError(message)
        variable.assign(read_array(dataset, filepath))


def load_weights(
    model: Any,
    group: h5py.Group,
    filepath: str | os.PathLike[str],
    by_name: bool = False,
    skip_mismatch: bool = False,
) -> None:
    """Assigns legacy-layout weights from the open h5py `group` to `model`.

    Args:
        by_name: match layers by name (layers missing from the file keep their
            weights) instead of by order.
        skip_mismatch: with `by_name`, skip (with a warning) layers whose weight
            count or shapes differ instead of raising.
    """
    layer_names = read_attr_list(group, "layer_names", filepath)
    if by_name:
        _load_by_name(model, group, layer_names, filepath, skip_mismatch)
        return
    saved = []
    for name in layer_names:
        datasets = _read_subset(group_at(group, name, filepath), filepath)
        if datasets:
            saved.append((name, datasets))
    layers = [layer for layer in model.layers if legacy_weights(layer)]
    if len(saved) != len(layers):
        raise FileFormatError(
            f"Layer count mismatch when loading weights from '{filepath}': the model has "
            f"{len(layers)} layers with weights ({[layer.name for layer in layers]}), the file "
            f"has {len(saved)} ({[name for name, _ in saved]}). Load with `by_name=True` to match "
            "layers by name."
        )
    for k, (layer, (name, datasets)) in enumerate(zip(layers, saved)):
        variables = legacy_weights(layer)
        if len(datasets) != len(variables):
            raise FileFormatError(
                f"Weight count mismatch for layer #{k} (named '{layer.name}' in the model, "
                f"'{name}' in '{filepath}'): the layer expects {len(variables)} weight(s), the "
                f"file holds {len(datasets)}."
            )
        what = f"layer #{k} (named '{layer.name}')"
        _assign(layer, variables, datasets, what, filepath, skip_mismatch)
    _load_top_level(model, group, filepath, skip_mismatch)


def _load_by_name(
    model: Any, group: Any, layer_names: Any, filepath: str | os.PathLike[str], skip_mismatch: Any
) -> None:
    index: dict[str, Any] = {}
    for layer in model.layers:
        index.setdefault(layer.name, []).append(layer)
    for k, name in enumerate(layer_names):
        datasets = _read_subset(group_at(group, name, filepath), filepath)
        for layer in index.get(name, []):
            variables = legacy_weights(layer)
            if len(datasets) != len(variables):
                message = (
                    f"Weight count mismatch for layer #{k} (named '{layer.name}'): the layer "
                    f"expects {len(variables)} weight(s), '{filepath}' holds {len(datasets)}."
                )
                if skip_mismatch:
                    warnings.warn(f"Skipping loading weights: {message}", stacklevel=3)
                    continue
                raise FileFormatError(message)
            what = f"layer #{k} (named '{layer.name}')"
            _assign(layer, variables, datasets, what, filepath, skip_mismatch)
    _load_top_level(model, group, filepath, skip_mismatch)


def _load_top_level(
    model: Any, group: Any, filepath: str | os.PathLike[str], skip_mismatch: Any
) -> None:
    if not has(group, "top_level_model_weights", filepath):
        return
    datasets = _read_subset(group_at(group, "top_level_model_weights", filepath), filepath)
    variables = state_paths.own_variables(model)
    if len(datasets) != len(variables):
        message = (
            f"Weight count mismatch for the top-level weights of model '{model.name}': it has "
            f"{len(variables)}, '{filepath}' holds {len(datasets)}."
        )
        if skip_mismatch:
            warnings.warn(f"Skipping loading weights: {message}", stacklevel=3)
            return
        raise FileFormatError(message)
    _assign(model, variables, datasets, "the top-level model", filepath, skip_mismatch)


# Weights a model rebuilt from a file may have beyond what the file stores (a
# model that needs more cannot load its weights anyway).
_WEIGHT_SLACK = 1 << 16


def load_model(
    filepath: str | os.PathLike[str],
    custom_objects: dict | None = None,
    compile: bool = True,
    safe_mode: bool = True,
) -> Layer:
    """Rebuilds the model in a legacy whole-model `.h5` file, with its weights and
    (when `compile`) its compile settings and, for Keras 3 / pykeras files, optimizer state."""
    with open_h5(filepath) as f:
        raw = read_attr_str(f, "model_config", filepath)
        if raw is None:
            raise FileFormatError(
                f"No model config found in '{filepath}': it holds weights only. Build the model "
                "in code and call `model.load_weights(filepath)`."
            )
        source = f"The model_config of '{filepath}'"
        config = config_checks.parse_json(raw, source)
        if not isinstance(config, dict) or "class_name" not in config:
            raise FileFormatError(
                f"{source} does not describe a model: expected a dict with 'class_name' and "
                f"'config'. Received: {type(config).__name__}"
            )
        if not has(f, "model_weights", filepath):
            raise FileFormatError(f"'{filepath}' has a model config but no `model_weights` group.")
        weights = group_at(f, "model_weights", filepath)
        limit = stored_values(weights, filepath) + _WEIGHT_SLACK
        with SafeModeScope(safe_mode), WeightLimit(limit, f"'{filepath}'"):
            model = file_format.config_errors_name_file(
                filepath,
                deserialize_keras_object,
                config,
                custom_objects=custom_objects,
                kinds=("models", "layers"),
            )
        load_weights(model, weights, filepath)
        if compile:
            _compile_from_file(model, f, filepath, custom_objects)
    return model


def _deserialize_nested(value: Any, kinds: Any, custom_objects: dict[str, Any] | None) -> Any:
    if isinstance(value, dict) and "class_name" in value:
        return deserialize_keras_object(value, custom_objects=custom_objects, kinds=kinds)
    if isinstance(value, list):
        return [_deserialize_nested(v, kinds, custom_objects) for v in value]
    if isinstance(value, dict):
        return {k: _deserialize_nested(v, kinds, custom_objects) for k, v in value.items()}
    return value


def _compile_from_file(
    model: Any, f: Any, filepath: str | os.PathLike[str], custom_objects: dict[str, Any] | None
) -> None:
    try:
        raw = read_attr_str(f, "training_config", filepath)
        if raw is None:
            return  # saved uncompiled: so it loads
        config = config_checks.parse_json(raw, f"The training_config of '{filepath}'")
        optimizer_config = config.get("optimizer_config") if isinstance(config, dict) else None
        if not isinstance(optimizer_config, dict) or "class_name" not in optimizer_config:
            raise FileFormatError(
                "expected a dict with an 'optimizer_config' holding a 'class_name'. "
                f"Received: {config!r:.200}"
            )
        optimizer_config = dict(optimizer_config)
        # tf.keras 2.11+ registered its optimizers as "Custom>Adam" and the like.
        optimizer_config["class_name"] = str(optimizer_config["class_name"]).split(">")[-1]
        optimizer = deserialize_keras_object(
            optimizer_config, custom_objects=custom_objects, kinds=("optimizers",)
        )
        config = cast("dict[str, Any]", config)  # checked above: it holds the optimizer
        model.compile(
            optimizer=optimizer,
            loss=_deserialize_nested(config.get("loss"), ("losses",), custom_objects),
            metrics=_deserialize_nested(config.get("metrics"), ("metrics",), custom_objects),
            weighted_metrics=_deserialize_nested(
                config.get("weighted_metrics"), ("metrics",), custom_objects
            ),
            loss_weights=config.get("loss_weights"),
        )
    except (ValueError, TypeError, *config_checks.CONFIG_FAULTS) as e:
        warnings.warn(
            f"The training configuration of '{filepath}' could not be restored ({e}); the model "
            "was loaded *without* compiling. Compile it manually, or load with compile=False.",
            stacklevel=3,
        )
        return
    if has(f, "optimizer_weights", filepath):
        _load_optimizer_weights(model, f, filepath)


def _load_optimizer_weights(model: Any, f: Any, filepath: str | os.PathLike[str]) -> None:
    version = read_attr_str(f, "keras_version", filepath) or "1"
    if not version.startswith("3"):
        # tf.keras 2 optimizers order their slots differently (all momentums, then
        # all velocities); loading them by position would scramble the state.
        warnings.warn(
            f"The optimizer state in '{filepath}' was written by Keras {version}, whose layout "
            "pykeras does not map; training restarts with a fresh optimizer state.",
            stacklevel=4,
        )
        return
    optimizer = model.optimizer
    try:
        datasets = _read_subset(group_at(f, "optimizer_weights", filepath), filepath)
        optimizer.build(model.trainable_weights)
        expected = [tuple(np.shape(w)) for w in optimizer.get_weights()]
        stored = [shape_of(d, filepath) for d in datasets]
        if stored != expected:
            raise ValueError(
                f"the optimizer has variables of shapes {expected}, the file holds {stored}"
            )
        values = [read_array(d, filepath) for d in datasets]
        if values and not (np.isfinite(values[0]).all() and 0 <= values[0].min() < 2**62):
            raise ValueError(f"the step count is not a count: {values[0]!r:.80}")
        optimizer.set_weights(values)
    except ValueError as e:
        warnings.warn(
            f"Could not restore the optimizer state in '{filepath}' ({e}); training restarts "
            "with a fresh optimizer state.",
            stacklevel=4,
        )
