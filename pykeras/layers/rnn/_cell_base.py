"""What the built-in cells share: units, activation, the three weights'
initializers, regularizers and constraints, dropout rates and a seed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras import activations, constraints, initializers, regularizers
from pykeras.layers.layer import Layer
from pykeras.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from pykeras.layers.validation import positive_int
from pykeras.random import _stream as random

if TYPE_CHECKING:
    from pykeras.constraints import ConstraintLike
    from pykeras.initializers.initializer import InitializerLike
    from pykeras.regularizers import RegularizerLike


def _rate(value: Any, what: str, name: str | None) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(
            f"Layer '{name}' expected `{what}` to be a float between 0 and 1. "
            f"Received: {what}={value!r}"
        )
    return min(1.0, max(0.0, float(value)))


class BaseCell(Layer, DropoutRNNCell):
    """Configuration shared by `SimpleRNNCell`, `LSTMCell` and `GRUCell`."""

    # Each cell's: its units, or one size per state (LSTM).
    state_size: int | list[int]

    def __init__(
        self,
        units: int,
        activation: str | Callable[..., Any] | None,
        use_bias: bool,
        kernel_initializer: InitializerLike,
        recurrent_initializer: InitializerLike,
        bias_initializer: InitializerLike,
        kernel_regularizer: RegularizerLike,
        recurrent_regularizer: RegularizerLike,
        bias_regularizer: RegularizerLike,
        kernel_constraint: ConstraintLike,
        recurrent_constraint: ConstraintLike,
        bias_constraint: ConstraintLike,
        dropout: float,
        recurrent_dropout: float,
        seed: int | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.units = positive_int(units, "units", self.name)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _rate(dropout, "dropout", self.name)
        self.recurrent_dropout = _rate(recurrent_dropout, "recurrent_dropout", self.name)
        self.seed = seed
        if seed is None:
            seed = int(random.make_rng().integers(0, 2**31 - 1))
        self._op_seed = int(seed)

    def _check_input_dim(self, input_shape: Any) -> Any:
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"Layer '{self.name}' needs a known last input dimension to create its "
                f"kernel. Received: input_shape={tuple(input_shape)}"
            )
        return int(input_dim)

    def _add_kernels(self, input_dim: int, gates: Any) -> None:
        self.kernel = self.add_weight(
            shape=(input_dim, gates * self.units),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, gates * self.units),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )

    def _add_bias(self, shape: Any, initializer: Any = None) -> None:
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=shape,
                name="bias",
                initializer=initializer or self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def get_initial_state(self, batch_size: int | None = None) -> Any:
        """Zero states, one `(batch_size, size)` array per state."""
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        return [np.zeros((batch_size, d), np.float32) for d in sizes]

    def _cell_config(self) -> Any:
        return {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **self._cell_config()}
