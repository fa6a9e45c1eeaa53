"""pykeras.dtype_policies: Keras 3's `keras.dtype_policies`, for the float32 policy.

pykeras computes in float32 only: `DTypePolicy("float32")` (also under its old
name `FloatDTypePolicy`) is the policy every layer has, and `get`, `serialize`
and `deserialize` read and write it as Keras does in layer configs
(`{"module": "keras", "class_name": "DTypePolicy", "config": {"name":
"float32"}, "registered_name": None}`). Mixed, 16-bit, float64 and quantized
policies raise a ValueError naming what was asked.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras.dtype_policies.policy import (
    DTypePolicy,
    FloatDTypePolicy,
    dtype_policy,
    set_dtype_policy,
    unsupported_policy_error,
)
from pykeras.errors import InvalidArgumentError

ALL_OBJECTS_DICT: dict[str, type[DTypePolicy]] = {
    "DTypePolicy": DTypePolicy,
    "FloatDTypePolicy": FloatDTypePolicy,
    # Keras 2 (tf.keras) wrote its policies under this name.
    "Policy": DTypePolicy,
}


def serialize(dtype_policy: DTypePolicy) -> dict[str, Any]:
    """A policy's config dict, as Keras writes it in layer configs.

    Args:
        dtype_policy: a `DTypePolicy`.

    Returns:
        `{"module": "keras", "class_name": ..., "config": {"name": ...},
        "registered_name": None}`.
    """
    if not isinstance(dtype_policy, DTypePolicy):
        raise InvalidArgumentError(
            "dtype_policies.serialize expected a DTypePolicy. "
            f"Received: dtype_policy={dtype_policy!r}"
        )
    cls = type(dtype_policy)
    builtin = ALL_OBJECTS_DICT.get(cls.__name__) is cls
    return {
        "module": "keras" if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": dtype_policy.get_config(),
        "registered_name": None if builtin else cls.__name__,
    }


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Any:
    """The policy a config dict written by `serialize` (or by Keras) describes.

    Args:
        config: `{"class_name": ..., "config": {"name": ...}}` (other keys ignored).
        custom_objects: optional `{name: class}` of custom policy classes.

    Returns:
        A `DTypePolicy` (or the custom class's instance).
    """
    if not isinstance(config, dict) or not isinstance(config.get("config"), dict):
        raise InvalidArgumentError(
            "dtype_policies.deserialize expected a dict like {'class_name': 'DTypePolicy', "
            f"'config': {{'name': 'float32'}}}}. Received: config={config!r:.200}"
        )
    class_name = config.get("class_name")
    name = str(config.get("registered_name") or class_name)
    cls = (custom_objects or {}).get(name) or ALL_OBJECTS_DICT.get(str(class_name))
    if cls is None:
        raise InvalidArgumentError(
            f"Unknown dtype policy class {class_name!r}: expected one of "
            f"{sorted(ALL_OBJECTS_DICT)} or a class in `custom_objects`."
        )
    return cls.from_config(config["config"])


def get(identifier: Any) -> DTypePolicy:
    """A `DTypePolicy` from a name, a config dict, a dtype or a policy.

    Args:
        identifier: `None` (the global policy), a policy name, a config dict
            (`{"class_name": "DTypePolicy", "config": {"name": "float32"}}`),
            a `DTypePolicy`, or a dtype (`numpy.float32`).

    Returns:
        A `DTypePolicy`.
    """
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        result: DTypePolicy = deserialize(identifier)
        return result
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    try:
        name = np.dtype(identifier).name
    except TypeError:
        raise InvalidArgumentError(
            "Cannot interpret `dtype` argument. Expected a string or an instance of "
            f"DTypePolicy. Received: dtype={identifier!r}"
        ) from None
    return DTypePolicy(name)


__all__ = [
    "DTypePolicy",
    "FloatDTypePolicy",
    "deserialize",
    "dtype_policy",
    "get",
    "serialize",
    "set_dtype_policy",
    "unsupported_policy_error",
]
