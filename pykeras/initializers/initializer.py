"""The Initializer base class and the serialization helpers every family shares."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from pykeras import config

if TYPE_CHECKING:
    from typing_extensions import Self

    from pykeras.engine.typing import DTypeLike

    # What `initializers.get` resolves: a name, a config dict, an instance or
    # class, or any callable `(shape, dtype=None) -> array`.
    InitializerLike = Union[
        str, dict[str, Any], "Initializer", type["Initializer"], Callable[..., Any], None
    ]
from collections.abc import Sequence


def float_array(values: Any, dtype: DTypeLike = None) -> np.ndarray:
    """`values` (drawn or computed in double) as the initializer's result:
    float64 when `dtype` is float64 (or None under `set_floatx("float64")`),
    float32 otherwise (integer dtypes included: variables are floats)."""
    name = config.floatx() if dtype is None else str(getattr(dtype, "name", dtype))
    if name in ("float64", "double", "<class 'float'>"):
        return np.asarray(values, dtype=np.float64)
    return np.asarray(values).astype(np.float32)


class Initializer:
    """Base class: `initializer(shape, dtype=None)` returns a float numpy
    array: float64 for `dtype="float64"` (or `dtype=None` under
    `set_floatx("float64")`), float32 otherwise."""

    def __call__(self, shape: Sequence[int], dtype: DTypeLike = None) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        return cls(**config)


def serialize_object(obj: Any, module: str) -> dict[str, Any] | None:
    """Keras 3's config form: `{"module", "class_name", "config", "registered_name"}`."""
    if obj is None:
        return None
    return {
        "module": module,
        "class_name": type(obj).__name__,
        "config": obj.get_config(),
        "registered_name": None,
    }


def lookup(identifier: Any, table: Mapping[Any, Any], base: type, kind: str) -> Any:
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


def _unknown(name: object, table: Iterable[str], kind: str) -> ValueError:
    hint = difflib.get_close_matches(str(name), sorted(table), n=1)
    suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
    return ValueError(f"Unknown {kind}: '{name}'.{suggestion} Known {kind}s: {sorted(table)}")
