"""ConvLSTM2D: the convolutional LSTM layer over sequences of images."""

from __future__ import annotations

from pykeras.layers.rnn.conv_lstm import ConvLSTM

__all__ = ["ConvLSTM2D"]


class ConvLSTM2D(ConvLSTM):
    """2D convolutional LSTM: an LSTM over sequences of images (e.g. video
    frames), with convolutions for the input and recurrent transformations.

    Args:
        filters: int, the number of output channels (of the output and of
            each state).
        kernel_size: int or tuple of 2 ints, the convolution window.
        strides: int or tuple of 2 ints, the strides of the input
            convolution (`strides > 1` excludes `dilation_rate > 1`).
        padding: `"valid"` (no padding) or `"same"` (case-insensitive), of
            the input convolution; the recurrent one is always `"same"`.
        data_format: `"channels_last"` (inputs `(samples, time, rows, cols, channels)`) or
            `"channels_first"` (inputs `(samples, time, channels, rows, cols)`). Defaults to
            `keras.config.image_data_format()`.
        dilation_rate: int or tuple of 2 ints, of the input convolution.
        activation: activation of the cell and output (default `"tanh"`).
        recurrent_activation: activation of the gates (default `"sigmoid"`).
        use_bias: whether the layer has a bias vector.
        kernel_initializer: initializer of `kernel`, shape
            `kernel_size + (channels, 4 * filters)` (gates i, f, c, o).
        recurrent_initializer: initializer of `recurrent_kernel`, shape
            `kernel_size + (filters, 4 * filters)`.
        bias_initializer: initializer of `bias`, shape `(4 * filters,)`.
        unit_forget_bias: add 1 to the forget gate's bias at initialization.
        kernel_regularizer, recurrent_regularizer, bias_regularizer:
            regularizers of the three weights.
        activity_regularizer: regularizer of the output.
        kernel_constraint, recurrent_constraint, bias_constraint: constraints
            of the three weights.
        dropout: fraction of the input channels dropped (per gate) while
            training.
        recurrent_dropout: fraction of the recurrent state dropped (per gate)
            while training.
        seed: seed of the dropout masks.
        return_sequences: return the output of every step (default: the last).
        return_state: also return the final states `h` and `c`.
        go_backwards: process the sequence backwards (the outputs then come
            in reverse order).
        stateful: the final states of a batch are the initial states of the
            next (needs a fixed batch size; `reset_states()` zeroes them).
        unroll: accepted for Keras compatibility (the steps always run as an
            unrolled loop, which needs a known number of timesteps).

    Call arguments:
        inputs: a 5D tensor.
        initial_state: a list of the two initial states `[h, c]`.
        mask: a `(samples, timesteps)` boolean tensor; masked steps carry
            the states (and output) of the last kept step.
        training: whether dropout applies.

    Input shape:
    `(samples, time, rows, cols, channels)` with `data_format="channels_last"`, or
    `(samples, time, channels, rows, cols)` with `"channels_first"`.

    Output shape:
    `(samples, timesteps, new_rows, new_cols, filters)` (channels last)
    with `return_sequences`, else
    `(samples, new_rows, new_cols, filters)`; with
    `return_state`, followed by the two final states of the latter shape. The spatial sizes
    are those of the input convolution's output.

    Example:

    >>> layer = keras.layers.ConvLSTM2D(4, 3, padding="same", return_sequences=True)
    >>> layer(np.ones((2, 5, 8, 8, 3))).shape
    (2, 5, 8, 8, 4)

    Reference: [Shi et al., 2015](http://arxiv.org/abs/1506.04214v1) (without
    the peephole connections from the cell state).
    """

    rank = 2
