"""How a layer created under a `keras.RematScope` applies its mode when called."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pykeras.engine.remat import RematMode, output_size, remat, remat_if


def rematerialized_call(
    layer: Any, call: Callable[..., Any], mode: RematMode | None
) -> Callable[..., Any]:
    """`call`, rematerialized as `mode` (the layer's scope at creation) says.

    As Keras's `Layer.rematerialized_call`: `"full"` rematerializes every
    call, `"list_of_layers"` the calls of the named layers, `"larger_than"`
    those whose output has more than `output_size_threshold` elements (known
    once the call has been traced, unknown dimensions counting 1), and
    `"activations"` only the layer's activation function.
    """
    if mode is None or mode.mode is None:
        return call
    if mode.mode == "full":
        return remat(call)
    if mode.mode == "list_of_layers":
        return remat(call) if layer.name in mode.layer_names else call
    if mode.mode == "larger_than":
        threshold = mode.output_size_threshold
        return remat_if(call, lambda outputs: output_size(outputs) > threshold)
    activation = getattr(layer, "activation", None)
    if mode.mode != "activations" or activation is None:
        return call

    def with_rematerialized_activation(*args: Any, **kwargs: Any) -> Any:
        layer.activation = remat(activation)
        try:
            return call(*args, **kwargs)
        finally:
            layer.activation = activation

    return with_rematerialized_activation
