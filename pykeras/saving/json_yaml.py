"""Model architectures as JSON or YAML text (no weights).

`to_json` / `model_from_json` use Keras 3's serialized form. `to_yaml` /
`model_from_yaml` are Keras 2 verbs that Keras 3 removed because YAML's full
loader can build arbitrary Python objects; here YAML is only ever read with a
safe loader. The one extension is that Keras 2's `!!python/tuple` tag (which
its `to_yaml` wrote for shapes) reads as a plain list: no Python object is
built from a tag.
"""

import json

from pykeras.saving.serialization_lib import deserialize_keras_object, serialize_keras_object


def to_json(model, **kwargs):
    """The model's serialized config as a JSON string (kwargs go to `json.dumps`)."""
    return json.dumps(serialize_keras_object(model), **kwargs)


def model_from_config(config, custom_objects=None):
    """Builds a model (or layer) from its serialized config dict (Keras 3 or tf.keras 2 form).

    Args:
        config: `{"class_name": ..., "config": ...}` as `serialize_keras_object` or
            Keras writes it.
        custom_objects: a dict of the user's classes and functions the config names.

    Returns:
        The model (uncompiled unless the config holds a `compile_config`).

    Example:

    >>> clone = model_from_config(serialize_keras_object(model))
    """
    if not isinstance(config, dict):
        raise TypeError(
            "`model_from_config` expects a dict with 'class_name' and 'config' keys. "
            f"Received: {type(config).__name__}"
        )
    if "class_name" not in config or "config" not in config:
        raise ValueError(
            "A model config is a dict with 'class_name' and 'config' keys. "
            f"Received keys: {sorted(config)}"
        )
    return deserialize_keras_object(
        config, custom_objects=custom_objects, kinds=("models", "layers")
    )


def model_from_json(json_string, custom_objects=None):
    """Builds a model from the JSON text `model.to_json()` (pykeras, Keras 3 or tf.keras 2) made.

    Example:

    >>> clone = model_from_json(model.to_json())
    """
    try:
        config = json.loads(json_string)
    except json.JSONDecodeError as e:
        raise ValueError(f"The model JSON is not valid JSON: {e}") from e
    return model_from_config(config, custom_objects=custom_objects)


def _safe_loader():
    import yaml

    class _Loader(yaml.SafeLoader):
        """SafeLoader that reads Keras 2's `!!python/tuple` as a list."""

    def tuple_as_list(loader, node):
        return loader.construct_sequence(node, deep=True)

    _Loader.add_constructor("tag:yaml.org,2002:python/tuple", tuple_as_list)
    return _Loader


def to_yaml(model, **kwargs):
    """The model's serialized config as YAML text (kwargs go to `yaml.safe_dump`)."""
    import yaml

    return yaml.safe_dump(serialize_keras_object(model), **kwargs)


def model_from_yaml(yaml_string, custom_objects=None):
    """Builds a model from YAML text (`model.to_yaml()` of pykeras or tf.keras 2).

    Only plain YAML is read (safe loader): a document with Python object tags
    such as `!!python/object` is refused with a ValueError.

    Example:

    >>> clone = model_from_yaml(model.to_yaml())
    """
    import yaml

    try:
        config = yaml.load(yaml_string, Loader=_safe_loader())  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as e:
        raise ValueError(f"The model YAML cannot be read safely: {e}") from e
    return model_from_config(config, custom_objects=custom_objects)
