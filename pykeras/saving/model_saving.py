"""What `Model`'s saving verbs do: save, save_weights, load_weights, the
compile and build configs, and `from_config`. `Model` calls these functions
(saving sits below `models`, so it takes the model as an argument)."""

from __future__ import annotations

from typing import Any

from pykeras.layers.layer import Layer
from pykeras.saving import functional_config, registry
from pykeras.saving.config_checks import check_shapes
from pykeras.saving.saving_api import load_weights as load_weights_from
from pykeras.saving.saving_api import save_model
from pykeras.saving.saving_api import save_weights as save_weights_to
from pykeras.saving.serialization_lib import (
    _shape_tuples,
    deserialize_keras_object,
    serialize_keras_object,
)

# The keys of a compile config that `compile()` takes back.
COMPILE_KEYS = (
    "optimizer",
    "loss",
    "loss_weights",
    "metrics",
    "weighted_metrics",
    "run_eagerly",
    "steps_per_execution",
    "jit_compile",
)


def save(
    model: Layer,
    filepath: Any,
    overwrite: bool = True,
    include_optimizer: bool = True,
    save_format: str | None = None,
    **kwargs: Any,
) -> None:
    """`Model.save`: a `.keras` archive (or a legacy `.h5` file)."""
    save_model(model, filepath, overwrite, include_optimizer, save_format, **kwargs)


def save_weights(
    model: Layer,
    filepath: Any,
    overwrite: bool = True,
    save_format: str | None = None,
    **kwargs: Any,
) -> None:
    """`Model.save_weights`: the weights as HDF5."""
    kwargs.pop("options", None)
    if kwargs:
        raise TypeError(f"save_weights() got unexpected keyword arguments: {sorted(kwargs)}")
    save_weights_to(model, filepath, overwrite=overwrite, save_format=save_format)


def load_weights(
    model: Layer,
    filepath: Any,
    skip_mismatch: bool = False,
    by_name: bool = False,
    **kwargs: Any,
) -> None:
    """`Model.load_weights`: from a `.weights.h5`, legacy `.h5` or `.keras` file."""
    kwargs.pop("options", None)
    if kwargs:
        raise TypeError(f"load_weights() got unexpected keyword arguments: {sorted(kwargs)}")
    load_weights_from(model, filepath, skip_mismatch=skip_mismatch, by_name=by_name)


def compile_config(arguments: dict[str, Any]) -> Any:
    """A model's compile arguments, serialized as Keras 3's `get_compile_config()`."""
    return serialize_keras_object(arguments)


def compile_arguments(config: Any) -> dict[str, Any]:
    """The `compile()` arguments of a config `compile_config` made."""
    config = deserialize_keras_object(config)
    return {k: v for k, v in config.items() if k in COMPILE_KEYS}


def build_config(model: Layer) -> dict[str, Any] | None:
    """`{"input_shape": ...}` for a built subclassed model or Sequential, else None."""
    models = registry.models()
    if isinstance(model, models.Functional) or not model.built:
        return None
    if isinstance(model, models.Sequential):
        shape = model.input_shape
    else:
        shape = getattr(model, "_build_shapes_dict", None)
    return None if shape is None else {"input_shape": shape}


def build_from_config(model: Layer, config: dict[str, Any] | None) -> None:
    """Builds `model` for the `input_shape` recorded by `build_config`."""
    shape = (config or {}).get("input_shape")
    if shape is not None and not model.built:
        shape = _shape_tuples(shape)
        check_shapes(shape, f"The build config of model '{model.name}'")
        model.build(shape)


def model_from_config(cls: type, config: dict[str, Any], custom_objects: Any = None) -> Any:
    """`Model.from_config`: a Functional or Sequential config (Keras 3 or tf.keras 2)
    when `cls` is `Model`, else `cls(**config)` for a subclassed model."""
    models = registry.models()
    config = dict(config)
    if all(k in config for k in ("layers", "input_layers", "output_layers")) and (
        cls is models.Model or issubclass(cls, models.Functional)
    ):
        target = models.Functional if cls is models.Model else cls
        return functional_config.from_config(target, config, custom_objects)
    if cls is models.Model and "layers" in config:
        return models.Sequential.from_config(config, custom_objects)
    try:
        return cls(**config)
    except TypeError as e:
        raise TypeError(
            f"Unable to revive model '{cls.__name__}' from its config ({e}). When overriding "
            "`get_config()`, make sure the config holds every argument of the constructor, "
            f"or define a `from_config(cls, config)` class method. Received: config={config}"
        ) from e
