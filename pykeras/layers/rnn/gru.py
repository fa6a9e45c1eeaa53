"""GRU: Gated Recurrent Unit (Cho et al., 2014), Keras's gate order z, r, h;
`reset_after=True` (Keras 3's default) applies the reset gate after the
recurrent matmul and keeps a separate recurrent bias (bias shape (2, 3 * units))."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pykeras import activations, ops
from pykeras.layers.rnn import _fused
from pykeras.layers.rnn._cell_base import BaseCell
from pykeras.layers.rnn._layer_base import CellLayer

if TYPE_CHECKING:
    from pykeras.constraints import ConstraintLike
    from pykeras.initializers.initializer import InitializerLike
    from pykeras.regularizers import RegularizerLike


class GRUCell(BaseCell):
    """Cell class for `GRU`: one time step.

    Args:
        units: positive int, the size of the output (and state).
        activation: activation of the candidate (default "tanh").
        recurrent_activation: activation of the gates (default "sigmoid").
        use_bias: whether to add a bias.
        kernel_initializer, recurrent_initializer, bias_initializer:
            initializers of `kernel` (input_dim, 3 * units),
            `recurrent_kernel` (units, 3 * units) and `bias`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: per weight.
        kernel_constraint, recurrent_constraint, bias_constraint: per weight.
        dropout: fraction of the inputs dropped while training.
        recurrent_dropout: fraction of the recurrent state dropped while training.
        reset_after: apply the reset gate after the matmul (True, the
            default) or before it (False, the original formulation).
        seed: seed of the dropout masks.

    Example:

    >>> keras.layers.RNN(GRUCell(4))(np.ones((2, 3, 5))).shape
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
        kernel_regularizer: RegularizerLike = None,
        recurrent_regularizer: RegularizerLike = None,
        bias_regularizer: RegularizerLike = None,
        kernel_constraint: ConstraintLike = None,
        recurrent_constraint: ConstraintLike = None,
        bias_constraint: ConstraintLike = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        reset_after: bool = True,
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
        self.reset_after = bool(reset_after)
        self.implementation = 1 if self.recurrent_dropout else implementation
        if self.implementation == 1:
            self.dropout_mask_count = 3
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape: Any) -> None:
        self._add_kernels(self._check_input_dim(input_shape), 3)
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self._add_bias(shape)
        self.built = True

    def call(self, inputs: Any, states: Any, training: bool | None = False) -> Any:
        h_tm1 = states[0] if isinstance(states, (list, tuple)) else states
        units = self.units
        dp = self.get_dropout_mask(inputs) if training else None
        rdp = self.get_recurrent_dropout_mask(h_tm1) if training else None
        if self.bias is None:
            input_bias = recurrent_bias = None
        elif self.reset_after:
            input_bias, recurrent_bias = self.bias[0], self.bias[1]
        else:
            input_bias, recurrent_bias = self.bias, None
        per_gate = self.implementation == 1
        xs = [inputs * dp[k] if per_gate and dp is not None else inputs for k in range(3)]
        if not per_gate and dp is not None:
            xs = [inputs * dp] * 3
        hs = [h_tm1 * rdp[k] if per_gate and rdp is not None else h_tm1 for k in range(3)]
        x, rec = [], []
        for k in range(3):
            cols = slice(k * units, (k + 1) * units)
            xk = ops.matmul(xs[k], self.kernel[:, cols])
            if input_bias is not None:
                xk = ops.add(xk, input_bias[cols])
            x.append(xk)
            if k < 2 or self.reset_after:
                rk = ops.matmul(hs[k], self.recurrent_kernel[:, cols])
                if recurrent_bias is not None:
                    rk = ops.add(rk, recurrent_bias[cols])
                rec.append(rk)
        z = self.recurrent_activation(ops.add(x[0], rec[0]))
        r = self.recurrent_activation(ops.add(x[1], rec[1]))
        if self.reset_after:
            candidate = ops.add(x[2], r * rec[2])
        else:
            candidate = ops.add(x[2], ops.matmul(r * hs[2], self.recurrent_kernel[:, 2 * units :]))
        hh = self.activation(candidate)
        h = z * h_tm1 + (1.0 - z) * hh
        new_state = [h] if isinstance(states, (list, tuple)) else h
        return h, new_state

    def _cell_config(self) -> Any:
        config = super()._cell_config()
        config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config["reset_after"] = self.reset_after
        return config


_fused.KERNELS[GRUCell] = _fused.gru


class GRU(CellLayer):
    """Gated Recurrent Unit layer (Cho et al. 2014).

    Args:
        units: positive int, the size of the output.
        activation, recurrent_activation, use_bias: as for `GRUCell`.
        initializers, regularizers, constraints: as for `GRUCell`.
        dropout, recurrent_dropout, reset_after, seed: as for `GRUCell`.
        activity_regularizer: optional regularizer of the output.
        return_sequences, return_state, go_backwards, stateful, unroll:
            as for `RNN`.
        use_cudnn: accepted for Keras compatibility.

    Input shape: `(batch, timesteps, features)`. Output shape:
    `(batch, units)`, or `(batch, timesteps, units)` with `return_sequences`.

    Example:

    >>> GRU(4)(np.ones((2, 3, 5))).shape
    (2, 4)
    """

    cell_class = GRUCell
    cell_name = "gru_cell"

    def __init__(
        self,
        units: int,
        activation: str | Callable[..., Any] | None = "tanh",
        recurrent_activation: str | Callable[..., Any] | None = "sigmoid",
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
        seed: int | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        reset_after: bool = True,
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
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, reset_after=reset_after,
            seed=seed, implementation=kwargs.pop("implementation", 2),
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
