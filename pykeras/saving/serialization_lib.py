"""Objects to configs and back, in Keras 3's format.

A serialized object is `{"module", "class_name", "config", "registered_name"}`
(plus `build_config` / `compile_config` for layers and models), exactly as
Keras 3 writes it, so configs move between pykeras and Keras both ways.
Reading also accepts tf.keras 2's configs (no `module` key, `Functional` or
`Model` class names, `keras.engine...` paths).

Deserializing resolves names only against pykeras's registry and the user's
custom objects (see `registry`); it never imports a module named in a config.
"""

from __future__ import annotations

import threading
import types
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from pykeras import config
from pykeras.backend.variable import Variable
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.errors import FileFormatError
from pykeras.layers import serialization as layer_serialization
from pykeras.layers.core.lambda_layer import Lambda
from pykeras.layers.layer import Layer
from pykeras.saving import config_checks as checks
from pykeras.saving import function_serialization as fn_lib
from pykeras.saving import keras_compat, keras_ops, object_registration, registry

_local = threading.local()

# Where pykeras's built-in classes live in Keras's public namespace.
_PUBLIC_MODULES = {
    "layers": "keras.layers",
    "initializers": "keras.initializers",
    "regularizers": "keras.regularizers",
    "constraints": "keras.constraints",
    "optimizers": "keras.optimizers",
    "schedules": "keras.optimizers.schedules",
    "losses": "keras.losses",
    "metrics": "keras.metrics",
    "utils": "keras.utils",
}
# Models as Keras 3 names them (module, registered_name).
_MODEL_LOCATIONS = {
    "Functional": ("keras.src.models.functional", "Functional"),
    "Sequential": ("keras", None),
    "Model": ("keras", None),
}
_DTYPE_POLICIES = ("DTypePolicy", "FloatDTypePolicy", "Policy")
# pykeras classes Keras has no counterpart of: written under pykeras's own module.
_PYKERAS_ONLY = ("OpLayer",)


class SafeModeScope:
    """Sets whether deserialization may run code stored in a config (lambdas).

    Args:
        safe_mode: True (the default) refuses stored bytecode; False allows it.

    Example:

    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda x: 2 * x)])
    >>> trusted_json = model.to_json()  # a lambda's bytecode: trust only your own
    >>> with SafeModeScope(False):
    ...     model = pykeras.models.model_from_json(trusted_json)
    """

    def __init__(self, safe_mode: bool = True) -> None:
        self.safe_mode = safe_mode
        self._backup = None

    def __enter__(self) -> SafeModeScope:
        self._backup = getattr(_local, "safe_mode", None)
        _local.safe_mode = self.safe_mode
        return self

    def __exit__(self, *exc: Any) -> None:
        _local.safe_mode = self._backup


def set_global_safe_mode(safe_mode: bool | None) -> None:
    """The safe mode in force outside any `SafeModeScope` (None: each call's own);
    kept in `pykeras.config`, which `enable_unsafe_deserialization()` sets."""
    config.set_global_safe_mode(safe_mode)


def in_safe_mode() -> bool | None:
    """The safe mode of the innermost `SafeModeScope`, else the global one
    (`enable_unsafe_deserialization`), else None."""
    scoped = getattr(_local, "safe_mode", None)
    return config.global_safe_mode() if scoped is None else scoped


class TensorReference:
    """A `__keras_tensor__` entry of a config: the output of a layer call a node uses.

    Args:
        shape: the tensor's shape.
        dtype: its dtype.
        history: `[layer_name, node_index, tensor_index]`.
    """

    def __init__(self, shape: Sequence[int | None] | None, dtype: Any, history: Any) -> None:
        self.shape = None if shape is None else tuple(shape)
        self.dtype = dtype
        # (layer name, node index, tensor index), or None.
        self.history: tuple[str, int, int] | None = history

    def __repr__(self) -> str:
        return f"<TensorReference {self.history}>"


# ---------------------------------------------------------------- serializing


def serialize_keras_object(obj: Any) -> Any:
    """The config dict (or plain value) that describes `obj`, in Keras 3's format.

    Args:
        obj: a layer, model, optimizer, loss, metric, initializer, regularizer,
            constraint, function, or a plain value / list / dict of them.

    Returns:
        A JSON-serializable structure; `deserialize_keras_object` rebuilds `obj`.

    Example:

    >>> serialize_keras_object(pykeras.initializers.Zeros())["class_name"]
    'Zeros'
    """
    if obj is None:
        return obj
    for plain in (bool, int, float, str):
        if isinstance(obj, plain):
            # Subclasses (an optimizer's `Float`, numpy's bool_) as the plain type,
            # so that JSON and YAML's safe dumper take them.
            return plain(obj)
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, Variable):
        obj = obj.numpy()
    if isinstance(obj, np.ndarray):
        if obj.ndim == 0:
            return obj.item()
        return {
            "class_name": "__numpy__",
            "config": {"value": obj.tolist(), "dtype": str(obj.dtype)},
        }
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, slice):
        parts = {k: serialize_keras_object(getattr(obj, k)) for k in ("start", "stop", "step")}
        return {"class_name": "__slice__", "config": parts}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(obj, KerasTensor):
        history = obj._keras_history
        keras_history = None if history is None else [history[0].name, history[1], history[2]]
        config = {"shape": list(obj.shape), "dtype": obj.dtype, "keras_history": keras_history}
        return {"class_name": "__keras_tensor__", "config": config}
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        if fn_lib.is_lambda(obj):
            return {"class_name": "__lambda__", "config": {"value": list(fn_lib.dump_lambda(obj))}}
        return fn_lib.serialize_function(obj)
    if hasattr(obj, "get_config"):
        return _serialize_object(obj)
    raise TypeError(
        f"Cannot serialize {obj!r}: objects of type {type(obj).__name__} have no "
        "`get_config()`. Give the class `get_config` / `from_config` methods."
    )


def _location(cls: Any) -> tuple[str, Any]:
    """`(module, registered_name)` under which `cls` is written."""
    if object_registration.is_registered(cls):
        return cls.__module__, object_registration.get_registered_name(cls)
    if cls.__name__ in _DTYPE_POLICIES and cls.__module__.startswith("pykeras.dtype_policies"):
        return "keras", None  # as Keras writes `keras.DTypePolicy` in layer configs
    kind = registry.kind_of(cls)
    if cls.__name__ in _PYKERAS_ONLY:
        return f"pykeras.{kind}", None
    if kind == "models" and cls.__name__ in _MODEL_LOCATIONS:
        return _MODEL_LOCATIONS[cls.__name__]
    if kind in _PUBLIC_MODULES:
        return _PUBLIC_MODULES[kind], None
    # An unregistered user class: loading needs it in `custom_objects`.
    return cls.__module__, cls.__name__


def _serialize_object(obj: Any) -> Any:
    config = obj.get_config()
    for hook in _SERIALIZE_HOOKS:
        config = hook(obj, config)
    module, registered_name = _location(type(obj))
    result = {
        "module": module,
        # A class Keras exports under another name (GroupedQueryAttention is
        # keras.layers.GroupQueryAttention) is written under that name.
        "class_name": vars(type(obj)).get("_keras_export_name", type(obj).__name__),
        "config": serialize_keras_object(config),
        "registered_name": registered_name,
    }
    if isinstance(obj, Layer):
        build_config = get_build_config(obj)
        if build_config is not None:
            result["build_config"] = serialize_keras_object(build_config)
    get_compile_config = getattr(obj, "get_compile_config", None)
    if callable(get_compile_config):
        compile_config = get_compile_config()
        if compile_config is not None:
            result["compile_config"] = serialize_keras_object(compile_config)
    return result


def get_build_config(layer: Any) -> dict[str, Any] | None:
    """`{"input_shape": ...}` for a built layer (or the layer's own `get_build_config`)."""
    own = getattr(layer, "get_build_config", None)
    if callable(own):
        return own()
    shapes = getattr(layer, "_build_shapes_dict", None)
    if not layer.built or shapes is None:
        return None
    return {"input_shape": _shape_lists(shapes)}


def _shape_lists(shapes: Any) -> Any:
    if isinstance(shapes, dict):
        return {k: _shape_lists(v) for k, v in shapes.items()}
    if isinstance(shapes, (list, tuple)):
        return [_shape_lists(s) for s in shapes]
    return shapes


def _lambda_config(obj: Any, config: Any) -> Any:
    """Lambda layers: the function as Keras stores it (a reference, or bytecode for a lambda)."""
    if not isinstance(obj, Lambda):
        return config
    config = dict(config)
    config["function"] = _function_config(obj.function)
    output_shape = getattr(obj, "_output_shape", None)
    if callable(output_shape):
        config["output_shape"] = _function_config(output_shape)
    elif output_shape is not None:
        config["output_shape"] = list(output_shape)
    return config


def _function_config(fn: Callable[..., Any]) -> Any:
    if fn_lib.is_lambda(fn):
        code, defaults, closure = fn_lib.dump_lambda(fn)
        inner = {"code": code, "defaults": defaults, "closure": closure}
        return {"class_name": "__lambda__", "config": serialize_keras_object(inner)}
    return fn_lib.serialize_function(fn)


def _user_functions(obj: Any, config: Any) -> Any:
    """Attributes holding the user's functions (a custom `activation`, ...) that the
    object's own `get_config` wrote as a bare name: written as references instead,
    so that loading resolves them through the registry or `custom_objects`."""
    replaced = None
    for key, value in config.items():
        if not isinstance(value, str):
            continue
        try:
            fn = getattr(obj, key, None)
        except Exception:  # a property that cannot be computed here is not a function
            continue
        if isinstance(fn, types.FunctionType) and fn.__name__ == value:
            if registry.kind_of(fn) is None and not fn_lib.is_lambda(fn):
                replaced = dict(config) if replaced is None else replaced
                replaced[key] = fn_lib.serialize_function(fn)
    return config if replaced is None else replaced


_SERIALIZE_HOOKS = [_lambda_config, _user_functions]


# -------------------------------------------------------------- deserializing


def deserialize_keras_object(
    config: Any,
    custom_objects: dict[str, Any] | None = None,
    safe_mode: bool = True,
    **kwargs: Any,
) -> Any:
    """Rebuilds the object a config from `serialize_keras_object` (or Keras) describes.

    Args:
        config: the serialized object (dict), or a plain value / list.
        custom_objects: a dict of names to the user's classes and functions.
        safe_mode: refuse Python bytecode stored in the config (lambdas).
            An enclosing `SafeModeScope` takes precedence, as in Keras.

    Returns:
        The object.

    Raises:
        ValueError: the config names a class or function outside pykeras's
            registry and the user's custom objects, or stores bytecode in safe mode.

    Example:

    >>> layer = deserialize_keras_object(serialize_keras_object(keras.layers.Dense(2)))
    >>> type(layer).__name__
    'Dense'
    """
    scoped = in_safe_mode()
    safe_mode = scoped if scoped is not None else safe_mode
    kinds = kwargs.pop("kinds", None)
    return _Deserializer(custom_objects or {}, safe_mode).run(config, kinds)


class _Deserializer:
    def __init__(self, custom_objects: dict[str, Any], safe_mode: bool) -> None:
        self.custom_objects = custom_objects
        self.safe_mode = safe_mode

    def run(self, config: Any, kinds: Sequence[str] | None = None) -> Any:
        if config is None or isinstance(config, (bool, int, float)):
            return config
        if isinstance(config, str):
            return self._named(config)
        if isinstance(config, (list, tuple)):
            return [self.run(x) for x in config]
        if not isinstance(config, dict):
            if hasattr(config, "get_config") or callable(config):
                # Already an object (nested objects of a config reach a user's
                # `from_config` rebuilt), so `from_config` written for Keras works too.
                return config
            raise TypeError(f"Could not parse config: {config!r}")
        if "class_name" not in config or "config" not in config:
            return {k: v if k == "name" else self.run(v) for k, v in config.items()}
        checks.check_names(config)
        special = self._special(config)
        if special is not _NOT_SPECIAL:
            return special
        return self._object(config, kinds)

    def _special(self, config: Any) -> Any:
        class_name = config["class_name"]
        if class_name == "function":
            return fn_lib.deserialize_function(config, self.custom_objects)
        if class_name in _DTYPE_POLICIES:
            return keras_compat.dtype_name(config, "a dtype policy")
        if not class_name.startswith("__"):
            return _NOT_SPECIAL
        inner = checks.inner_dict(config)
        if class_name == "__keras_tensor__":
            shape, history = inner.get("shape"), inner.get("keras_history")
            if not (shape is None or isinstance(shape, (list, tuple))):
                raise checks.malformed(class_name, "'shape' to be a list", shape)
            if not (history is None or (isinstance(history, (list, tuple)) and len(history) == 3)):
                raise checks.malformed(
                    class_name,
                    "'keras_history' to be [layer_name, node_index, tensor_index]",
                    history,
                )
            return TensorReference(shape, inner.get("dtype"), history)
        if class_name in ("__numpy__", "__tensor__"):
            if "value" not in inner:
                raise checks.malformed(class_name, "a 'value'", inner)
            return np.array(
                inner["value"], dtype=checks.plain_dtype(inner.get("dtype"), class_name)
            )
        if class_name == "__bytes__":
            if not isinstance(inner.get("value"), str):
                raise checks.malformed(class_name, "a string 'value'", inner.get("value"))
            return inner["value"].encode("utf-8")
        if class_name == "__ellipsis__":
            return Ellipsis
        if class_name == "__slice__":
            parts = [self.run(inner.get(k)) for k in ("start", "stop", "step")]
            if not all(
                p is None or (isinstance(p, int) and not isinstance(p, bool)) for p in parts
            ):
                raise checks.malformed(class_name, "int or null 'start', 'stop' and 'step'", inner)
            return slice(*parts)
        if class_name == "__lambda__":
            return _load_lambda_config(inner, self.safe_mode, "a lambda in the config")
        if class_name == "__typespec__":
            raise ValueError("TensorFlow TypeSpecs in configs are not supported by pykeras.")
        return _NOT_SPECIAL

    def _resolve(self, config: Any, kinds: Any) -> Any:
        class_name = config["class_name"]
        module = config.get("module")
        registered_name = config.get("registered_name")
        cls = object_registration.lookup_custom([registered_name, class_name], self.custom_objects)
        if cls is None and (module is None or registry.is_keras_module(module)):
            cls = registry.lookup(class_name, module, None if module else kinds)
        if cls is None:
            if class_name in ("TFOpLambda", "SlicingOpLambda"):
                raise ValueError(
                    f"The config holds a tf.keras '{class_name}' layer (a raw TensorFlow op "
                    "applied to a Keras tensor), which pykeras cannot rebuild. Replace the op "
                    "with a Keras layer or a `Lambda` in the original model."
                )
            raise registry.refusal(class_name, module)
        return cls

    def _object(self, config: Any, kinds: Any) -> Any:
        model_class = registry.models().Model

        module = config.get("module")
        class_name = config["class_name"]
        inner = checks.inner_dict(config)
        if module and registry.kinds_for_module(module) == ("ops",):
            # An op Keras 3 applied to symbolic tensors (`x * 2.0`) in a Functional model.
            return keras_ops.op_from_config(class_name, inner, module)
        cls = self._resolve(config, kinds)
        if not isinstance(cls, type):
            return cls  # a function registered or passed under a class name
        kind = registry.kind_of(cls)
        if kind is None and issubclass(cls, Layer):
            kind = "models" if issubclass(cls, model_class) else "layers"
        if issubclass(cls, Lambda):
            inner = self._lambda_inner(inner)
        inner = keras_compat.clean_config(cls.__name__, kind, inner)
        for key in checks.SHAPE_KEYS:
            if key in inner and inner[key] is not None:
                checks.check_shape(inner[key], f"{class_name} `{key}`")
        if not (issubclass(cls, model_class) and _is_graph_config(cls, inner)):
            # Layers, subclassed models and other objects take nested objects as
            # instances (layers, initializers, regularizers, schedules, ...), so their
            # `from_config` works as `cls(**config)`; Functional and Sequential
            # configs list layers that the model rebuilds itself.
            inner = {k: v if k == "name" else self._nested(v) for k, v in inner.items()}
        if not hasattr(cls, "from_config"):
            raise TypeError(
                f"Cannot rebuild '{class_name}': the class has no `from_config()` method."
            )
        build_config, compile_config = config.get("build_config"), config.get("compile_config")
        for key, value in (("build_config", build_config), ("compile_config", compile_config)):
            if value is not None and not isinstance(value, dict):
                raise checks.malformed(class_name, f"'{key}' to be a dict", value)
        scope = object_registration.CustomObjectScope(self.custom_objects)
        with scope, SafeModeScope(self.safe_mode):
            try:
                instance = cls.from_config(inner)
            except TypeError as e:
                raise TypeError(
                    f"{class_name} could not be rebuilt from its config: {e}. Make sure "
                    "`get_config()` returns every argument of the constructor, or define "
                    f"`from_config(cls, config)`. Config: {inner}"
                ) from e
            except checks.CONFIG_FAULTS as e:
                raise checks.unbuildable(class_name, "rebuilt from its config", e, inner) from e
            try:
                if build_config and isinstance(instance, Layer) and not instance.built:
                    build_from_config(instance, build_config)
                if compile_config and hasattr(instance, "compile_from_config"):
                    instance.compile_from_config(compile_config)
            except checks.CONFIG_FAULTS as e:
                raise checks.unbuildable(class_name, "built or compiled", e, config) from e
        return instance

    def _nested(self, value: Any) -> Any:
        if isinstance(value, dict) and "class_name" in value and "config" in value:
            return self.run(value)
        if isinstance(value, list):
            return [self._nested(v) for v in value]
        if isinstance(value, dict):
            return {k: self._nested(v) for k, v in value.items()}
        if isinstance(value, str):
            return self._named(value)
        return value

    def _named(self, value: Any) -> Any:
        """A string naming one of the user's objects (a custom activation, loss, ...)
        is that object, as in Keras; any other string stays a string."""
        found = object_registration.lookup_custom([value], self.custom_objects)
        return value if found is None else found

    def _lambda_inner(self, inner: Any) -> Any:
        owner = f"Lambda layer '{inner.get('name')}'"
        function = inner.get("function")
        if inner.get("function_type") == "lambda" and isinstance(function, (list, tuple)):
            code, defaults, closure = (list(function) + [None, None])[:3]
            inner["function"] = fn_lib.load_lambda(code, defaults, closure, self.safe_mode, owner)
        elif isinstance(function, dict) and function.get("class_name") == "__lambda__":
            inner["function"] = _load_lambda_config(function.get("config"), self.safe_mode, owner)
        elif isinstance(function, (dict, str)):
            inner["function"] = fn_lib.deserialize_function(function, self.custom_objects, owner)
        output_shape = inner.get("output_shape")
        if inner.get("output_shape_type") == "lambda" and isinstance(output_shape, list):
            code, defaults, closure = (list(output_shape) + [None, None])[:3]
            inner["output_shape"] = fn_lib.load_lambda(
                code, defaults, closure, self.safe_mode, owner
            )
        elif isinstance(output_shape, dict) and output_shape.get("class_name") == "__lambda__":
            inner["output_shape"] = _load_lambda_config(
                output_shape.get("config"), self.safe_mode, owner
            )
        elif isinstance(output_shape, dict):
            inner["output_shape"] = fn_lib.deserialize_function(
                output_shape, self.custom_objects, owner
            )
        elif isinstance(output_shape, list):
            inner["output_shape"] = tuple(output_shape)
        if "arguments" in inner:
            inner["arguments"] = self.run(inner["arguments"] or {})
        inner.pop("mask", None)
        return inner


_NOT_SPECIAL = object()


def _is_graph_config(cls: type[Any], inner: Any) -> bool:
    """Whether a model config is a Functional or Sequential one (layers listed by config)."""
    models = registry.models()
    if cls is models.Model or issubclass(cls, (models.Functional, models.Sequential)):
        return True
    return isinstance(inner.get("layers"), list) and "input_layers" in inner


def _load_lambda_config(inner: Any, safe_mode: Any, owner: Any) -> Any:
    if not isinstance(inner, dict):
        raise checks.malformed("__lambda__", "a dict 'config'", inner)
    if "value" in inner:
        value = inner["value"]
        if not isinstance(value, (list, tuple)):
            raise checks.malformed("__lambda__", "'value' to be [code, defaults, closure]", value)
        code, defaults, closure = (list(value) + [None, None])[:3]
    else:
        code, defaults, closure = inner.get("code"), inner.get("defaults"), inner.get("closure")
    return fn_lib.load_lambda(code, defaults, closure, safe_mode, owner)


def build_from_config(layer: Any, build_config: dict[str, Any]) -> None:
    """Creates a layer's weights from its `build_config` (`{"input_shape": ...}`)."""
    own = getattr(layer, "build_from_config", None)
    if callable(own):
        own(build_config)
        return
    if "input_shape" in build_config:
        shape = _shape_tuples(build_config["input_shape"])
    elif "shapes_dict" in build_config:
        shapes_dict = build_config["shapes_dict"]
        if not isinstance(shapes_dict, dict) or not shapes_dict:
            raise FileFormatError(
                f"The build config of layer '{layer.name}' needs a non-empty dict 'shapes_dict'. "
                f"Received: {shapes_dict!r:.200}"
            )
        shapes = list(shapes_dict.values())
        shape = _shape_tuples(shapes[0] if len(shapes) == 1 else shapes)
    else:
        return
    if shape is None:
        return
    checks.check_shapes(shape, f"The build config of layer '{layer.name}'")
    layer.build(shape)
    layer.built = True
    layer._build_shapes_dict = shape


def _shape_tuples(value: Any) -> Any:
    """JSON shapes back to tuples: `[None, 3]` -> `(None, 3)`; lists of shapes stay lists."""
    if isinstance(value, dict):
        return {k: _shape_tuples(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if all(d is None or isinstance(d, int) for d in value):
            return tuple(value)
        return [_shape_tuples(v) for v in value]
    return value


# Layers that hold layers (and `keras.layers.serialize`) write and read them
# through these; layers sit below saving.
layer_serialization.set_serialization(serialize_keras_object, deserialize_keras_object)
