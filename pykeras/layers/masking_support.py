"""How `Layer.__call__` moves Keras masks along, as Keras 3 does:

- a layer whose `call` takes `mask=` and is not given one receives the
  mask attached to its inputs (`x._keras_mask`);
- a layer that `supports_masking` attaches `compute_mask(inputs, mask)` to
  its outputs (by default the input's mask, unchanged);
- any other layer drops the mask.

Symbolic calls (Functional models being defined) compute the output mask
in shape-only mode: the mask is a `KerasTensor` of the right shape with no
history, so it never becomes a node of the model; when the model runs, the
masks move along with the values.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from pykeras.engine import symbolic_scope
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.masking import get_keras_mask, set_keras_mask
from pykeras.engine.tree import flatten, map_structure, pack_like


def _call_takes_mask(layer: Any) -> Any:
    # Keras passes masks to a `mask` parameter only, not into **kwargs.
    try:
        return "mask" in inspect.signature(layer.call).parameters
    except (TypeError, ValueError):
        return False


def _input_masks(inputs: Any) -> Any:
    if type(inputs) is np.ndarray:  # the usual eager call: a plain array has no mask
        return None
    masks = map_structure(get_keras_mask, inputs)
    return None if all(m is None for m in flatten(masks)) else masks


def mask_arguments(
    layer: Any, inputs: Any, kwargs: dict[str, Any], symbolic: bool
) -> tuple[dict[str, Any], Any]:
    """`(kwargs, previous_mask)`: kwargs with `mask` filled from the inputs'
    masks where the layer's `call` takes one, and the mask the call sees.
    (A symbolic call's recorded node leaves such a mask out: see
    `node_kwargs`.)"""
    explicit = kwargs.get("mask")
    if explicit is not None:
        return kwargs, explicit
    masks = _input_masks(inputs)
    if masks is None:
        return kwargs, None
    if _call_takes_mask(layer):
        kwargs = dict(kwargs, mask=masks)
    return kwargs, masks


def node_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The kwargs a Functional node records: a mask filled in from the
    inputs (shape-only tensors, made by no layer) is left out, since it
    moves along with the values when the model runs."""
    mask = kwargs.get("mask")
    masks = flatten(mask) if mask is not None else []
    if masks and all(
        isinstance(m, KerasTensor) and m._keras_history is None for m in masks if m is not None
    ):
        kwargs = {k: v for k, v in kwargs.items() if k != "mask"}
    return kwargs


def attach_masks(layer: Any, inputs: Any, outputs: Any, previous_mask: Any) -> Any:
    """`outputs` with the masks the layer computes attached (NumPy results
    become `MaskedArray` views)."""
    if not layer.supports_masking:
        return outputs
    if previous_mask is None and getattr(type(layer).compute_mask, "is_default", False):
        return outputs
    flat = flatten(outputs)
    if flat and all(get_keras_mask(x) is not None for x in flat):
        return outputs
    if any(isinstance(x, KerasTensor) for x in flat):
        with symbolic_scope.shapes_only():
            masks = layer.compute_mask(inputs, previous_mask)
    else:
        masks = layer.compute_mask(inputs, previous_mask)
    if masks is None:
        return outputs
    flat_masks = flatten(masks) if isinstance(masks, (list, tuple)) else [masks]
    if len(flat_masks) != len(flat):
        flat_masks = (flat_masks + [None] * len(flat))[: len(flat)]
    new = [
        set_keras_mask(x, m) if m is not None and get_keras_mask(x) is None else x
        for x, m in zip(flat, flat_masks)
    ]
    return pack_like(outputs, new)
