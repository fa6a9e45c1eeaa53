"""Record Keras 3's public namespace (JAX backend) for pykeras's coverage checks.

This script needs the real Keras 3 package and JAX; it is a test *oracle* only
and is never imported by pykeras or its tests. The file it writes is committed,
so the coverage checks run without Keras.

How to run (CPU; a few seconds)::

    python3 -m venv /work/keras-env
    /work/keras-env/bin/pip install "keras==3.15.1" "jax==0.10.2"
    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_keras_namespace.py

Output: ``keras_namespace.json`` next to this script::

    {
     "versions": {"keras": ..., "jax": ..., "jaxlib": ..., "numpy": ..., "python": ...},
     "format": {...},          # this layout, in words
     "not_public": {...},      # modules asked about that Keras does not expose
     "excluded": {...},        # public-looking attributes left out, and why
     "modules": {
      "keras.layers": {
       "submodules": [...],    # attribute names that are public modules listed here too
       "names": {
        "Dense": {
         "kind": "class",      # function / class / module / constant
         "defined_in": "keras.src.layers.core.dense",
         "qualname": "Dense",
         "init": "Dense.__init__",  # classes only: whose __init__ gave params
         "params": [           # for classes: __init__ without ``self``
          {"name": "units", "kind": "positional", "default": null},
          {"name": "activation", "kind": "positional", "default": "None"},
          ...
          {"name": "kwargs", "kind": "var-keyword", "default": null}
         ]
        }, ...

Parameter kinds: ``positional-only``, ``positional`` (positional or keyword),
``var-positional`` (``*args``), ``keyword`` (keyword-only), ``var-keyword``
(``**kwargs``). ``default`` is the ``repr`` of the default value (memory
addresses masked as ``0x...``), or ``null`` when the parameter has none. A name
whose signature cannot be read has ``"signature_error"`` instead of ``params``.

Modules are found by walking the attributes of ``keras`` that are modules
named ``keras.*`` (``keras.src``, the implementation, is left out), checked
against ``pkgutil.walk_packages`` over the installed package so that no public
module is missed. The output is deterministic: re-running gives an identical file.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
import re
import sys
import types

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import keras  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "keras_namespace.json")

# Public-looking names that are not part of the API.
EXCLUDED = {
    "keras.src": "Keras's implementation package; its public parts are re-exported elsewhere",
    "keras._tf_keras": "tf.keras compatibility shim (private name)",
}
# Modules the pykeras brief asks about; recorded as not public when Keras lacks them.
ASKED = [
    "keras.ops.core",
    "keras.ops.math",
    "keras.preprocessing.text",
]

PARAM_KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: "positional-only",
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional",
    inspect.Parameter.VAR_POSITIONAL: "var-positional",
    inspect.Parameter.KEYWORD_ONLY: "keyword",
    inspect.Parameter.VAR_KEYWORD: "var-keyword",
}
ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def stable_repr(value):
    """`repr` with memory addresses masked, so regenerating gives no diff."""
    try:
        text = repr(value)
    except Exception as e:  # a default whose repr fails
        text = f"<unreprable {type(value).__name__}: {type(e).__name__}>"
    return ADDRESS.sub("0x...", text)


def is_public_module_name(name):
    return (name == "keras" or name.startswith("keras.")) and not any(
        name == ex or name.startswith(ex + ".") for ex in EXCLUDED
    )


def is_public_module(obj):
    return isinstance(obj, types.ModuleType) and is_public_module_name(obj.__name__)


def signature_params(obj, is_class):
    """The parameter list of `obj` (of `__init__` without `self` for a class)."""
    target = obj.__init__ if is_class else obj
    sig = inspect.signature(target)
    params = list(sig.parameters.values())
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
    out = []
    for p in params:
        default = None if p.default is inspect.Parameter.empty else stable_repr(p.default)
        out.append({"name": p.name, "kind": PARAM_KINDS[p.kind], "default": default})
    return out


def describe(obj):
    """One name's record: kind, where it is defined, and its signature."""
    if isinstance(obj, types.ModuleType):
        return {"kind": "module", "target": obj.__name__}
    is_class = inspect.isclass(obj)
    if is_class:
        kind = "class"
    elif callable(obj):
        kind = "function"
    else:
        kind = "constant"
    entry = {"kind": kind}
    if kind == "constant":
        entry["type"] = type(obj).__name__
        if isinstance(obj, (bool, int, float, str, type(None))):
            entry["value"] = stable_repr(obj)
        return entry
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if isinstance(module, str):
        entry["defined_in"] = module
    if isinstance(qualname, str):
        entry["qualname"] = qualname
    if is_class:
        init_qualname = getattr(obj.__init__, "__qualname__", None)
        if isinstance(init_qualname, str):
            entry["init"] = init_qualname  # "object.__init__" when the class has none
    if not (inspect.isfunction(obj) or is_class or inspect.isbuiltin(obj)):
        entry["type"] = type(obj).__name__  # a callable object, e.g. a wrapped function
    try:
        entry["params"] = signature_params(obj, is_class)
    except Exception as e:
        entry["signature_error"] = f"{type(e).__name__}: {e}"
    return entry


def discover():
    """Every public Keras module, by walking module attributes from `keras`."""
    found = {}
    stack = [keras]
    while stack:
        module = stack.pop()
        if module.__name__ in found:
            continue
        found[module.__name__] = module
        for name in dir(module):
            if name.startswith("_"):
                continue
            value = getattr(module, name, None)
            if is_public_module(value):
                stack.append(value)
    # Cross-check against the installed package's files: import any public
    # module that no attribute reaches.
    for info in pkgutil.walk_packages(keras.__path__, "keras."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts) or not is_public_module_name(info.name):
            continue
        if info.name not in found:
            try:
                found[info.name] = importlib.import_module(info.name)
                print(f"note: {info.name} is importable but not an attribute of its parent")
            except Exception as e:
                print(f"note: {info.name} failed to import: {type(e).__name__}: {e}")
    return found


def record_module(module):
    submodules = []
    names = {}
    excluded = {}
    for name in sorted(dir(module)):
        if name.startswith("_"):
            continue
        try:
            value = getattr(module, name)
        except Exception as e:
            names[name] = {"kind": "unknown", "error": f"{type(e).__name__}: {e}"}
            continue
        if isinstance(value, types.ModuleType):
            if is_public_module(value):
                submodules.append(name)
                continue
            if value.__name__ in EXCLUDED:
                excluded[name] = EXCLUDED[value.__name__]
                continue
        names[name] = describe(value)
    return {"submodules": submodules, "names": names}, excluded


def main():
    assert keras.backend.backend() == "jax", "run with KERAS_BACKEND=jax"
    import jax
    import jaxlib

    modules = discover()
    not_public = {}
    for name in ASKED:
        if name in modules:
            continue
        try:
            importlib.import_module(name)
            reason = "importable, but not reached from keras's public attributes"
        except ImportError as e:
            reason = f"not importable: {type(e).__name__}: {e}"
        not_public[name] = reason

    records = {}
    excluded = {}
    for name in sorted(modules):
        records[name], skipped = record_module(modules[name])
        for attr, why in skipped.items():
            excluded[f"{name}.{attr}"] = why

    out = {
        "versions": {
            "keras": keras.__version__,
            "jax": jax.__version__,
            "jaxlib": getattr(jaxlib, "__version__", "?"),
            "numpy": np.__version__,
            "python": sys.version.split()[0],
            "backend": keras.backend.backend(),
        },
        "format": {
            "modules": "dotted module name -> {submodules, names}",
            "submodules": "attribute names that are public Keras modules, each listed in modules",
            "kind": "function / class / module / constant",
            "defined_in, qualname": "where the object is defined (finds aliases)",
            "init": "classes: qualname of the __init__ that gave params (object.__init__: none)",
            "params": "for classes, __init__ without self; default is a repr or null (none)",
            "param kinds": "positional-only, positional, var-positional, keyword, var-keyword",
        },
        "not_public": not_public,
        "excluded": excluded,
        "modules": records,
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")

    print(f"Keras {keras.__version__}, JAX {jax.__version__}")
    print(f"{'module':42s} {'names':>6s} {'func':>5s} {'class':>5s} {'const':>5s} {'subm':>5s}")
    total = 0
    for name, rec in records.items():
        kinds = [e["kind"] for e in rec["names"].values()]
        total += len(kinds)
        print(
            f"{name:42s} {len(kinds):6d} {kinds.count('function'):5d} {kinds.count('class'):5d}"
            f" {kinds.count('constant'):5d} {len(rec['submodules']):5d}"
        )
    errors = sum("signature_error" in e for rec in records.values() for e in rec["names"].values())
    print(f"{len(records)} modules, {total} names, {errors} unreadable signatures")
    print(f"not public: {sorted(not_public)}")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
