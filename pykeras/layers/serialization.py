"""`keras.layers.serialize` / `deserialize`: a layer to its config and back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pykeras.layers.layer import Layer

# Configs are the saving package's business, a layer above layers: it sets
# its `serialize_keras_object` / `deserialize_keras_object` here when
# imported. `serialize` / `deserialize` are the layers namespace's doors to
# them, as in Keras (`keras.layers.serialize`), and layers that hold layers
# (`Bidirectional`, `TimeDistributed`, `RNN`'s cells) write and read their
# nested layers through `serialize_object` / `deserialize_object`.
_SERIALIZE: Callable[[Any], Any] | None = None
_DESERIALIZE: Callable[..., Any] | None = None


def set_serialization(
    serialize_keras_object: Callable[[Any], Any],
    deserialize_keras_object: Callable[..., Any],
) -> None:
    """Called once by `pykeras.saving.serialization_lib`."""
    global _SERIALIZE, _DESERIALIZE
    _SERIALIZE, _DESERIALIZE = serialize_keras_object, deserialize_keras_object


def serialize_object(obj: Any) -> Any:
    """`pykeras.saving.serialize_keras_object(obj)`."""
    assert _SERIALIZE is not None, "pykeras.saving sets the serializer"
    return _SERIALIZE(obj)


def deserialize_object(
    config: Any, custom_objects: dict[str, Any] | None = None, **kwargs: Any
) -> Any:
    """`pykeras.saving.deserialize_keras_object(config, custom_objects, **kwargs)`."""
    assert _DESERIALIZE is not None, "pykeras.saving sets the deserializer"
    return _DESERIALIZE(config, custom_objects=custom_objects, **kwargs)


def serialize(layer: Layer) -> dict[str, Any]:
    """Returns the config of `layer` in Keras 3's serialized form.

    Args:
        layer: a layer (or model) instance.

    Returns:
        `{"module", "class_name", "config", "registered_name"}` (plus
        `build_config` for a built layer); `deserialize` rebuilds the layer.

    Example:

    >>> layer = keras.layers.Dense(3, activation="relu")
    >>> config = keras.layers.serialize(layer)
    >>> new_layer = keras.layers.deserialize(config)
    """
    assert _SERIALIZE is not None, "pykeras.saving sets the serializer"
    return _SERIALIZE(layer)


def deserialize(
    config: dict[str, Any] | Layer, custom_objects: dict[str, Any] | None = None
) -> Layer:
    """Rebuilds a layer (or model) from the config `serialize` returned.

    Args:
        config: the serialized layer, Keras 3's or tf.keras 2's form; a layer
            instance is returned as it is (so that a `from_config` written for
            Keras works whether or not its nested layers are already rebuilt).
        custom_objects: a dict of names to the user's classes and functions.

    Returns:
        The layer.

    Raises:
        ValueError: the config names a class outside pykeras's layers and the
            user's custom objects.

    Example:

    >>> config = keras.layers.serialize(keras.layers.Dense(3))
    >>> keras.layers.deserialize(config).units
    3
    """
    if isinstance(config, Layer):
        return config
    if not isinstance(config, dict):
        raise TypeError(
            "keras.layers.deserialize expects a layer config dict (from "
            f"`keras.layers.serialize`). Received: {type(config).__name__} {config!r:.200}"
        )
    assert _DESERIALIZE is not None, "pykeras.saving sets the deserializer"
    return _DESERIALIZE(config, custom_objects=custom_objects, kinds=("layers", "models"))
