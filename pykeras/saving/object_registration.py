"""Custom objects: user classes and functions that configs may name.

A config only ever resolves to pykeras's own classes or to objects the user
handed over here: registered with `register_keras_serializable`, put in
`get_custom_objects()`, passed as `custom_objects=` or made visible with a
`CustomObjectScope`. Nothing named in a file is ever imported.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterable
from typing import Any

# "package>name" -> object, and object -> "package>name".
_GLOBAL_CUSTOM_OBJECTS: dict[str, Any] = {}
_GLOBAL_CUSTOM_NAMES: dict[Any, str] = {}

# Scopes nest per thread, as Keras's do.
_local = threading.local()


def _scope_dict() -> Any:
    return getattr(_local, "scope", {})


class CustomObjectScope:
    """Makes custom classes and functions visible to deserialization.

    Args:
        custom_objects: a dict of `{name: object}`.

    Example:

    >>> class MyLayer(keras.layers.Layer):
    ...     def call(self, x):
    ...         return 2 * x
    >>> keras.Sequential([keras.Input((2,)), MyLayer()]).save("model.keras")
    >>> with CustomObjectScope({"MyLayer": MyLayer}):
    ...     model = pykeras.models.load_model("model.keras")
    """

    def __init__(self, custom_objects: dict[str, Any] | None) -> None:
        self.custom_objects = dict(custom_objects or {})
        self._backup: dict[str, Any] | None = None

    def __enter__(self) -> CustomObjectScope:
        self._backup = _scope_dict()
        _local.scope = {**self._backup, **self.custom_objects}
        return self

    def __exit__(self, *exc: Any) -> None:
        _local.scope = self._backup


custom_object_scope = CustomObjectScope


def get_custom_objects() -> dict[str, Any]:
    """The live global dict of custom objects (registered ones included).

    Example:

    >>> class MyObject:
    ...     pass
    >>> get_custom_objects()["MyObject"] = MyObject
    >>> del get_custom_objects()["MyObject"]
    """
    return _GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(
    package: str = "Custom", name: str | None = None
) -> Callable[[Any], Any]:
    """Registers a class or function so that configs can name it.

    The object is registered under `"package>name"` (the class or function
    name by default); its configs carry that `registered_name`, and loading
    resolves it back without `custom_objects`.

    Args:
        package: the package part of the registered name.
        name: the name within the package (default: the object's `__name__`).

    Returns:
        A decorator returning the object unchanged.

    Example:

    >>> @register_keras_serializable(package="my_package")
    ... class MyDense(pykeras.layers.Dense):
    ...     pass
    >>> get_registered_name(MyDense)
    'my_package>MyDense'
    """

    def decorator(arg: Any) -> Any:
        class_name = name if name is not None else arg.__name__
        registered_name = f"{package}>{class_name}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError(
                "Cannot register a class that does not have a get_config() method. "
                f"Received: {arg!r}"
            )
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg

    return decorator


def get_registered_name(obj: Any) -> Any:
    """The name `obj` was registered under, or its `__name__` if unregistered.

    Example:

    >>> get_registered_name(pykeras.layers.Dense)
    'Dense'
    """
    return _GLOBAL_CUSTOM_NAMES.get(obj, getattr(obj, "__name__", None))


def is_registered(obj: Any) -> bool:
    """Whether `obj` was registered with `register_keras_serializable`."""
    try:
        return obj in _GLOBAL_CUSTOM_NAMES
    except TypeError:  # unhashable
        return False


def get_registered_object(
    name: str | None,
    custom_objects: dict[str, Any] | None = None,
    module_objects: dict[str, Any] | None = None,
) -> Any:
    """The object registered or passed under `name`, or None.

    Looks in the active `CustomObjectScope`s, then the global registry, then
    `custom_objects`, then `module_objects` (Keras's order).

    Args:
        name: the registered (`"package>name"`) or custom-object name.
        custom_objects: an optional dict of names to objects.
        module_objects: an optional dict of names to objects, searched last.

    Returns:
        The object, or None.

    Example:

    >>> @register_keras_serializable(package="my_package")
    ... class MyDense(keras.layers.Dense):
    ...     pass
    >>> get_registered_object("my_package>MyDense") is MyDense
    True
    """
    if name is None:
        return None
    scope = _scope_dict()
    if name in scope:
        return scope[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def lookup_custom(names: Iterable[str | None], custom_objects: dict[str, Any] | None = None) -> Any:
    """The first object any of `names` resolves to among the user's objects, or None.

    `custom_objects` passed to a loading function win over scopes and the
    registry, so an explicit argument always decides.
    """
    for name in names:
        if name is None:
            continue
        if custom_objects and name in custom_objects:
            return custom_objects[name]
    for name in names:
        found = get_registered_object(name)
        if found is not None:
            return found
    return None


def lookup_suffix(suffix: str, custom_objects: dict[str, Any] | None = None) -> Any:
    """The first user object whose name ends with `suffix` (`">my_fn"`), or None."""
    for table in (custom_objects or {}, _scope_dict(), _GLOBAL_CUSTOM_OBJECTS):
        for key, value in table.items():
            if key.endswith(suffix):
                return value
    return None
