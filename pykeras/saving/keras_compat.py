"""Config keys that Keras 3 or tf.keras 2 write and pykeras's constructors do not take.

Each key is dropped when it holds the value that means "feature off" (so a
file that does not use the feature loads), and refused with a clear error
otherwise: silently ignoring, say, `renorm=True` would change the model.
"""

from __future__ import annotations

import warnings
from typing import Any

from pykeras.errors import FileFormatError

_ANY = object()

# class name (or "*" for every layer) -> {key: value meaning "off" (or _ANY: always ignorable)}.
_IGNORED_WHEN_OFF: dict[str, dict[str, Any]] = {
    "*": {
        # Keras 3.x quantization and LoRA knobs on Dense / Embedding / EinsumDense.
        "quantization_config": None,
        "lora_rank": None,
        "lora_alpha": None,
    },
    "InputLayer": {"optional": False, "sparse": False, "ragged": False},
    "BatchNormalization": {"renorm": False, "renorm_clipping": None, "renorm_momentum": _ANY},
    # tf.keras 2's recurrent layers record `time_major`, which Keras 3 dropped (batch-major
    # only): ignorable when off; a time-major file must not load as batch-major silently.
    "RNN": {"time_major": False},
    "LSTM": {"time_major": False},
    "GRU": {"time_major": False},
    "SimpleRNN": {"time_major": False},
    # Keras 2's Lambda kept how its function was stored; pykeras reads the function itself.
    "Lambda": {
        "module": _ANY,
        "function_type": _ANY,
        "output_shape_type": _ANY,
        "output_shape_module": _ANY,
    },
    # Keras 2 optimizers (`tf.keras.optimizers` 2.11+ and the legacy ones).
    "optimizer": {"is_legacy_optimizer": _ANY, "jit_compile": _ANY, "decay": 0.0},
    # Variance-scaling initializers in Keras 3.1x record the axes they used for fans.
    "initializer": {"input_axes": None, "output_axes": None},
}

# Keras 2 reductions named "auto" what Keras 3 calls "sum_over_batch_size".
_REDUCTION_RENAMES = {"auto": "sum_over_batch_size", "sum_over_batch_size": "sum_over_batch_size"}

# Layers whose `axis` is one int: Keras 2 stored it as a one-element list after build.
_INT_AXIS_LAYERS = ("BatchNormalization",)
# Float dtype policies a Keras file may carry that pykeras cannot compute in (it
# has float32, float64 and mixed_bfloat16, which load as they are); it loads such
# layers computing in float32 (with a warning) rather than refusing the file:
# mixed policies keep float32 variables, so only the compute precision rises, and
# 16-bit weights convert to float32 exactly.
_FLOAT_POLICIES = ("mixed_float16", "float16", "bfloat16")


def _group_of(kind: Any) -> Any:
    return {"optimizers": "optimizer", "initializers": "initializer"}.get(kind)


def clean_config(class_name: str, kind: str | None, config: Any, owner: str | None = None) -> Any:
    """A copy of `config` with the ignorable Keras-only keys removed.

    Args:
        class_name: the class the config belongs to.
        kind: its family in the registry ("layers", "optimizers", ...).
        config: the inner config dict.
        owner: how to name the object in errors (default: its class name).

    Raises:
        ValueError: a Keras feature pykeras lacks is switched on in the config.
    """
    config = dict(config)
    config.pop("shared_object_id", None)
    tables: list[dict[str, Any]] = [_IGNORED_WHEN_OFF.get(class_name, {})]
    if kind in ("layers", "models"):
        tables.append(_IGNORED_WHEN_OFF["*"])
    group = _group_of(kind)
    if group is not None:
        tables.append(_IGNORED_WHEN_OFF[group])
    for table in tables:
        for key, off in table.items():
            if key not in config:
                continue
            value = config[key]
            if off is _ANY or value == off or (off is None and value in ({}, [])):
                del config[key]
                continue
            if class_name == "BatchNormalization" and not config.get("renorm"):
                del config[key]
                continue
            name = owner or config.get("name") or class_name
            raise ValueError(
                f"'{name}' ({class_name}) uses `{key}={value!r}`, a Keras feature pykeras does "
                f"not implement; pykeras can only load it with `{key}={off!r}`."
            )
    if kind in ("losses", "metrics") and config.get("reduction") in _REDUCTION_RENAMES:
        config["reduction"] = _REDUCTION_RENAMES[config["reduction"]]
    if (
        kind == "losses"
        and class_name != "LossFunctionWrapper"
        and isinstance(config.get("fn"), str)
    ):
        # tf.keras 2.15's built-in loss classes (LossFunctionWrapper subclasses) also
        # record the name of the function they wrap (`"fn": "sparse_categorical_
        # crossentropy"`); the class itself fixes that function, so the key is redundant.
        del config["fn"]
    if class_name in _INT_AXIS_LAYERS:
        axis = config.get("axis")
        if isinstance(axis, (list, tuple)) and len(axis) == 1:
            config["axis"] = int(axis[0])
    if "dtype" in config:
        config["dtype"] = dtype_name(config["dtype"], owner or config.get("name") or class_name)
    return config


def dtype_name(dtype: Any, owner: str | None) -> Any:
    """A dtype or a serialized `DTypePolicy` (Keras 3) / `Policy` (Keras 2) as its name."""
    if isinstance(dtype, dict):
        inner = dtype.get("config") or {}
        class_name = dtype.get("class_name", "")
        name = inner.get("name") if isinstance(inner, dict) else inner
        if not isinstance(class_name, str) or not (name is None or isinstance(name, str)):
            raise FileFormatError(
                f"'{owner}' has a malformed dtype policy: expected {{'class_name': ..., "
                f"'config': {{'name': <dtype name>}}}}. Received: {dtype!r:.200}"
            )
        if "Quantized" in class_name or str(name or "").startswith(("int8", "int4")):
            raise ValueError(
                f"'{owner}' uses the quantized dtype policy {name!r}, which "
                "pykeras does not implement."
            )
        return _computed_in_float32(name)
    return _computed_in_float32(dtype)


def _computed_in_float32(name: Any) -> Any:
    if name not in _FLOAT_POLICIES:
        return name
    # One message for every layer, so Python's warning filter shows it once.
    warnings.warn(
        f"This model was saved with the dtype policy {name!r}; pykeras computes in "
        "float32, float64 or mixed_bfloat16 only, so it loads computing in float32.",
        stacklevel=3,
    )
    return "float32"
