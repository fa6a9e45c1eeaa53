"""SimpleRNN: the fully connected recurrence `h = activation(x W + h U + b)`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pykeras import ops
from pykeras.layers.rnn import _fused
from pykeras.layers.rnn._cell_base import BaseCell
from pykeras.layers.rnn._layer_base import CellLayer

if TYPE_CHECKING:
    from pykeras.constraints import ConstraintLike
    from pykeras.initializers.initializer import InitializerLike
    from pykeras.regularizers import RegularizerLike


class SimpleRNNCell(BaseCell):
    """Cell class for `SimpleRNN`: one time step.

    Args:
        units: positive int, the size of the output (and state).
        activation: activation function (default "tanh").
        use_bias: whether to add a bias.
        kernel_initializer, recurrent_initializer, bias_initializer:
            initializers of `kernel` (input_dim, units), `recurrent_kernel`
            (units, units) and `bias` (units,).
        kernel_regularizer, recurrent_regularizer, bias_regularizer:
            optional regularizers of those weights.
        kernel_constraint, recurrent_constraint, bias_constraint:
            optional constraints on them.
        dropout: fraction of the inputs dropped while training.
        recurrent_dropout: fraction of the recurrent state dropped while training.
        seed: seed of the dropout masks.

    Example:

    >>> keras.layers.RNN(SimpleRNNCell(4))(np.ones((2, 3, 5))).shape
    (2, 4)
    """

    def __init__(
        self,
        units: int,
        activation: str | Callable[..., Any] | None = "tanh",
        use_bias: bool = True,
        kernel_initializer: InitializerLike = "glorot_uniform",
        recurrent_initializer: InitializerLike = "orthogonal",
        bias_initializer: InitializerLike = "zeros",
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
        super().__init__(
            units, activation, use_bias, kernel_initializer, recurrent_initializer,
            bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
            kernel_constraint, recurrent_constraint, bias_constraint, dropout,
            recurrent_dropout, seed, **kwargs,
        )  # fmt: skip
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape: Any) -> None:
        self._add_kernels(self._check_input_dim(input_shape), 1)
        self._add_bias((self.units,))
        self.built = True

    def call(self, sequence: Any, states: Any, training: bool | None = False) -> Any:
        prev_output = states[0] if isinstance(states, (list, tuple)) else states
        dp_mask = self.get_dropout_mask(sequence)
        rec_dp_mask = self.get_recurrent_dropout_mask(prev_output)
        if training and dp_mask is not None:
            sequence = sequence * dp_mask
        h = ops.matmul(sequence, self.kernel)
        if self.bias is not None:
            h = ops.add(h, self.bias)
        if training and rec_dp_mask is not None:
            prev_output = prev_output * rec_dp_mask
        output = self.activation(ops.add(h, ops.matmul(prev_output, self.recurrent_kernel)))
        new_state = [output] if isinstance(states, (list, tuple)) else output
        return output, new_state


_fused.KERNELS[SimpleRNNCell] = _fused.simple_rnn


class SimpleRNN(CellLayer):
    """Fully-connected RNN where the output is fed back as the next input.

    Args:
        units: positive int, the size of the output.
        activation, use_bias: as for `SimpleRNNCell`.
        initializers, regularizers, constraints: as for `SimpleRNNCell`.
        dropout, recurrent_dropout, seed: as for `SimpleRNNCell`.
        activity_regularizer: optional regularizer of the output.
        return_sequences, return_state, go_backwards, stateful, unroll:
            as for `RNN`.

    Input shape: `(batch, timesteps, features)`. Output shape:
    `(batch, units)`, or `(batch, timesteps, units)` with `return_sequences`.

    Example:

    >>> SimpleRNN(4, return_sequences=True)(np.ones((2, 3, 5))).shape
    (2, 3, 4)
    """

    cell_class = SimpleRNNCell
    cell_name = "simple_rnn_cell"

    def __init__(
        self,
        units: int,
        activation: str | Callable[..., Any] | None = "tanh",
        use_bias: bool = True,
        kernel_initializer: InitializerLike = "glorot_uniform",
        recurrent_initializer: InitializerLike = "orthogonal",
        bias_initializer: InitializerLike = "zeros",
        kernel_regularizer: RegularizerLike = None,
        recurrent_regularizer: RegularizerLike = None,
        bias_regularizer: RegularizerLike = None,
        activity_regularizer: RegularizerLike = None,
        kernel_constraint: ConstraintLike = None,
        recurrent_constraint: ConstraintLike = None,
        bias_constraint: ConstraintLike = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        cell_args = dict(
            units=units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed,
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
