"""Model architectures as JSON or YAML text (no weights).

`to_json` / `model_from_json` use Keras 3's serialized form. `to_yaml` /
`model_from_yaml` are Keras 2 verbs that Keras 3 removed because YAML's full
loader can build arbitrary Python objects; here YAML is only ever read with a
safe loader. The one extension is that Keras 2's `!!python/tuple` tag (which
its `to_yaml` wrote for shapes) reads as a plain list: no Python object is
built from a tag.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import yaml

from pykeras.backend import weight_limits
from pykeras.errors import ConfigTypeError, FileFormatError
from pykeras.saving import config_checks
from pykeras.saving.serialization_lib import deserialize_keras_object, serialize_keras_object

if TYPE_CHECKING:
    from pykeras.layers.layer import Layer


def to_json(model: Any, **kwargs: Any) -> str:
    """The model's serialized config as a JSON string (kwargs go to `json.dumps`)."""
    return json.dumps(serialize_keras_object(model), **kwargs)


def model_from_config(config: dict, custom_objects: dict | None = None) -> Layer:
    """Builds a model (or layer) from its serialized config dict (Keras 3 or tf.keras 2 form).

    Args:
        config: `{"class_name": ..., "config": ...}` as `serialize_keras_object` or
            Keras writes it.
        custom_objects: a dict of the user's classes and functions the config names.

    Returns:
        The model (uncompiled unless the config holds a `compile_config`).

    Raises:
        TypeError: `config` is not a dict.
        FileFormatError: (a `ValueError`) the config is malformed or describes
            something pykeras cannot build.

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> clone = model_from_config(serialize_keras_object(model))
    """
    if not isinstance(config, dict):
        raise TypeError(
            "`model_from_config` expects a dict with 'class_name' and 'config' keys. "
            f"Received: {type(config).__name__}"
        )
    return _model_from_tree(config, custom_objects, "The model config")


def _model_from_tree(config: Any, custom_objects: dict[str, Any] | None, source: Any) -> Any:
    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise FileFormatError(
            f"{source} must be a dict with 'class_name' and 'config' keys. Received: "
            + (f"keys {sorted(config)}" if isinstance(config, dict) else type(config).__name__)
        )
    # No weights come with a config: the model it describes may create only so many.
    try:
        with weight_limits.WeightLimit(weight_limits.CONFIG_ONLY_VALUES, source):
            return deserialize_keras_object(
                config, custom_objects=custom_objects, kinds=("models", "layers")
            )
    except (ValueError, TypeError) as e:
        # pykeras's own classes pass as they are; a builtin one from deep inside a
        # class's constructor becomes the loader's, which says where it came from.
        if type(e) is ValueError:
            raise FileFormatError(f"{source} cannot be built: {e}") from e
        if type(e) is TypeError:
            raise ConfigTypeError(f"{source} cannot be built: {e}") from e
        raise


def model_from_json(json_string: str | bytes, custom_objects: dict | None = None) -> Layer:
    """Builds a model from the JSON text `model.to_json()` (pykeras, Keras 3 or tf.keras 2) made.

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> clone = model_from_json(model.to_json())
    """
    if not isinstance(json_string, (str, bytes, bytearray)):
        raise TypeError(
            f"`model_from_json` expects JSON text. Received: {type(json_string).__name__}"
        )
    config = config_checks.parse_json(json_string, "The model JSON")
    return _model_from_tree(config, custom_objects, "The model JSON")


def _safe_loader() -> Any:
    class _Loader(yaml.SafeLoader):
        """SafeLoader that reads Keras 2's `!!python/tuple` as a list."""

    def tuple_as_list(loader: Any, node: Any) -> Any:
        return loader.construct_sequence(node, deep=True)

    _Loader.add_constructor("tag:yaml.org,2002:python/tuple", tuple_as_list)
    return _Loader


def to_yaml(model: Any, **kwargs: Any) -> str:
    """The model's serialized config as YAML text (kwargs go to `yaml.safe_dump`)."""
    return yaml.safe_dump(serialize_keras_object(model), **kwargs)


def model_from_yaml(yaml_string: str | bytes, custom_objects: dict | None = None) -> Layer:
    """Builds a model from YAML text (`model.to_yaml()` of pykeras or tf.keras 2).

    Only plain YAML is read (safe loader): a document with Python object tags
    such as `!!python/object` is refused with a ValueError.

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> clone = model_from_yaml(model.to_yaml())
    """
    if not isinstance(yaml_string, (str, bytes, bytearray)):
        raise TypeError(
            f"`model_from_yaml` expects YAML text. Received: {type(yaml_string).__name__}"
        )
    try:
        config = yaml.load(yaml_string, Loader=_safe_loader())  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as e:
        raise FileFormatError(f"The model YAML cannot be read safely: {e}") from e
    except RecursionError as e:
        raise FileFormatError(
            "The model YAML is nested too deeply to be a model config (at most "
            f"{config_checks.MAX_DEPTH} levels are expected)."
        ) from e
    except (ValueError, TypeError, OverflowError) as e:
        # The safe loader's own constructors (timestamps, floats, binary) on bad values.
        raise FileFormatError(f"The model YAML cannot be read: {e}") from e
    config = config_checks.check_config(config, "The model YAML")
    return _model_from_tree(config, custom_objects, "The model YAML")
