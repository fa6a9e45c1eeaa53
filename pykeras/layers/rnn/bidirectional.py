"""Bidirectional: runs a recurrent layer forwards and a copy backwards and
merges their outputs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pykeras import ops
from pykeras.layers.layer import Layer
from pykeras.layers.rnn._fused import time_reverse
from pykeras.layers.serialization import deserialize_object, serialize_object

if TYPE_CHECKING:
    from typing_extensions import Self

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _recreate(layer: Any, name: str | None, **overrides: Any) -> Any:
    config = serialize_object(layer)
    config["config"]["name"] = name
    config["config"].update(overrides)
    return deserialize_object(config, kinds=("layers",))


def _strip(name: str, prefix: str) -> str:
    return name[len(prefix) :] if name.startswith(prefix) else name


class Bidirectional(Layer):
    """Bidirectional wrapper for RNNs.

    Args:
        layer: a recurrent layer (`LSTM`, `GRU`, `SimpleRNN`, `RNN`); a copy
            of it runs forwards, another backwards (unless `backward_layer`).
        merge_mode: how the two outputs combine: "concat" (default), "sum",
            "mul", "ave", or None (a list of both).
        weights: optional initial weights (forward's, then backward's).
        backward_layer: an optional recurrent layer for the backward pass
            (with `go_backwards=True`).

    Call arguments: as the wrapped layer's (`mask`, `training`,
    `initial_state`: the forward states, then the backward ones).

    Example:

    >>> Bidirectional(keras.layers.LSTM(4))(np.ones((2, 3, 5))).shape
    (2, 8)
    """

    def __init__(
        self,
        layer: Any,
        merge_mode: str = "concat",
        weights: Any = None,
        backward_layer: Layer | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `Bidirectional` layer with a `keras.layers.Layer` "
                f"instance. Received: {layer!r}"
            )
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(
                "`backward_layer` need to be a `keras.layers.Layer` instance. Received: "
                f"{backward_layer!r}"
            )
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                '{"sum", "mul", "ave", "concat", None}'
            )
        super().__init__(**kwargs)
        self.forward_layer = _recreate(layer, f"forward_{_strip(layer.name, 'forward_')}")
        if backward_layer is None:
            self.backward_layer = _recreate(
                layer, f"backward_{_strip(layer.name, 'backward_')}", go_backwards=True
            )
        else:
            self.backward_layer = backward_layer
        self._verify_layer_config()
        for sub in (self.forward_layer, self.backward_layer):
            # As Keras: masked steps output zeros when sequences are returned.
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self._initial_weights = list(weights) if weights else None
        rnn: Any = layer
        self.stateful = rnn.stateful
        self.return_sequences = rnn.return_sequences
        self.return_state = rnn.return_state
        self.supports_masking = True

    def _verify_layer_config(self) -> None:
        fwd, bwd = self.forward_layer, self.backward_layer
        if fwd.go_backwards == bwd.go_backwards:
            raise ValueError(
                "Forward layer and backward layer should have different `go_backwards` "
                f"value. Received: forward_layer.go_backwards {fwd.go_backwards}, "
                f"backward_layer.go_backwards={bwd.go_backwards}"
            )
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(fwd, attr) != getattr(bwd, attr):
                raise ValueError(
                    "Forward layer and backward layer are expected to have the same value "
                    f'for attribute "{attr}", got "{getattr(fwd, attr)}" for forward layer '
                    f'and "{getattr(bwd, attr)}" for backward layer'
                )

    def compute_output_shape(self, sequences_shape: Any, initial_state_shape: Any = None) -> Any:
        output_shape = self.forward_layer.compute_output_shape(sequences_shape)
        state_shapes = []
        if self.return_state:
            output_shape, state_shapes = output_shape[0], list(output_shape[1:])
        output_shape = tuple(output_shape)
        if self.merge_mode == "concat":
            output_shape = output_shape[:-1] + (output_shape[-1] * 2,)
        elif self.merge_mode is None:
            output_shape = [output_shape, output_shape]
        if self.return_state:
            head = output_shape if self.merge_mode is None else [output_shape]
            return list(head) + state_shapes + state_shapes
        return output_shape

    def build(self, sequences_shape: Any, initial_state_shape: Any = None) -> None:
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub.build(sequences_shape)
                sub.built = True
        if self._initial_weights:
            self.set_weights(self._initial_weights)
            self._initial_weights = None
        self.built = True

    def call(
        self,
        sequences: Any,
        initial_state: Any = None,
        mask: Any = None,
        training: bool | None = None,
    ) -> Any:
        kwargs = {}
        if self.forward_layer._call_accepts("training"):
            kwargs["training"] = training
        if self.forward_layer._call_accepts("mask"):
            kwargs["mask"] = mask
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = time_reverse(y_rev)
        output: Any  # a tensor, or both outputs (merge_mode=None)
        if self.merge_mode == "concat":
            output = ops.concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = ops.add(y, y_rev)
        elif self.merge_mode == "ave":
            output = ops.divide(ops.add(y, y_rev), 2.0)
        elif self.merge_mode == "mul":
            output = ops.multiply(y, y_rev)
        else:
            output = [y, y_rev]
        if self.return_state:
            head = output if self.merge_mode is None else [output]
            return list(head) + states
        return output

    def reset_states(self) -> None:
        """Resets the states of both stateful layers (Keras 2's name)."""
        self.reset_state()

    def reset_state(self) -> None:
        """Resets the states of both stateful layers."""
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    @property
    def states(self) -> tuple[Any, ...] | None:
        if self.forward_layer.states and self.backward_layer.states:
            return tuple(list(self.forward_layer.states) + list(self.backward_layer.states))
        return None

    def compute_mask(self, inputs: Any, mask: Any) -> Any:
        if isinstance(mask, list):
            mask = mask[0]
        if self.return_sequences:
            output_mask = [mask, mask] if not self.merge_mode else mask
        else:
            output_mask = [None, None] if not self.merge_mode else None
        if self.return_state:
            n = len(self.forward_layer.state_size)
            head = output_mask if isinstance(output_mask, list) else [output_mask]
            return head + [None] * (2 * n)
        return output_mask

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["merge_mode"] = self.merge_mode
        config["layer"] = serialize_object(self.forward_layer)
        config["backward_layer"] = serialize_object(self.backward_layer)
        return config

    @classmethod
    def from_config(
        cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None
    ) -> Self:
        config = dict(config)
        config["layer"] = deserialize_object(
            config["layer"], custom_objects=custom_objects, kinds=("layers",)
        )
        backward = config.pop("backward_layer", None)
        if backward is not None:
            config["backward_layer"] = deserialize_object(
                backward, custom_objects=custom_objects, kinds=("layers",)
            )
        return cls(**config)
