"""The Initializer base class and the serialization helpers every family shares."""

import difflib


class Initializer:
    """Base class: `initializer(shape, dtype=None)` returns a float32 numpy array."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def serialize_object(obj, module):
    """Keras 3's config form: `{"module", "class_name", "config", "registered_name"}`."""
    if obj is None:
        return None
    return {
        "module": module,
        "class_name": type(obj).__name__,
        "config": obj.get_config(),
        "registered_name": None,
    }


def lookup(identifier, table, base, kind):
    """Resolves a name, config dict, instance or class against `table`."""
    if identifier is None:
        return None
    if isinstance(identifier, base):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, base):
        return identifier()
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        cls = table.get(name)
        if cls is None:
            raise _unknown(name, table, kind)
        return cls.from_config(identifier.get("config") or {})
    if isinstance(identifier, str):
        cls = table.get(identifier)
        if cls is None:
            raise _unknown(identifier, table, kind)
        return cls()
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret {kind} identifier: {identifier!r}")


def _unknown(name, table, kind):
    hint = difflib.get_close_matches(str(name), sorted(table), n=1)
    suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
    return ValueError(f"Unknown {kind}: '{name}'.{suggestion} Known {kind}s: {sorted(table)}")
