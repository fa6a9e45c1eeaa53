"""LSTM: Long Short-Term Memory (Hochreiter & Schmidhuber, 1997), Keras's
gate order i, f, c, o in one kernel of `4 * units` columns."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras import activations, ops
from pykeras.layers.rnn import _fused
from pykeras.layers.rnn._cell_base import BaseCell
from pykeras.layers.rnn._layer_base import CellLayer

if TYPE_CHECKING:
    from pykeras.constraints import ConstraintLike
    from pykeras.initializers.initializer import InitializerLike
    from pykeras.regularizers import RegularizerLike


class LSTMCell(BaseCell):
    """Cell class for `LSTM`: one time step.

    Args:
        units: positive int, the size of the output (and of each state).
        activation: activation of the cell and output (default "tanh").
        recurrent_activation: activation of the gates (default "sigmoid").
        use_bias: whether to add a bias.
        kernel_initializer, recurrent_initializer, bias_initializer:
            initializers of `kernel` (input_dim, 4 * units),
            `recurrent_kernel` (units, 4 * units) and `bias` (4 * units,).
        unit_forget_bias: add 1 to the forget gate's bias at initialization.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: per weight.
        kernel_constraint, recurrent_constraint, bias_constraint: per weight.
        dropout: fraction of the inputs dropped while training.
        recurrent_dropout: fraction of the recurrent state dropped while training.
        seed: seed of the dropout masks.

    Example:

    >>> keras.layers.RNN(LSTMCell(4), return_state=True)(np.ones((2, 3, 5)))[2].shape
    (2, 4)
    """

    def __init__(
        self,
        units: int,
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
        kernel_constraint: ConstraintLike = None,
        recurrent_constraint: ConstraintLike = None,
        bias_constraint: ConstraintLike = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        implementation = kwargs.pop("implementation", 2)
        super().__init__(
            units, activation, use_bias, kernel_initializer, recurrent_initializer,
            bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
            kernel_constraint, recurrent_constraint, bias_constraint, dropout,
            recurrent_dropout, seed, **kwargs,
        )  # fmt: skip
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        # As in Keras: recurrent dropout needs the per-gate formulation.
        self.implementation = 1 if self.recurrent_dropout else implementation
        if self.implementation == 1:
            self.dropout_mask_count = 4
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape: Any) -> None:
        self._add_kernels(self._check_input_dim(input_shape), 4)
        initializer = self.bias_initializer
        if self.unit_forget_bias:
            base, units = self.bias_initializer, self.units

            def initializer(shape: Any, dtype: Any = None) -> Any:
                return np.concatenate(
                    [
                        np.asarray(base((units,), dtype="float32")),
                        np.ones((units,), np.float32),
                        np.asarray(base((2 * units,), dtype="float32")),
                    ]
                )

        self._add_bias((4 * self.units,), initializer)
        self.built = True

    def call(self, inputs: Any, states: Any, training: bool | None = False) -> Any:
        h_tm1, c_tm1 = states[0], states[1]
        units = self.units
        dp = self.get_dropout_mask(inputs) if training else None
        rdp = self.get_recurrent_dropout_mask(h_tm1) if training else None
        if self.implementation == 1:
            # One input and one state per gate, each with its own mask.
            xs = [inputs * dp[k] if dp is not None else inputs for k in range(4)]
            hs = [h_tm1 * rdp[k] if rdp is not None else h_tm1 for k in range(4)]
            z = []
            for k in range(4):
                cols = slice(k * units, (k + 1) * units)
                zk = ops.matmul(xs[k], self.kernel[:, cols])
                if self.bias is not None:
                    zk = ops.add(zk, self.bias[cols])
                z.append(ops.add(zk, ops.matmul(hs[k], self.recurrent_kernel[:, cols])))
        else:
            if dp is not None:
                inputs = inputs * dp
            zz = ops.add(ops.matmul(inputs, self.kernel), ops.matmul(h_tm1, self.recurrent_kernel))
            if self.bias is not None:
                zz = ops.add(zz, self.bias)
            z = ops.split(zz, 4, axis=1)
        i = self.recurrent_activation(z[0])
        f = self.recurrent_activation(z[1])
        c = f * c_tm1 + i * self.activation(z[2])
        o = self.recurrent_activation(z[3])
        h = o * self.activation(c)
        return h, [h, c]

    def _cell_config(self) -> Any:
        config = super()._cell_config()
        config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config["unit_forget_bias"] = self.unit_forget_bias
        return config


_fused.KERNELS[LSTMCell] = _fused.lstm


class LSTM(CellLayer):
    """Long Short-Term Memory layer (Hochreiter 1997).

    Args:
        units: positive int, the size of the output.
        activation, recurrent_activation, use_bias: as for `LSTMCell`.
        initializers, unit_forget_bias, regularizers, constraints: as for `LSTMCell`.
        dropout, recurrent_dropout, seed: as for `LSTMCell`.
        activity_regularizer: optional regularizer of the output.
        return_sequences, return_state, go_backwards, stateful, unroll:
            as for `RNN`.
        use_cudnn: accepted for Keras compatibility (the CPU kernel is
            always pykeras's fused one).

    Input shape: `(batch, timesteps, features)`. Output shape:
    `(batch, units)`, or `(batch, timesteps, units)` with `return_sequences`;
    with `return_state`, followed by the final `h` and `c`.

    Example:

    >>> whole, h, c = LSTM(4, return_sequences=True, return_state=True)(np.ones((2, 3, 5)))
    >>> whole.shape, h.shape, c.shape
    ((2, 3, 4), (2, 4), (2, 4))
    """

    cell_class = LSTMCell
    cell_name = "lstm_cell"

    def __init__(
        self,
        units: int,
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
        unroll: bool = False,
        use_cudnn: str = "auto",
        **kwargs: Any,
    ) -> None:
        if use_cudnn not in ("auto", True, False):
            raise ValueError(
                "Invalid valid received for argument `use_cudnn`. Expected one of "
                f"{{'auto', True, False}}. Received: use_cudnn={use_cudnn}"
            )
        cell_args = dict(
            units=units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed,
            implementation=kwargs.pop("implementation", 2),
        )  # fmt: skip
        super().__init__(
            cell_args,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )
        self.use_cudnn = use_cudnn
