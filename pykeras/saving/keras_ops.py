"""Ops applied to symbolic tensors (`x * 2.0`, `keras.ops.relu(x)`) inside Functional
models, in Keras 3's config form.

Keras 3 records such a call as an operation of `keras.src.ops.numpy` (or `.nn`,
`.math`, `.core`, `.linalg`, `.image`): `{"module": "keras.src.ops.numpy",
"class_name": "Multiply", "config": {"name": "multiply"}}`, called on `[tensor,
2.0]`; pykeras records an `OpLayer` holding the primitive op.

- Reading: Keras names each op class after its function (`ExpandDims` is
  `keras.ops.expand_dims`), so a class is applied by calling the `pykeras.ops`
  function of that name with the class's config as keyword arguments; every
  `keras.ops` function pykeras has is read this way.
- Writing: `TO_KERAS` maps the primitives that have a Keras op class; other
  pykeras op layers are written as pykeras `OpLayer`s (which Keras cannot read).
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable
from typing import Any

from pykeras.layers.op_layer import OpLayer

# pykeras primitive op -> (Keras module, Keras class, the op attributes Keras takes as
# constructor arguments under the same names).
_NUMPY = "keras.src.ops.numpy"
_NN = "keras.src.ops.nn"
TO_KERAS = {
    "add": (_NUMPY, "Add", ()),
    "sub": (_NUMPY, "Subtract", ()),
    "mul": (_NUMPY, "Multiply", ()),
    "div": (_NUMPY, "Divide", ()),
    "matmul": (_NUMPY, "Matmul", ()),
    "maximum": (_NUMPY, "Maximum", ()),
    "minimum": (_NUMPY, "Minimum", ()),
    "tanh": (_NUMPY, "Tanh", ()),
    "sqrt": (_NUMPY, "Sqrt", ()),
    "square": (_NUMPY, "Square", ()),
    "abs": (_NUMPY, "Absolute", ()),
    "neg": (_NUMPY, "Negative", ()),
    "log": (_NUMPY, "Log", ()),
    "exponential": (_NUMPY, "Exp", ()),
    "mean": (_NUMPY, "Mean", ("axis", "keepdims")),
    "sum": (_NUMPY, "Sum", ("axis", "keepdims")),
    "max": (_NUMPY, "Max", ("axis", "keepdims")),
    "relu": (_NN, "Relu", ()),
    "sigmoid": (_NN, "Sigmoid", ()),
    "softplus": (_NN, "Softplus", ()),
    "selu": (_NN, "Selu", ()),
    "silu": (_NN, "Silu", ()),
    "softmax": (_NN, "Softmax", ("axis",)),
    "log_softmax": (_NN, "LogSoftmax", ("axis",)),
    "elu": (_NN, "Elu", ("alpha",)),
    "gelu": (_NN, "Gelu", ("approximate",)),
    "leaky_relu": (_NN, "LeakyRelu", ("negative_slope",)),
}


def keras_form(layer: Any) -> tuple[str, str, dict[str, Any]] | None:
    """`(module, class_name, config)` Keras 3 uses for this pykeras op layer, or None."""
    if not isinstance(layer, OpLayer) or layer.op_name not in TO_KERAS or layer.index_inputs:
        return None
    module, class_name, arg_names = TO_KERAS[layer.op_name]
    if not set(layer.attrs) <= set(arg_names):
        return None
    return module, class_name, {"name": layer.name, **layer.attrs}


def operands(layer: Any, tensors: Any) -> list[Any]:
    """The op's operands in order, `tensors` (its inputs) placed in their slots."""
    it = iter(tensors)
    return [next(it) if slot else c for slot, c in zip(layer._slots, layer._constants)]


class OpCall:
    """A Keras op read from a config: calling it on tensors applies the pykeras op,
    which records an `OpLayer`; `_inbound_nodes` lists those calls so that later
    nodes can refer to them as Keras does (`["multiply", 0, 0]`)."""

    def __init__(self, class_name: str, config: Any, fn: Callable[..., Any]) -> None:
        config = dict(config)
        self.name = config.pop("name", None) or snake_case(class_name)
        self.class_name = class_name
        self._fn = fn
        self._kwargs = config
        self._inbound_nodes: list[Any] = []

    def _call_accepts(self, name: str | None) -> Any:
        return False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            if self.class_name == "GetItem" and len(args) == 2 and isinstance(args[1], list):
                # A key of several parts (`x[:, None]`) is a tuple, which JSON keeps
                # as a list.
                args = (args[0], tuple(args[1]))
            positional, named = _arrange(self._fn, self._kwargs, args)
            out = self._fn(*positional, **named, **kwargs)
        except TypeError as e:
            raise ValueError(
                f"Cannot apply the Keras op '{self.name}' ({self.class_name}) with arguments "
                f"{self._kwargs}: {e}"
            ) from e
        layer, node_index, _ = out._keras_history
        if not self._inbound_nodes:
            layer.name = self.name  # keep the file's name, so later saves name it alike
        self._inbound_nodes.append(layer._inbound_nodes[node_index])
        return out


def _arrange(fn: Callable[..., Any], config: Any, args: Any) -> Any:
    """The positional and keyword arguments of `fn` for a Keras op call: the op's
    config gives some parameters by name (its constructor's), and the tensors it was
    called on fill the others in order. A configured parameter that comes before a
    called one (`einsum(subscripts, *operands)`) is passed by position."""
    config, args = dict(config), list(args)
    positional = []
    for p in inspect.signature(fn).parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            positional.extend(args)
            args = []
        elif p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            if p.name in config and (args or p.kind is p.POSITIONAL_ONLY):
                positional.append(config.pop(p.name))
            elif p.name not in config and args:
                positional.append(args.pop(0))
            else:
                break
        else:
            break
    if args:
        raise TypeError(f"{len(args)} more tensor argument(s) than {fn.__name__} takes")
    return positional, config


# Keras modules whose op classes pykeras reads, and the pykeras namespace of each.
_KERAS_OP_MODULES = {
    "keras.src.ops.numpy": "pykeras.ops",
    "keras.src.ops.nn": "pykeras.ops",
    "keras.src.ops.math": "pykeras.ops",
    "keras.src.ops.core": "pykeras.ops",
    "keras.src.ops.linalg": "pykeras.ops.linalg",
    "keras.src.ops.image": "pykeras.ops.image",
}


def snake_case(class_name: str) -> str:
    """`ExpandDims` -> `expand_dims`, `Log1p` -> `log1p`, `Arctan2` -> `arctan2`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", class_name).lower()


def op_function(class_name: str, module: Any) -> Callable[..., Any] | None:
    """The pykeras function for Keras op class `class_name` of `module`, or None."""
    namespace = _KERAS_OP_MODULES.get(module)
    if namespace is None:
        return None
    # Keras names each op class after its function: `ExpandDims` is `expand_dims`.
    fn = getattr(importlib.import_module(namespace), snake_case(class_name), None)
    return fn if callable(fn) else None


def op_from_config(class_name: str, config: Any, module: Any) -> Any:
    """The `OpCall` for a Keras op entry, or a refusal for ops pykeras lacks."""
    fn = op_function(class_name, module)
    if fn is None:
        raise ValueError(
            f"The config applies the Keras op '{class_name}' (from '{module}') to a symbolic "
            f"tensor, and pykeras has no such op (looked for "
            f"'{snake_case(class_name)}' in {_KERAS_OP_MODULES.get(module, 'no namespace')})."
        )
    return OpCall(class_name, config, fn)
