"""ConvLSTMCell: one step of a convolutional LSTM (Shi et al., 2015), the
cell of `ConvLSTM1D/2D/3D`.

Its gates are those of `LSTMCell` (order i, f, c, o along the last kernel
axis) with the matrix products replaced by convolutions: the input one with
the layer's strides, padding and dilation, the recurrent one always "same"
with stride 1 (so the state keeps the input convolution's output size).
Keras does not export this cell; its weights (`kernel`, `recurrent_kernel`,
`bias`) and config are Keras's.

The layer does not call the cell step by step: it convolves the inputs of
every step at once (`input_conv_sequence`) and runs the recurrent part
(`step`) per step. `call` is the same step for one time step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras import activations, constraints, initializers, ops, regularizers
from pykeras.layers.convolutional import _conv_nd
from pykeras.layers.convolutional._conv_args import (
    conv_output_length,
    data_format_arg,
    padding_arg,
    window_args,
)
from pykeras.layers.layer import Layer
from pykeras.layers.rnn._cell_base import _rate
from pykeras.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from pykeras.layers.validation import positive_int
from pykeras.random import _stream as random

if TYPE_CHECKING:
    from pykeras.constraints import ConstraintLike
    from pykeras.initializers.initializer import InitializerLike
    from pykeras.regularizers import RegularizerLike

__all__ = ["ConvLSTMCell"]


def to_channels_last(x: Any, rank: int, lead: int) -> Any:
    """Moves the channel axis (right after `lead` leading axes) to the end."""
    axes = list(range(lead)) + list(range(lead + 1, lead + rank + 1)) + [lead]
    return ops.transpose(x, axes)


def to_channels_first(x: Any, rank: int, lead: int) -> Any:
    """Moves the last (channel) axis to right after `lead` leading axes."""
    axes = list(range(lead)) + [lead + rank] + list(range(lead, lead + rank))
    return ops.transpose(x, axes)


class ConvLSTMCell(Layer, DropoutRNNCell):
    """Cell class of the ConvLSTM layers: one time step.

    Args:
        rank: 1, 2 or 3, the number of spatial axes.
        filters: positive int, the number of output channels (of each state).
        kernel_size: int or tuple of `rank` ints, the convolution window.
        strides: int or tuple of `rank` ints, of the input convolution.
        padding: `"valid"` or `"same"`, of the input convolution.
        data_format: `"channels_last"` or `"channels_first"` (default: the
            config's `image_data_format`).
        dilation_rate: int or tuple of `rank` ints, of the input convolution.
        activation, recurrent_activation, use_bias, kernel_initializer,
            recurrent_initializer, bias_initializer, unit_forget_bias,
            regularizers, constraints, dropout, recurrent_dropout, seed:
            as for `LSTMCell`.
    """

    # Set by `window_args`.
    kernel_size: tuple[int, ...]
    strides: tuple[int, ...]
    dilation_rate: tuple[int, ...]

    def __init__(
        self,
        rank: int,
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
        kernel_constraint: ConstraintLike = None,
        recurrent_constraint: ConstraintLike = None,
        bias_constraint: ConstraintLike = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if rank not in (1, 2, 3):
            raise ValueError(
                f"Layer '{self.name}': ConvLSTM convolutions have rank 1, 2 or 3. "
                f"Received: rank={rank!r}"
            )
        self.rank = int(rank)
        self.filters = positive_int(filters, "filters", self.name)
        window_args(self, self.rank, kernel_size, strides, dilation_rate)
        self.padding = padding_arg(padding, self.name)
        self.data_format = data_format_arg(data_format, self.name)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _rate(dropout, "dropout", self.name)
        self.recurrent_dropout = _rate(recurrent_dropout, "recurrent_dropout", self.name)
        self.seed = seed
        self._op_seed = int(seed if seed is not None else random.make_rng().integers(0, 2**31 - 1))
        # One dropout mask per gate, as Keras draws them.
        self.dropout_mask_count = 4
        # Each state has `filters` channels; the full shape is the layer's.
        self.state_size = [self.filters, self.filters]
        self.spatial_dims: tuple[int, ...] | None = None
        self.input_dim: int | None = None

    # ------------------------------------------------------------ shapes

    def _split(self, shape: Any) -> Any:
        shape = tuple(shape)
        if self.data_format == "channels_first":
            return shape[0], tuple(shape[2:]), shape[1]
        return shape[0], tuple(shape[1:-1]), shape[-1]

    def _join(self, batch: Any, spatial: Any, channels: Any) -> tuple[Any, ...]:
        if self.data_format == "channels_first":
            return (batch, channels, *spatial)
        return (batch, *spatial, channels)

    def output_spatial(self, spatial: Any) -> tuple[Any, ...]:
        """The state's spatial sizes for inputs of spatial sizes `spatial`."""
        return tuple(
            conv_output_length(s, k, st, d, self.padding)
            for s, k, st, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)
        )

    def state_shape(self, batch: Any) -> tuple[Any, ...]:
        """The shape of each state (and output step) for a batch of `batch`."""
        return self._join(batch, self.output_spatial(self.spatial_dims), self.filters)

    def compute_output_shape(self, inputs_shape: Any, states_shape: Any = None) -> Any:
        batch, spatial, _ = self._split(inputs_shape)
        shape = self._join(batch, self.output_spatial(spatial), self.filters)
        return shape, [shape, shape]

    # ------------------------------------------------------------ build

    def build(self, inputs_shape: Any, states_shape: Any = None) -> None:
        inputs_shape = tuple(inputs_shape)
        if len(inputs_shape) != self.rank + 2:
            raise ValueError(
                f"Layer '{self.name}' expected step inputs of rank {self.rank + 2}. "
                f"Received: input_shape={inputs_shape}"
            )
        _, spatial, channels = self._split(inputs_shape)
        if None in spatial:
            raise ValueError(
                f"Layer '{self.name}': ConvLSTM layers only support static input shapes for "
                f"the spatial dimensions. Received: input_shape={inputs_shape}"
            )
        if channels is None:
            raise ValueError(
                f"Layer '{self.name}': the channel dimension of the inputs should be defined. "
                f"Found None. Received: input_shape={inputs_shape}"
            )
        if self.padding == "valid":
            for size, k, d in zip(spatial, self.kernel_size, self.dilation_rate):
                if size < (k - 1) * d + 1:
                    raise ValueError(
                        f"Layer '{self.name}': the kernel window (size {(k - 1) * d + 1} "
                        "with dilation) is larger than the input along a spatial axis with "
                        f"padding='valid'. Received: input_shape={inputs_shape}, "
                        f"kernel_size={self.kernel_size}, dilation_rate={self.dilation_rate}"
                    )
        self.spatial_dims = tuple(int(s) for s in spatial)
        self.input_dim = int(channels)
        self.kernel = self.add_weight(
            shape=(*self.kernel_size, self.input_dim, 4 * self.filters),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(*self.kernel_size, self.filters, 4 * self.filters),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            initializer = self.bias_initializer
            if self.unit_forget_bias:
                base, filters = self.bias_initializer, self.filters

                def initializer(shape: Any, dtype: Any = None) -> Any:
                    return np.concatenate(
                        [
                            np.asarray(base((filters,), dtype="float32")),
                            np.ones((filters,), np.float32),
                            np.asarray(base((2 * filters,), dtype="float32")),
                        ]
                    )

            self.bias = self.add_weight(
                shape=(4 * self.filters,),
                name="bias",
                initializer=initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True

    def get_initial_state(self, batch_size: int | None = None) -> list[Any]:
        """Zero states `[h, c]`, each of the state shape."""
        shape = self.state_shape(batch_size)
        return [np.zeros(shape, np.float32), np.zeros(shape, np.float32)]

    # ------------------------------------------------------------ math

    def _conv(self, x: Any, kernel: Any, recurrent: bool) -> Any:
        """Channels-last convolution: the input one, or the recurrent one
        ("same", stride 1, no dilation, as Keras's)."""
        if recurrent:
            ones = (1,) * self.rank
            return _conv_nd.conv(x, kernel, ones, "same", ones)
        return _conv_nd.conv(x, kernel, self.strides, self.padding, self.dilation_rate)

    def _gate_kernel(self, kernel: Any, k: int) -> Any:
        f = self.filters
        return kernel[(slice(None),) * (self.rank + 1) + (slice(k * f, (k + 1) * f),)]

    def _gated_conv(self, x: Any, kernel: Any, masks: Any, recurrent: bool) -> Any:
        """`conv(x, kernel)` over all four gates; with per-gate dropout
        `masks`, four convolutions of the four masked copies, joined."""
        if masks is None:
            return self._conv(x, kernel, recurrent)
        parts = [
            self._conv(ops.multiply(x, masks[k]), self._gate_kernel(kernel, k), recurrent)
            for k in range(4)
        ]
        return ops.concatenate(parts, axis=-1)

    def input_conv_sequence(self, x: Any, dropout_masks: Any) -> Any:
        """The input convolutions (and bias) of every step at once, channels
        last: `(batch, time, *spatial, channels)` to `(batch, time,
        *out_spatial, 4 * filters)`. Time is folded into the batch, so the
        whole sequence is one convolution (four with input dropout)."""
        shape = tuple(x.shape)
        steps = shape[1]

        def fold(v: Any) -> Any:
            return ops.reshape(v, (-1, *shape[2:]))

        if dropout_masks is None:
            z = self._conv(fold(x), self.kernel, recurrent=False)
        else:
            # Each gate's step mask (batch, ...) applies at every step.
            parts = [
                self._conv(
                    fold(ops.multiply(x, ops.expand_dims(m, 1))),
                    self._gate_kernel(self.kernel, k),
                    recurrent=False,
                )
                for k, m in enumerate(dropout_masks)
            ]
            z = ops.concatenate(parts, axis=-1)
        if self.bias is not None:
            z = ops.add(z, self.bias)
        out_spatial = self.output_spatial(shape[2:-1])
        return ops.reshape(z, (-1, steps, *out_spatial, 4 * self.filters))

    def step(self, z_input: Any, h: Any, c: Any, recurrent_masks: Any) -> Any:
        """One recurrent step, channels last: the gates from the step's input
        convolution `z_input` and the previous `h`, `c`; returns `(h, c)`."""
        z = ops.add(z_input, self._gated_conv(h, self.recurrent_kernel, recurrent_masks, True))
        zi, zf, zc, zo = ops.split(z, 4, axis=-1)
        i = self.recurrent_activation(zi)
        f = self.recurrent_activation(zf)
        c = ops.add(ops.multiply(f, c), ops.multiply(i, self.activation(zc)))
        o = self.recurrent_activation(zo)
        return ops.multiply(o, self.activation(c)), c

    def dropout_masks(self, step_input: Any, training: bool | None) -> Any:
        """This call's input dropout masks (one per gate), or None.

        As in Keras, a rate of 1 drops nothing (the masks apply for rates
        strictly between 0 and 1)."""
        if training and 0.0 < self.dropout < 1.0:
            return self.get_dropout_mask(step_input)
        return None

    def recurrent_dropout_masks(self, h: Any, training: bool | None) -> Any:
        """This call's recurrent dropout masks (one per gate), or None."""
        if training and 0.0 < self.recurrent_dropout < 1.0:
            return self.get_recurrent_dropout_mask(h)
        return None

    def call(self, inputs: Any, states: Any, training: bool | None = False) -> Any:
        """One step on `inputs` `(batch, *spatial, channels)` (or channels
        first) and `states` `[h, c]`; returns `(h, [h, c])`."""
        first = self.data_format == "channels_first"
        x = to_channels_last(inputs, self.rank, 1) if first else inputs
        h, c = states[0], states[1]
        if first:
            h, c = (to_channels_last(s, self.rank, 1) for s in (h, c))
        dp = self.dropout_masks(x, training)
        z = self._gated_conv(x, self.kernel, dp, recurrent=False)
        if self.bias is not None:
            z = ops.add(z, self.bias)
        h, c = self.step(z, h, c, self.recurrent_dropout_masks(h, training))
        if first:
            h, c = (to_channels_first(s, self.rank, 1) for s in (h, c))
        return h, [h, c]

    # ------------------------------------------------------------ config

    def _cell_config(self) -> dict[str, Any]:
        return {
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "unit_forget_bias": self.unit_forget_bias,
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
        return {**super().get_config(), "rank": self.rank, **self._cell_config()}
