"""RNN: runs a cell over the time axis of a sequence, as Keras's `RNN` does.

The built-in cells (`SimpleRNNCell`, `LSTMCell`, `GRUCell`) with the
activations the Rust kernels know run as one recurrent primitive each
(`_fused.py`): any number of time steps, known or not, masks and
`go_backwards` inside the kernel. Any other cell (user cells, stacked
cells, other activations, recurrent dropout while training) runs step by
step as a graph of ops over a known number of time steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras import ops
from pykeras.backend.variable import Variable
from pykeras.engine.tensor_operators import get_item
from pykeras.engine.tree import flatten, pack_like
from pykeras.layers.layer import Layer
from pykeras.layers.rnn import _fused
from pykeras.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from pykeras.layers.rnn.stacked_rnn_cells import StackedRNNCells
from pykeras.layers.serialization import deserialize_object, serialize_object

if TYPE_CHECKING:
    from typing_extensions import Self


def _is_nested(x: Any) -> Any:
    return isinstance(x, (list, tuple))


def _blend(m: Any, new: Any, old: Any) -> Any:
    """`new` where the step is kept (m == 1), else `old` (m is 0 or 1)."""
    return ops.add(ops.multiply(m, new), ops.multiply(ops.subtract(1.0, m), old))


class RNN(Layer):
    """Base class for recurrent layers: runs `cell` over every time step.

    Args:
        cell: an RNN cell (a layer with `call(inputs, states)` returning
            `(output, new_states)` and a `state_size`), or a list of cells
            (stacked with `StackedRNNCells`).
        return_sequences: return the output of every step (default: the last).
        return_state: also return the final states.
        go_backwards: process the sequence backwards (outputs then come in
            reverse order, as in Keras).
        stateful: the last states of a batch are the initial states of the
            next (needs a fixed batch size).
        unroll: accepted for Keras compatibility; both ways compute the same.
        zero_output_for_mask: masked steps output zeros instead of the
            previous output.

    Call arguments:
        sequences: a `(batch, timesteps, features)` tensor.
        initial_state: a list of initial state tensors.
        mask: a `(batch, timesteps)` boolean tensor, True for steps to use.
        training: whether dropout applies.

    Example:

    >>> cell = keras.layers.LSTMCell(4)
    >>> RNN(cell)(np.ones((2, 5, 3))).shape
    (2, 4)
    """

    def __init__(
        self,
        cell: Any,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        zero_output_for_mask: bool = False,
        **kwargs: Any,
    ) -> None:
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not callable(getattr(cell, "call", None)):
            raise ValueError(
                f"Argument `cell` should have a `call` method. Received: cell={cell!r}"
            )
        if getattr(cell, "state_size", None) is None:
            raise ValueError(
                "The RNN cell should have a `state_size` attribute (single integer or "
                f"list of integers, one integer per RNN state). Received: cell={cell!r}"
            )
        super().__init__(**kwargs)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.supports_masking = True
        self.states = None
        state_size = cell.state_size
        self.single_state = isinstance(state_size, int)
        self.state_size = [state_size] if self.single_state else list(state_size)

    # ------------------------------------------------------------ shapes

    def _output_size(self) -> Any:
        size = getattr(self.cell, "output_size", None)
        if size is None:
            size = flatten(self.state_size)[0]
        return int(size)

    def compute_output_shape(self, sequences_shape: Any, initial_state_shape: Any = None) -> Any:
        batch, length = sequences_shape[0], sequences_shape[1]
        out_size = self._output_size()
        output: tuple[Any, ...]
        if self.return_sequences:
            output = (batch, length, out_size)
        else:
            output = (batch, out_size)
        if not self.return_state:
            return output
        states: list[Any] = []
        for size in self.state_size:
            if isinstance(size, (list, tuple)):
                states.append([(batch, int(s)) for s in size])
            else:
                states.append((batch, int(size)))
        return [output] + states

    def compute_mask(self, inputs: Any, mask: Any) -> Any:
        mask = flatten(mask)[0] if mask is not None else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.state_size]
        return output_mask

    # ------------------------------------------------------------ build

    def _check_sequences(self, shape: Any) -> None:
        if len(shape) < 3:
            raise ValueError(
                f"Layer '{self.name}' expected an input of rank 3 (batch, timesteps, "
                f"features). Received: input shape {tuple(shape)}"
            )

    def build(self, sequences_shape: Any, initial_state_shape: Any = None) -> None:
        if (
            isinstance(sequences_shape, (list, tuple))
            and sequences_shape
            and _is_nested(sequences_shape[0])
        ):
            sequences_shape = sequences_shape[0]
        sequences_shape = tuple(sequences_shape)
        self._check_sequences(sequences_shape)
        step_shape = (sequences_shape[0],) + sequences_shape[2:]
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_shape)
            self.cell.built = True
        if self.stateful:
            if sequences_shape[0] is None:
                raise ValueError(
                    f"Layer '{self.name}': when using `stateful=True` in a RNN, the batch "
                    "size must be static. Found dynamic batch size: "
                    f"sequence.shape={sequences_shape}"
                )
            self._create_state_variables(sequences_shape[0])
        self.built = True

    def _create_state_variables(self, batch_size: int) -> None:
        zeros = [np.zeros((batch_size, int(s)), np.float32) for s in flatten(self.state_size)]
        flat = [
            Variable(z, name="rnn_state", path=f"{self.name}/rnn_state", trainable=False)
            for z in zeros
        ]
        self.states = pack_like(self.state_size, flat)

    def reset_states(self) -> None:
        """Sets the states of a stateful layer back to zeros (Keras 2's name)."""
        self.reset_state()

    def reset_state(self) -> None:
        """Sets the states of a stateful layer back to zeros."""
        if self.states is not None:
            for v in flatten(self.states):
                v.assign(np.zeros(v.shape, np.float32))

    def get_initial_state(self, batch_size: Any) -> list[Any]:
        """Zero states for a batch of `batch_size`, one array per state."""
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None:
            states = fn(batch_size=batch_size)
            return list(states) if _is_nested(states) else [states]
        return [np.zeros((batch_size, int(d)), np.float32) for d in self.state_size]

    # ------------------------------------------------------------ calling

    def _initial_states(self, sequences: Any, initial_state: Any) -> Any:
        if initial_state is None:
            if self.stateful and self.states is not None:
                return list(self.states)
            return self._zero_states(sequences)
        states = list(initial_state) if _is_nested(initial_state) else [initial_state]
        flat = [s if hasattr(s, "shape") else np.asarray(s, np.float32) for s in flatten(states)]
        sizes = flatten(self.state_size)
        if len(flat) != len(sizes):
            raise ValueError(
                f"Layer '{self.name}' expected {len(sizes)} initial state(s) of sizes "
                f"{sizes}. Received: {len(flat)} initial state tensor(s)."
            )
        batch = sequences.shape[0]
        for s, size in zip(flat, sizes):
            shape = tuple(s.shape)
            if (
                len(shape) != 2
                or shape[1] != int(size)
                or (batch is not None and shape[0] is not None and shape[0] != batch)
            ):
                raise ValueError(
                    f"Layer '{self.name}' expected initial states of shape "
                    f"({batch}, {size}). Received: an initial state of shape {shape}"
                )
        return pack_like(states, flat)

    def _zero_states(self, sequences: Any) -> Any:
        batch = sequences.shape[0]
        if isinstance(sequences, np.ndarray):
            return self.get_initial_state(batch)
        # The batch size may be known only at run time: zeros of (batch, 1)
        # from the data, broadcast to each state's width.
        base = ops.zeros_like(sequences[:, 0, :1])
        flat = [ops.add(base, np.zeros((1, int(d)), np.float32)) for d in flatten(self.state_size)]
        return pack_like(self.state_size, flat)

    def _float_mask(self, mask: Any, sequences: Any) -> Any:
        if mask is None:
            return None
        mask = flatten(mask)[0] if _is_nested(mask) else mask
        if mask is None:
            return None
        shape = tuple(mask.shape)
        seq = tuple(sequences.shape)
        if len(shape) != 2 or any(
            a is not None and b is not None and a != b for a, b in zip(shape, seq[:2])
        ):
            raise ValueError(
                f"Layer '{self.name}' expected a mask of shape {seq[:2]} (batch, timesteps). "
                f"Received: mask of shape {shape}"
            )
        if isinstance(mask, np.ndarray) or not hasattr(mask, "shape"):
            return np.asarray(mask, np.float32)
        return ops.cast(mask, "float32")

    def _fused_kind(self, training: bool | None) -> Any:
        run = _fused.KERNELS.get(type(self.cell))
        if run is None or _fused.activation_name(self.cell.activation) is None:
            return None
        if hasattr(self.cell, "recurrent_activation") and (
            _fused.activation_name(self.cell.recurrent_activation) is None
        ):
            return None
        if training and self.cell.recurrent_dropout > 0:
            return None
        return run

    def call(
        self,
        sequences: Any,
        initial_state: Any = None,
        mask: Any = None,
        training: bool | None = False,
    ) -> Any:
        self._check_sequences(tuple(sequences.shape))
        timesteps = sequences.shape[1]
        if self.unroll and timesteps is None:
            raise ValueError(
                f"Layer '{self.name}': cannot unroll a RNN if the time dimension is "
                "undefined. Pass a `shape` with the number of timesteps to `Input()`."
            )
        if self.stateful and self.states is not None:
            expected = flatten(self.states)[0].shape[0]
            if sequences.shape[0] is not None and sequences.shape[0] != expected:
                raise ValueError(
                    f"Layer '{self.name}': if an RNN is stateful, the batch size of the "
                    "input sequences must be the same as the batch size of the initial "
                    f"state. Expected batch size: {expected}. Received batch size: "
                    f"{sequences.shape[0]}"
                )
        states = self._initial_states(sequences, initial_state)
        mask_f = self._float_mask(mask, sequences)
        run = self._fused_kind(training)
        try:
            if run is not None:
                outputs, last, new_states = self._fused_call(
                    run, sequences, states, mask_f, training
                )
            else:
                outputs, last, new_states = self._step_call(sequences, states, mask_f, training)
        finally:
            self._reset_dropout_masks(self.cell)
        if self.stateful and self.states is not None:
            for variable, value in zip(flatten(self.states), flatten(new_states)):
                variable.assign(value)
        output = outputs if self.return_sequences else last
        if self.return_state:
            return [output] + list(new_states)
        return output

    def _fused_call(
        self, run: Any, sequences: Any, states: Any, mask_f: Any, training: bool | None
    ) -> Any:
        x = sequences
        if training and self.cell.dropout > 0:
            dp = self.cell.get_dropout_mask(sequences[:, 0, :])
            x = ops.multiply(x, ops.expand_dims(dp, 1))
        if mask_f is None:
            mask_f = ops.ones_like(sequences[:, :, 0])
        outputs, new_states = run(self.cell, x, flatten(states), mask_f, self.go_backwards)
        if self.zero_output_for_mask:
            m = _fused.time_reverse(mask_f) if self.go_backwards else mask_f
            # (units, batch, time) * (batch, time): broadcasting without a
            # reshape, which batch and time both unknown would not allow.
            outputs = ops.transpose(ops.multiply(ops.transpose(outputs, (2, 0, 1)), m), (1, 2, 0))
            last = _fused.time_last(outputs)
        else:
            last = new_states[0]
        return outputs, last, new_states

    def _step_call(self, sequences: Any, states: Any, mask_f: Any, training: bool | None) -> Any:
        timesteps = sequences.shape[1]
        if timesteps is None:
            raise ValueError(
                f"Layer '{self.name}' runs its cell ({type(self.cell).__name__}) step by "
                "step, which needs a known number of timesteps. Received: input shape "
                f"{tuple(sequences.shape)}. Give `Input()` a `shape` with the number of "
                "timesteps."
            )
        kwargs = {}
        if isinstance(self.cell, Layer) and self.cell._call_accepts("training"):
            kwargs["training"] = training
        order = range(timesteps - 1, -1, -1) if self.go_backwards else range(timesteps)
        outputs = []
        for t in order:
            # Through the ops (not NumPy indexing), so a tape watching the
            # sequences sees the slice.
            step_input = get_item(sequences, (slice(None), t))
            out, new_states = self.cell(step_input, states, **kwargs)
            if not _is_nested(new_states):
                new_states = [new_states]
            if mask_f is not None:
                m = mask_f[:, t : t + 1]
                if self.zero_output_for_mask:
                    out = ops.multiply(out, m)
                else:
                    prev = states[-1][0] if _is_nested(states[0]) else states[0]
                    out = _blend(m, out, prev)
                blended = [_blend(m, n, s) for n, s in zip(flatten(new_states), flatten(states))]
                new_states = pack_like(list(states), blended)
            states = list(new_states)
            outputs.append(out)
        return ops.stack(outputs, axis=1), outputs[-1], states

    def _reset_dropout_masks(self, cell: Any) -> None:
        if isinstance(cell, DropoutRNNCell):
            cell.reset_dropout_mask()
            cell.reset_recurrent_dropout_mask()
        for sub in getattr(cell, "cells", []) or []:
            self._reset_dropout_masks(sub)

    # ------------------------------------------------------------ config

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "return_sequences": self.return_sequences,
                "return_state": self.return_state,
                "go_backwards": self.go_backwards,
                "stateful": self.stateful,
                "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask,
                "cell": serialize_object(self.cell),
            }
        )
        return config

    @classmethod
    def from_config(
        cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None
    ) -> Self:
        config = dict(config)
        cell = deserialize_object(
            config.pop("cell"), custom_objects=custom_objects, kinds=("layers",)
        )
        return cls(cell, **config)
