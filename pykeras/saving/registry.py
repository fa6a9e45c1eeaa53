"""The closed set of classes and functions a config may name.

Configs written by Keras 3, tf.keras 2 or pykeras name objects by a module
path and a class name (`"keras.layers"` + `"Dense"`, `"keras.src.engine.
functional"` + `"Functional"`, ...). Only the family the module path points at
(layers, models, initializers, ...) is used to pick one of pykeras's own
objects here: no module named in a file is ever imported, so a config cannot
reach `os.system` or any other code outside this table.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from pykeras import (
    activations,
    constraints,
    initializers,
    layers,
    losses,
    metrics,
    optimizers,
    regularizers,
)
from pykeras.layers.op_layer import OpLayer
from pykeras.optimizers import schedules

# Module prefixes of the Keras distributions whose configs pykeras reads.
_KERAS_PACKAGES = (
    "keras",
    "pykeras",
    "tf_keras",
    "tensorflow.keras",
    "tensorflow.python.keras",
    "tf.keras",
)

# The first path segment after the package (and after `src.` / `api._v2.keras.`)
# names the family; `engine` held both layers and models in Keras 2.
_SEGMENT_KINDS = {
    # `keras.src.layers.preprocessing.feature_space` also holds FeatureSpace's
    # Feature and Cross specs (registered by `pykeras.utils`).
    "layers": ("layers", "models", "utils"),
    "utils": ("utils",),
    "engine": ("models", "layers"),
    "models": ("models", "layers"),
    "initializers": ("initializers",),
    "regularizers": ("regularizers",),
    "constraints": ("constraints",),
    "optimizers": ("optimizers", "schedules"),
    "losses": ("losses",),
    "metrics": ("metrics",),
    "activations": ("activations",),
    "ops": ("ops",),
}

# When a path says nothing more than `keras`, every family is searched, models first.
_ALL_KINDS = (
    "models",
    "layers",
    "optimizers",
    "schedules",
    "losses",
    "metrics",
    "initializers",
    "regularizers",
    "constraints",
    "activations",
)

_tables = None

# `pykeras.models`: it sits above saving (a `Model` saves itself through
# saving), so it registers itself here when imported. Saving builds its
# Functional and Sequential models from configs and tells the kinds apart.
_models: ModuleType | None = None


def register_models(module: ModuleType) -> None:
    """Called once by `pykeras.models` with itself."""
    global _models
    _models = module


# Classes of `pykeras.utils` that configs name (`keras.utils.FeatureSpace` and
# its specs): utils sits above saving, so it registers them when imported.
_utils_classes: dict[str, Any] = {}


def register_utils_classes(classes: dict[str, Any]) -> None:
    """Makes `classes` (`{class_name: class}`) loadable from configs (kind "utils")."""
    global _tables
    _utils_classes.update(classes)
    _tables = None


def models() -> Any:
    """The `pykeras.models` module (`Model`, `Functional`, `Sequential`)."""
    return _models


def _public(module: Any) -> Any:
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    return {name: getattr(module, name) for name in names if hasattr(module, name)}


def _classes(module: Any, base: Any) -> Any:
    return {
        name: obj
        for name, obj in _public(module).items()
        if isinstance(obj, type) and issubclass(obj, base)
    }


def _functions(module: Any, *homes: Any) -> Any:
    """Public functions of `module` defined in one of the `homes` packages (not helpers
    it merely imports)."""
    return {
        name: obj
        for name, obj in _public(module).items()
        if isinstance(obj, types.FunctionType) and obj.__module__.startswith(homes)
    }


def tables() -> dict[str, dict[str, Any]]:
    """`{kind: {name: object}}` for every family, built on first use."""
    global _tables
    if _tables is not None:
        return _tables
    layer_table = _classes(layers, layers.Layer)
    layer_table["OpLayer"] = OpLayer
    assert _models is not None, "pykeras.models registers the model classes"
    model_table = _classes(_models, _models.Model)
    _tables = {
        "layers": layer_table,
        "models": model_table,
        "initializers": _classes(initializers, initializers.Initializer),
        "regularizers": _classes(regularizers, regularizers.Regularizer),
        "constraints": _classes(constraints, constraints.Constraint),
        # OptimizerMap (a MultiOptimizer's config holds one) is no Optimizer.
        "optimizers": {
            **_classes(optimizers, optimizers.Optimizer),
            "OptimizerMap": optimizers.OptimizerMap,
        },
        "schedules": _classes(schedules, schedules.LearningRateSchedule),
        "losses": {
            **_classes(losses, losses.Loss),
            **_functions(losses, "pykeras.losses.functions"),
        },
        "metrics": {
            **_classes(metrics, metrics.Metric),
            **_functions(metrics, "pykeras.metrics.", "pykeras.losses.functions"),
        },
        "activations": _functions(activations, "pykeras.activations"),
        "ops": {},
        "utils": dict(_utils_classes),
    }
    for helper in ("get", "serialize", "deserialize", "reduce_weighted_values", "compute_fans"):
        for table in _tables.values():
            table.pop(helper, None)
    return _tables


def is_keras_module(module: str | None) -> bool:
    """Whether `module` is a path inside Keras, tf.keras or pykeras."""
    if not module:
        return False
    return any(module == p or module.startswith(p + ".") for p in _KERAS_PACKAGES)


def kinds_for_module(module: str) -> tuple[str, ...]:
    """The families a Keras module path can name, most likely first."""
    for prefix in sorted(_KERAS_PACKAGES, key=len, reverse=True):
        if module == prefix:
            return _ALL_KINDS
        if module.startswith(prefix + "."):
            rest = module[len(prefix) + 1 :].split(".")
            while rest and rest[0] in ("src", "api", "_v2", "keras", "_tf_keras", "python"):
                rest = rest[1:]
            if not rest:
                return _ALL_KINDS
            if rest[0] == "optimizers" and "schedules" in rest:
                return ("schedules", "optimizers")
            # `keras.saving`, `keras.dtype_policies`, ...: nothing pykeras builds from there.
            return _SEGMENT_KINDS.get(rest[0], ())
    return ()


def lookup(class_name: str, module: str | None = None, kinds: Sequence[str] | None = None) -> Any:
    """The pykeras object for `class_name` in the families `module` (or `kinds`) names.

    Returns:
        The class or function, or None if the registry has no such object.
    """
    if kinds is None:
        kinds = kinds_for_module(module) if module else _ALL_KINDS
    all_tables = tables()
    for kind in kinds:
        found = all_tables.get(kind, {}).get(class_name)
        if found is not None:
            return found
    return None


def kind_of(obj: Any) -> str | None:
    """The family a pykeras class or function belongs to, or None if it is not pykeras's."""
    for kind, table in tables().items():
        for value in table.values():
            if value is obj:
                return kind
    return None


def refusal(class_name: str, module: str | None, what: str = "class") -> Exception:
    """The ValueError for a config naming something outside the registry."""
    where = f" from module '{module}'" if module else ""
    known = sorted({n for t in tables().values() for n in t if n[0].isupper()})
    hint = difflib.get_close_matches(str(class_name), known, n=1)
    suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
    return ValueError(
        f"Refusing to deserialize {what} '{class_name}'{where}: it is not one of pykeras's "
        f"built-in objects, nor a registered or passed custom object.{suggestion} Loading never "
        "imports modules named in a file. If this is your own class or function, register it "
        "with `@pykeras.saving.register_keras_serializable()` or pass it in "
        f"`custom_objects={{'{class_name}': ...}}`."
    )
