"""The losses a layer adds (`add_loss`, activity regularizers) and collects
(`layer.losses`): where an added value goes (a traced step's loss, or the
layer's own list until its next call), and clearing those lists cheaply."""

from __future__ import annotations

import weakref
from typing import Any

from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.stateless_scope import get_stateless_scope
from pykeras.engine.tape import TapeTracer
from pykeras.engine.tracing import GraphTensor, current_trace
from pykeras.engine.tree import flatten
from pykeras.layers.layer_utils import _all_sublayers

# Layers whose `_losses` holds values added outside a trace (eager calls); a call
# clears its layers' losses only when there is something to clear.
_HOLDING_LOSSES: weakref.WeakSet[Any] = weakref.WeakSet()


def add_losses(layer: Any, loss: Any) -> None:
    """`layer.add_loss(loss)`: each value joins the traced step's loss inside a
    trace, the layer's own list eagerly, and nothing in a symbolic call."""
    scope = get_stateless_scope()
    for value in flatten(loss):
        if isinstance(value, KerasTensor):
            continue
        if scope is not None:
            # Inside a StatelessScope losses go to the scope, if it collects them.
            if scope.collect_losses:
                scope.add_loss(value)
            continue
        tracer = getattr(value, "tracer", None) if isinstance(value, GraphTensor) else None
        if tracer is None:
            tracer = current_trace()
        if tracer is not None and not isinstance(tracer, TapeTracer):
            tracer.losses.append(value)
        else:
            layer._losses.append(value)
            _HOLDING_LOSSES.add(layer)


def collected_losses(layer: Any) -> list[Any]:
    """`layer.losses`: the added losses of the last call (the traced step's so
    far, inside a trace), then the weight regularizers' penalties."""
    tracer = current_trace()
    if tracer is not None:
        found = list(tracer.losses)
    else:
        found = []
        for each in [layer] + _all_sublayers(layer):
            found.extend(each.__dict__.get("_losses", []))
    for v in layer.weights:
        regularizer = getattr(v, "regularizer", None)
        if regularizer is not None:
            found.append(regularizer(v))
    return found


def clear_losses(layer: Any) -> None:
    """Empties the added-loss lists of `layer` and its sublayers; called on every
    call, so when no layer holds an added loss (the usual case) it returns at once."""
    if not _HOLDING_LOSSES:
        return
    for each in [layer] + _all_sublayers(layer):
        if "_losses" in each.__dict__:
            each._losses = []
            _HOLDING_LOSSES.discard(each)
