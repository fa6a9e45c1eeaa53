"""ConvLSTM: the base of `ConvLSTM1D`, `ConvLSTM2D` and `ConvLSTM3D`, an
`RNN` over a `ConvLSTMCell` whose states are feature maps.

It runs on the RNN machinery (initial states, `stateful`, `go_backwards`,
masks, dropout mask caching, config) with its own step loop: the input
convolutions of all steps are one convolution over `(batch * time, ...)`,
and each step adds the recurrent convolution of the previous `h` and
applies the gates. Steps run channels last; channels-first inputs, states
and outputs are transposed once at the boundary.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from pykeras import ops, regularizers
from pykeras.backend.variable import Variable
from pykeras.engine.tensor_operators import get_item
from pykeras.engine.tree import flatten
from pykeras.layers.rnn.conv_lstm_cell import (
    ConvLSTMCell,
    to_channels_first,
    to_channels_last,
)
from pykeras.layers.rnn.rnn import RNN

if TYPE_CHECKING:
    from typing_extensions import Self

    from pykeras.constraints import ConstraintLike
    from pykeras.initializers.initializer import InitializerLike
    from pykeras.regularizers import RegularizerLike

__all__ = ["ConvLSTM"]

# What the layer reads from its cell, as Keras's properties do.
_CELL_ATTRS = frozenset(
    {
        "filters",
        "kernel_size",
        "strides",
        "padding",
        "data_format",
        "dilation_rate",
        "activation",
        "recurrent_activation",
        "use_bias",
        "kernel_initializer",
        "recurrent_initializer",
        "bias_initializer",
        "unit_forget_bias",
        "kernel_regularizer",
        "recurrent_regularizer",
        "bias_regularizer",
        "kernel_constraint",
        "recurrent_constraint",
        "bias_constraint",
        "dropout",
        "recurrent_dropout",
        "seed",
    }
)


def _blend(m: Any, new: Any, old: Any) -> Any:
    """`new` where the step is kept (m == 1), else `old`."""
    return ops.add(ops.multiply(m, new), ops.multiply(ops.subtract(1.0, m), old))


class ConvLSTM(RNN):
    """N-D convolutional LSTM (N = `rank`, set by each subclass).

    Like an LSTM layer, but the input and recurrent transformations are
    convolutions. See `ConvLSTM2D` for the arguments.
    """

    rank: ClassVar[int]

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
        activation: str | Callable[..., Any] | None = "tanh",
        recurrent_activation: str | Callable[..., Any] | None = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: InitializerLike = "glorot_uniform",
        recurrent_initializer: InitializerLike = "orthogonal",
        bias_initializer: InitializerLike = "zeros",
        unit_forget_bias: bool = True,
        kernel_regularizer: RegularizerLike = None,
        recurrent_regularizer: RegularizerLike = None,
        bias_regularizer: RegularizerLike = None,
        activity_regularizer: RegularizerLike = None,
        kernel_constraint: ConstraintLike = None,
        recurrent_constraint: ConstraintLike = None,
        bias_constraint: ConstraintLike = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        **kwargs: Any,
    ) -> None:
        cell = ConvLSTMCell(
            rank=self.rank, filters=filters, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, name="conv_lstm_cell",
            dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
        )  # fmt: skip
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )

    def __getattr__(self, name: str) -> Any:
        # filters, kernel_size, activation, ... are the cell's, as in Keras.
        cell = self.__dict__.get("cell")
        if cell is not None and name in _CELL_ATTRS:
            return getattr(cell, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    # ------------------------------------------------------------ shapes

    def _input_text(self) -> str:
        spatial = ", ".join(("rows", "cols", "depth")[: self.rank])
        if self.rank == 3:
            spatial = "dim1, dim2, dim3"
        if self.cell.data_format == "channels_first":
            return f"(batch, time, channels, {spatial})"
        return f"(batch, time, {spatial}, channels)"

    def _check_sequences(self, shape: Any) -> None:
        if len(shape) != self.rank + 3:
            raise ValueError(
                f"Layer '{self.name}' expected an input of rank {self.rank + 3} "
                f"{self._input_text()}. Received: input shape {tuple(shape)}"
            )

    def compute_output_shape(self, sequences_shape: Any, initial_state_shape: Any = None) -> Any:
        sequences_shape = tuple(sequences_shape)
        batch, steps = sequences_shape[0], sequences_shape[1]
        state = tuple(self.cell.compute_output_shape((batch, *sequences_shape[2:]))[0])
        output = (batch, steps, *state[1:]) if self.return_sequences else state
        if self.return_state:
            return [output, state, state]
        return output

    # ------------------------------------------------------------ states

    def _create_state_variables(self, batch_size: int) -> None:
        shape = self.cell.state_shape(batch_size)
        self.states = [  # type: ignore[assignment]  # RNN's is None until stateful
            Variable(
                np.zeros(shape, np.float32),
                name="rnn_state",
                path=f"{self.name}/rnn_state",
                trainable=False,
            )
            for _ in range(2)
        ]

    def _zero_states(self, sequences: Any) -> Any:
        if isinstance(sequences, np.ndarray):
            return self.get_initial_state(sequences.shape[0])
        # The batch size may be known only at run time: zeros of
        # (batch, 1, ..., 1) from the data, broadcast to the state shape.
        base = ops.zeros_like(sequences[(slice(None), 0) + (slice(0, 1),) * (self.rank + 1)])
        zeros = np.zeros(self.cell.state_shape(1), np.float32)
        return [ops.add(base, zeros), ops.add(base, zeros)]

    def _initial_states(self, sequences: Any, initial_state: Any) -> Any:
        if initial_state is None:
            return super()._initial_states(sequences, None)
        states = (
            list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        )
        flat = [s if hasattr(s, "shape") else np.asarray(s, np.float32) for s in flatten(states)]
        expected = self.cell.state_shape(sequences.shape[0])
        if len(flat) != 2:
            raise ValueError(
                f"Layer '{self.name}' expected 2 initial states (h and c) of shape "
                f"{expected}. Received: {len(flat)} initial state tensor(s)."
            )
        for s in flat:
            shape = tuple(s.shape)
            if len(shape) != len(expected) or any(
                a is not None and b is not None and a != b for a, b in zip(shape, expected)
            ):
                raise ValueError(
                    f"Layer '{self.name}' expected initial states of shape {expected}. "
                    f"Received: an initial state of shape {shape}"
                )
        return flat

    # ------------------------------------------------------------ the loop

    def _step_call(self, sequences: Any, states: Any, mask_f: Any, training: bool | None) -> Any:
        timesteps = sequences.shape[1]
        if timesteps is None:
            raise ValueError(
                f"Layer '{self.name}' needs a known number of timesteps. Received: input "
                f"shape {tuple(sequences.shape)}. Give `Input()` a `shape` with the number "
                "of timesteps."
            )
        cell, rank = self.cell, self.rank
        first = cell.data_format == "channels_first"
        x = to_channels_last(sequences, rank, 2) if first else sequences
        h, c = states[0], states[1]
        if first:
            h, c = to_channels_last(h, rank, 1), to_channels_last(c, rank, 1)
        dp = cell.dropout_masks(get_item(x, (slice(None), 0)), training)
        z = cell.input_conv_sequence(x, dp)
        rdp = cell.recurrent_dropout_masks(h, training)
        order = range(timesteps - 1, -1, -1) if self.go_backwards else range(timesteps)
        step_mask = (-1,) + (1,) * (rank + 1)
        outputs = []
        for t in order:
            new_h, new_c = cell.step(get_item(z, (slice(None), t)), h, c, rdp)
            out = new_h
            if mask_f is not None:
                # Masked steps carry the states (and output) of the last kept one.
                m = ops.reshape(mask_f[:, t], step_mask)
                out = ops.multiply(new_h, m) if self.zero_output_for_mask else _blend(m, new_h, h)
                new_h, new_c = _blend(m, new_h, h), _blend(m, new_c, c)
            h, c = new_h, new_c
            outputs.append(out)
        seq, last = ops.stack(outputs, axis=1), outputs[-1]
        if first:
            seq = to_channels_first(seq, rank, 2)
            last, h, c = (to_channels_first(v, rank, 1) for v in (last, h, c))
        return seq, last, [h, c]

    # ------------------------------------------------------------ config

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["cell"]
        config.update(self.cell._cell_config())
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(  # type: ignore[override]  # no custom_objects: no nested cell config
        cls, config: dict[str, Any]
    ) -> Self:
        return cls(**config)
