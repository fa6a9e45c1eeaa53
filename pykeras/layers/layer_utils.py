"""Helpers of the Layer base class: argument errors, shape structures,
regularizers and the batch size an activity penalty is divided by."""

from __future__ import annotations

import difflib
import inspect
from typing import Any

from pykeras import ops, regularizers
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.tree import ShapeTuple

# Keyword arguments every layer accepts besides its own (Keras 2 spellings
# included: `input_dim` and `input_shape` on the first layer of a Sequential).
BASE_KWARGS = (
    "name",
    "dtype",
    "trainable",
    "input_shape",
    "input_dim",
    "batch_input_shape",
    "batch_size",
    "autocast",
    "activity_regularizer",
)


def _unknown_kwarg_error(layer_cls: Any, key: Any) -> Any:
    """A TypeError naming the unknown argument and the close match, if any."""
    params = set(BASE_KWARGS)
    for klass in inspect.getmro(layer_cls):
        init = klass.__dict__.get("__init__")
        if init is not None:
            params.update(
                p.name
                for p in inspect.signature(init).parameters.values()
                if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and p.name != "self"
            )
    hint = difflib.get_close_matches(key, sorted(params), n=1)
    suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
    return TypeError(
        f"{layer_cls.__name__}.__init__() got an unexpected keyword argument '{key}'."
        f"{suggestion} Received: {key}=..."
    )


def _batch_size(x: Any, shape: Any) -> Any:
    """The size of `x`'s first axis as a float32 scalar (a graph value when
    the batch is known at run time only)."""
    if shape[0] is not None:
        return float(shape[0])
    column = x
    for _ in range(len(shape) - 1):
        column = column[..., 0]
    return ops.sum(ops.ones_like(column))


def _regularizer(identifier: Any) -> Any:
    if identifier is None:
        return None
    return regularizers.get(identifier)


def _all_sublayers(layer: Any) -> Any:
    """Every layer nested in `layer` (depth first, each once)."""
    found, stack = [], list(layer._sublayers())
    while stack:
        sub = stack.pop(0)
        if sub in found or sub is layer:
            continue
        found.append(sub)
        stack.extend(sub._sublayers())
    return found


def _shape_leaf(x: Any, shape_of: Any) -> Any:
    """A tensor's shape as one leaf for the structure walkers (None if unknown)."""
    shape = shape_of(x)
    return None if shape is None else ShapeTuple(shape)


def _is_shape(x: Any) -> Any:
    return isinstance(x, (tuple, list)) and all(d is None or isinstance(d, int) for d in x)


def _shape_struct(input_shape: Any) -> Any:
    """Marks every shape in `input_shape` (a shape, or a list/dict of them) as a leaf."""
    if _is_shape(input_shape):
        return ShapeTuple(tuple(input_shape))
    if isinstance(input_shape, (list, tuple)):
        return [_shape_struct(s) for s in input_shape]
    if isinstance(input_shape, dict):
        return {k: _shape_struct(v) for k, v in input_shape.items()}
    return input_shape


def _make_outputs(out_shapes: Any, dtype: Any = "float32") -> Any:
    """`KerasTensor`s of `out_shapes` (a shape or a list/dict of them), each
    of `dtype`."""
    if _is_shape(out_shapes) and (isinstance(out_shapes, tuple) or out_shapes):
        return KerasTensor(tuple(out_shapes), dtype)
    if isinstance(out_shapes, (list, tuple)):
        return [_make_outputs(s, dtype) for s in out_shapes]
    if isinstance(out_shapes, dict):
        return {k: _make_outputs(v, dtype) for k, v in out_shapes.items()}
    raise TypeError(f"compute_output_shape returned an unexpected value: {out_shapes!r}")
