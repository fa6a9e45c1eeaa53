"""The short way through `model(x)` for the call a served model takes most:
one float32 NumPy batch shaped as the last one, nothing else.

`Layer.__call__` opens a name scope, sorts masks, keeps the training flag and
the added losses, and the model then flattens, converts and looks up its
traced graph; for a one-sample call of a small MLP that is two thirds of the
time. Once a plain call has shown that none of that changes its result (no
masks, no added or activity losses, no state updates, the input passed
through unconverted), `FastCall` remembers the graph and later identical calls
run it directly. Anything else (another shape or dtype, a tape, a stateless
scope, a trace, a nested or training call, another precision) takes the full
path, exactly as before.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras.dtype_policies.scope import product_precision
from pykeras.engine import call_context, tracing
from pykeras.engine.executor import Executor
from pykeras.engine.stateless_scope import in_stateless_scope
from pykeras.engine.tree import pack_like
from pykeras.layers import layer_losses

_FLOAT32 = np.dtype(np.float32)


class FastCall:
    """A traced forward pass that `model(x)` may run without the full call.

    Args:
        executor: the model's traced inference pass for this input shape.
        feature_shape: the input's shape after the batch dimension.
        precision: the products' precision the graph was traced with.
    """

    def __init__(self, executor: Executor, feature_shape: tuple[int, ...], precision: str) -> None:
        self.graph = executor.graph
        self.feeds = executor.input_ids[0]
        self.outputs = executor.output_ids
        self.structure = executor.structure
        self.rank = len(feature_shape) + 1
        self.feature_shape = feature_shape
        self.precision = precision

    def run(self, model: Any, x: np.ndarray) -> Any:
        """The model's output for `x`, or None where the full call is needed."""
        if (
            x.dtype != _FLOAT32
            or x.ndim != self.rank
            or x.shape[1:] != self.feature_shape
            or tracing._ACTIVE
            or call_context.current_training()
            or call_context.in_call()
            or in_stateless_scope()
            or model.run_eagerly
            or product_precision() != self.precision
            or model._dtype_policy.compute_dtype != self.precision
        ):
            return None
        # As the full call: the losses are those of this call (none here).
        layer_losses.clear_losses(model)
        model._losses = []
        outs = self.graph.run({self.feeds: x}, self.outputs, False, 0)
        return pack_like(self.structure, outs)


def fast_call_for(
    model: Any, inputs: Any, flat: list[Any], executor: Executor, training: bool
) -> FastCall | None:
    """A `FastCall` for the plain call just made, or None where the full call
    does something the graph alone does not (checked once, here)."""
    if (
        training
        or type(inputs) is not np.ndarray
        or len(flat) != 1
        or flat[0] is not inputs
        or inputs.ndim < 1
        or executor.loss_ids
        or executor.state_updates
        or model.activity_regularizer is not None
        or (model.supports_masking and not getattr(type(model).compute_mask, "is_default", False))
    ):
        return None
    precision = product_precision()
    if model._dtype_policy.compute_dtype != precision:
        return None
    return FastCall(executor, tuple(inputs.shape[1:]), precision)
