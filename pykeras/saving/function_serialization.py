"""Functions inside configs: by name where possible, as bytecode only when the user asks.

A named function is stored as a reference (`{"class_name": "function",
"config": name, ...}`) and resolved on load against pykeras's own functions and
the user's custom objects only. A Python `lambda` has no name to resolve, so
Keras stores its marshalled bytecode; loading that means running code that
came from the file, which is refused unless the caller passes
`safe_mode=False` (and even then, only do so for files you trust as you would
trust a Python script: the bytecode can do anything Python can).
"""

from __future__ import annotations

import base64
import builtins
import marshal
import types
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy

from pykeras import ops
from pykeras.errors import FileFormatError
from pykeras.saving import object_registration, registry

# The `pykeras` package, which loaded lambdas see as `keras` and `pykeras`:
# pykeras/__init__.py, the top of every layer, sets it once it is imported.
_PACKAGE = None


def set_lambda_package(package: ModuleType) -> None:
    """Called once by pykeras/__init__.py with the `pykeras` module."""
    global _PACKAGE
    _PACKAGE = package


# Families whose functions a reference may name (Keras 3's `BUILTIN_MODULES` that hold
# functions pykeras has).
_FUNCTION_KINDS = ("activations", "losses", "metrics")


def is_lambda(fn: object) -> bool:
    return isinstance(fn, types.FunctionType) and fn.__name__ == "<lambda>"


def serialize_function(fn: Callable[..., Any]) -> dict[str, Any]:
    """A reference to a named function, exactly as Keras 3 writes one: module
    `builtins`, registered name `function`, and in `config` the name (the
    `"package>name"` of a registered function)."""
    name = object_registration.get_registered_name(fn) or fn.__name__
    return {
        "module": "builtins",
        "class_name": "function",
        "config": name,
        "registered_name": "function",
    }


def dump_lambda(fn: Callable[..., Any]) -> Any:
    """`(code, defaults, closure)` as Keras's `func_dump` makes them (base64 marshal)."""
    warnings.warn(
        "The object being serialized includes a `lambda`, stored as Python bytecode. Loading it "
        "back needs `safe_mode=False` and the same Python version; prefer a named function "
        "registered with `register_keras_serializable`.",
        stacklevel=3,
    )
    code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
    closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
    return code, fn.__defaults__, closure


def load_lambda(
    code: Any,
    defaults: Any = None,
    closure: Any = None,
    safe_mode: bool = True,
    owner: str = "a Lambda layer",
) -> Callable[..., Any]:
    """Rebuilds a function from Keras's `func_dump` form; refused in safe mode.

    Raises:
        ValueError: in safe mode, or when the bytecode does not load (another
            Python version wrote it, or it is corrupt).
    """
    if safe_mode:
        raise ValueError(
            f"Refusing to load {owner} whose function is stored as Python bytecode: running it "
            "could execute arbitrary code from the file. If you trust the file's source, "
            "pass `safe_mode=False` to the loading function."
        )
    try:
        raw = base64.b64decode(code.encode("ascii") if isinstance(code, str) else code)
        fn_code = marshal.loads(raw)
    except (ValueError, EOFError, TypeError) as e:
        raise ValueError(
            f"Cannot load the bytecode of {owner}: it was written by another Python version or "
            f"is corrupt ({e}). Rebuild the layer with its function instead."
        ) from e
    if not isinstance(fn_code, types.CodeType):
        raise ValueError(f"The stored function of {owner} is not Python bytecode.")
    cells = None
    if closure is not None:
        cells = tuple(types.CellType(value) for value in closure)
    # Globals the usual Keras lambdas reach for (`keras.ops.x`, `ops.x`, `np.x`).
    package = _PACKAGE
    globs = {"__builtins__": builtins, "keras": package, "pykeras": package, "ops": ops}
    globs["np"] = numpy
    defaults = tuple(defaults) if defaults is not None else None
    return types.FunctionType(fn_code, globs, fn_code.co_name, defaults, cells)


def deserialize_function(
    config: Any, custom_objects: dict[str, Any] | None = None, owner: str = "a config"
) -> Callable[..., Any]:
    """Resolves a function reference (Keras 3's, tf.keras 2's bare name, or pykeras's)
    against the user's objects and pykeras's functions; never by importing its module."""
    if isinstance(config, str):
        config = {"class_name": "function", "config": config, "module": None}
    name = config.get("config")
    registered = config.get("registered_name")
    module = config.get("module")
    names_ok = all(v is None or isinstance(v, str) for v in (registered, module))
    if not isinstance(name, str) or not names_ok:
        raise FileFormatError(
            f"Cannot read the function reference in {owner}: expected a function name and "
            f"string or null 'module' and 'registered_name'. Received: {config!r:.200}"
        )
    explicit = registered if registered not in (None, "function") else None
    found = object_registration.lookup_custom([explicit, name], custom_objects)
    if found is not None:
        return found
    if module in (None, "builtins"):
        found = registry.lookup(name, kinds=_FUNCTION_KINDS)
    elif registry.is_keras_module(module):
        found = registry.lookup(name, module)
    if found is None and ">" not in name:
        # A function registered as "package>name" but referred to by its bare name.
        found = object_registration.lookup_suffix(f">{name}", custom_objects)
    if found is not None and callable(found):
        return found
    raise registry.refusal(name, module, what=f"function (in {owner})")
