"""Keras 3's public namespace (recorded in tests/reference/keras_namespace.json) beside pykeras's.

A helper for coverage checks and reports, not a test file. The JSON is written by
tests/reference/make_keras_namespace.py from real Keras 3; a Keras module
``keras.X`` maps to ``pykeras.X``. A name counts as present in pykeras only when
it exists there and is not an obvious stub (a function, or a class ``__init__``,
whose body does nothing but ``raise NotImplementedError``).
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import json
import pathlib
import textwrap
from dataclasses import dataclass, field

NAMESPACE_JSON = pathlib.Path(__file__).resolve().parents[1] / "reference" / "keras_namespace.json"


@functools.cache
def _load_cached(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load(path=None) -> dict:
    """The recorded namespace: ``{"versions", "modules", "not_public", ...}``.

    Cached; treat the result as read-only.
    """
    return _load_cached(str(path or NAMESPACE_JSON))


def keras_modules(data=None) -> list:
    """The recorded Keras module names, sorted (``"keras"``, ``"keras.layers"``, ...)."""
    return sorted((data or load())["modules"])


def keras_names(module: str, data=None) -> dict:
    """``{name: entry}`` of one Keras module's public names (submodules excluded)."""
    return (data or load())["modules"][module]["names"]


def pykeras_module_name(keras_module: str) -> str:
    """``keras.X`` -> ``pykeras.X``."""
    if keras_module != "keras" and not keras_module.startswith("keras."):
        raise ValueError(f"not a Keras module name: {keras_module!r}")
    return "pykeras" + keras_module[len("keras") :]


def import_pykeras_module(keras_module: str):
    """The pykeras module mapped from `keras_module`, or None when it does not exist."""
    name = pykeras_module_name(keras_module)
    try:
        return importlib.import_module(name)
    except ImportError:
        pass
    # Not importable by its dotted path; it may still be an attribute (e.g. an alias).
    parts = name.split(".")
    obj = importlib.import_module(parts[0])
    for part in parts[1:]:
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj if inspect.ismodule(obj) else None


def _only_raises_not_implemented(func) -> bool:
    try:
        source = textwrap.dedent(inspect.getsource(inspect.unwrap(func)))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError, ValueError):
        return False
    if not tree.body or not isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    body = list(tree.body[0].body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # docstring
    body = [s for s in body if not isinstance(s, ast.Pass)]
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    exc = body[0].exc
    if isinstance(exc, ast.Call):
        exc = exc.func
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def is_stub(obj) -> bool:
    """True for an obvious placeholder: a function, or a class whose own ``__init__``,
    does nothing but ``raise NotImplementedError``. Cheap and conservative."""
    if inspect.isclass(obj):
        init = obj.__dict__.get("__init__")
        return init is not None and inspect.isfunction(init) and _only_raises_not_implemented(init)
    if inspect.isfunction(obj) or inspect.ismethod(obj):
        return _only_raises_not_implemented(obj)
    return False


def _parameter_names(obj, is_class):
    target = obj.__init__ if is_class else obj
    params = list(inspect.signature(target).parameters.values())
    if (
        is_class
        and params
        and params[0].kind
        in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        )
    ):
        params = params[1:]  # self
    return {
        p.name
        for p in params
        if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    }


def missing_parameters(entry: dict, obj) -> list:
    """Keras's named parameters (not ``*args``/``**kwargs``) that `obj`'s signature lacks.

    `entry` is the Keras name's record; for classes the ``__init__`` signatures are
    compared. An empty list when either signature is unknown.
    """
    if "params" not in entry:
        return []
    try:
        have = _parameter_names(obj, inspect.isclass(obj))
    except (TypeError, ValueError):
        return []
    want = [
        p["name"] for p in entry["params"] if p["kind"] not in ("var-positional", "var-keyword")
    ]
    return [name for name in want if name not in have]


@dataclass
class ModuleCoverage:
    """How much of one Keras module pykeras has."""

    keras_module: str
    pykeras_module: str
    module_exists: bool
    keras_names: list
    present: list = field(default_factory=list)  # exist and are not stubs
    missing: list = field(default_factory=list)  # absent, or stubs
    stubs: list = field(default_factory=list)  # subset of missing
    signature_gaps: dict = field(default_factory=dict)  # present name -> missing params
    submodules: list = field(default_factory=list)  # Keras submodule attribute names
    submodules_present: list = field(default_factory=list)

    @property
    def coverage(self) -> float:
        """Percentage of the Keras names present (100 for a module with no names)."""
        if not self.keras_names:
            return 100.0
        return 100.0 * len(self.present) / len(self.keras_names)


def module_coverage(keras_module: str, data=None) -> ModuleCoverage:
    """Which of `keras_module`'s public names exist (for real) in the pykeras module."""
    data = data or load()
    record = data["modules"][keras_module]
    names = record["names"]
    module = import_pykeras_module(keras_module)
    result = ModuleCoverage(
        keras_module=keras_module,
        pykeras_module=pykeras_module_name(keras_module),
        module_exists=module is not None,
        keras_names=sorted(names),
        submodules=list(record["submodules"]),
    )
    for name in result.keras_names:
        obj = getattr(module, name, None) if module is not None else None
        if module is None or (obj is None and not hasattr(module, name)):
            result.missing.append(name)
        elif is_stub(obj):
            result.stubs.append(name)
            result.missing.append(name)
        else:
            result.present.append(name)
            gaps = missing_parameters(names[name], obj)
            if gaps:
                result.signature_gaps[name] = gaps
    for sub in result.submodules:
        if import_pykeras_module(f"{keras_module}.{sub}") is not None:
            result.submodules_present.append(sub)
    return result


def coverage(data=None) -> list:
    """`ModuleCoverage` of every recorded Keras module, sorted by module name."""
    data = data or load()
    return [module_coverage(name, data) for name in keras_modules(data)]
