"""pykeras.quantizers: int8 quantization of tensors (`AbsMaxQuantizer`)."""

from __future__ import annotations

from typing import Any

from pykeras.backend.naming import to_snake_case
from pykeras.initializers.initializer import lookup, serialize_object
from pykeras.quantizers.quantizers import AbsMaxQuantizer, Quantizer, abs_max_quantize

ALL_OBJECTS = {cls.__name__: cls for cls in (Quantizer, AbsMaxQuantizer)}
ALL_OBJECTS.update({to_snake_case(name): cls for name, cls in list(ALL_OBJECTS.items())})


def serialize(initializer: Quantizer) -> dict[str, Any] | None:
    """A quantizer's config in Keras 3's form (`module`, `class_name`, `config`)."""
    return serialize_object(initializer, "keras.quantizers")


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Any:
    """A quantizer from its `serialize` form."""
    table = dict(ALL_OBJECTS, **(custom_objects or {}))
    return lookup(config, table, Quantizer, "quantizer")


def get(identifier: Any, **kwargs: Any) -> Any:
    """A quantizer from a name (`"abs_max_quantizer"`), a config dict, an
    instance or a callable; None for None. A name's class is built with
    `kwargs`."""
    if isinstance(identifier, str) and identifier in ALL_OBJECTS:
        return ALL_OBJECTS[identifier](**kwargs)
    return lookup(identifier, ALL_OBJECTS, Quantizer, "quantizer")


__all__ = [
    "AbsMaxQuantizer",
    "Quantizer",
    "abs_max_quantize",
    "deserialize",
    "get",
    "serialize",
]
