"""TimeDistributed: applies a layer to every time step of a sequence."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pykeras import ops
from pykeras.layers.core.wrapper import Wrapper
from pykeras.layers.layer import Layer
from pykeras.layers.serialization import deserialize_object, serialize_object

if TYPE_CHECKING:
    from typing_extensions import Self


class TimeDistributed(Wrapper):
    """This wrapper allows to apply a layer to every temporal slice of an input.

    The time axis (axis 1) is folded into the batch, so the wrapped layer
    runs once on `(batch * timesteps, ...)`: the same result as Keras's loop
    over time steps for layers that treat samples independently (Dense,
    Conv2D, ...), and one call instead of `timesteps`.

    Args:
        layer: a `Layer` instance.

    Call arguments:
        inputs: a tensor of shape `(batch, timesteps, ...)`.
        training: passed to the wrapped layer.
        mask: a `(batch, timesteps)` mask, passed (folded) to the wrapped
            layer if it takes one.

    Example:

    >>> TimeDistributed(keras.layers.Dense(8))(np.ones((32, 10, 16))).shape
    (32, 10, 8)
    """

    def __init__(self, layer: Any, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `TimeDistributed` layer with a `keras.layers.Layer` "
                f"instance. Received: {layer!r}"
            )
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _child_shape(self, input_shape: Any) -> Any:
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(
                f"Layer '{self.name}' (TimeDistributed) expected an input of rank 3 or more "
                f"(batch, timesteps, ...). Received: input_shape={input_shape}"
            )
        return (input_shape[0],) + input_shape[2:]

    def compute_output_shape(self, input_shape: Any) -> Any:
        child = self.layer.compute_output_shape(self._child_shape(input_shape))
        return (tuple(input_shape)[0], tuple(input_shape)[1]) + tuple(child)[1:]

    def build(self, input_shape: Any) -> None:
        child = self._child_shape(input_shape)
        if not self.layer.built:
            self.layer.build(child)
            self.layer.built = True
        self.built = True

    def call(self, inputs: Any, training: bool | None = None, mask: Any = None) -> Any:
        shape = tuple(inputs.shape)
        batch, steps, inner = shape[0], shape[1], shape[2:]
        if mask is not None:
            mask_shape = tuple(mask.shape)
            if len(mask_shape) < 2 or any(
                a is not None and b is not None and a != b for a, b in zip(mask_shape, shape[:2])
            ):
                raise ValueError(
                    "The `mask` passed to the `TimeDistributed` layer has a shape "
                    f"{mask_shape} that is incompatible with the input shape {shape}. The "
                    "mask (batch size and timesteps) must match the input's first two "
                    f"dimensions. Expected mask shape prefix: {shape[:2]}"
                )
        if any(d is None for d in inner) or (batch is None and steps is None):
            raise ValueError(
                f"Layer '{self.name}' (TimeDistributed) needs the input's inner dimensions "
                f"and its batch size or number of timesteps. Received: input shape {shape}"
            )
        folded = ops.reshape(inputs, (-1,) + tuple(inner))
        kwargs: dict[str, Any] = {}
        if self.layer._call_accepts("training"):
            kwargs["training"] = training
        if mask is not None and self.layer._call_accepts("mask"):
            kwargs["mask"] = ops.reshape(mask, (-1,) + tuple(mask.shape[2:]))
        out = self.layer(folded, **kwargs)
        out_inner = tuple(out.shape)[1:]
        lead = (-1, steps) if steps is not None else (batch, -1)
        return ops.reshape(out, lead + out_inner)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["layer"] = serialize_object(self.layer)
        return config

    @classmethod
    def from_config(
        cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None
    ) -> Self:
        config = dict(config)
        config["layer"] = deserialize_object(
            config["layer"], custom_objects=custom_objects, kinds=("layers",)
        )
        return cls(**config)
