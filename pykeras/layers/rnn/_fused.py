"""The fast path of the recurrent layers: one Rust primitive per recurrence.

`x @ kernel + bias` for every time step is one GEMM over the whole sequence
(ordinary ops, so its gradient is theirs); `lstm_scan`, `gru_scan` and
`simple_rnn_scan` then run the sequential part, masks and `go_backwards`
included, forward and backward in Rust. They return the carried state of
every step in processing order; `time_last` takes the final step, so all of
this also works when the number of steps is only known at run time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from pykeras import activations, ops
from pykeras.ops._dispatch import run

# Activations the kernels evaluate themselves; any other takes the
# per-step path (a graph of ops, static number of steps).
FUSED_ACTIVATIONS = frozenset({"tanh", "sigmoid", "hard_sigmoid", "relu", "linear"})

# The fused kernel of each built-in cell class (exactly that class: a subclass
# may change the step). Each cell's module adds its own: they build on `RNN`,
# which reads this table.
KERNELS: dict[type, Any] = {}


def activation_name(fn: Callable[..., Any]) -> Any:
    """The activation's Keras name if the kernels know it, else None."""
    try:
        name = activations.serialize(fn)
    except ValueError:
        return None
    if name not in FUSED_ACTIVATIONS or activations.get(name) is not fn:
        return None
    return name


def time_last(x: Any) -> Any:
    """`x[:, -1]`, also when the number of steps is unknown."""
    return run("time_last", [x])


def time_reverse(x: Any) -> Any:
    """`x[:, ::-1]`, also when the number of steps is unknown."""
    return run("time_reverse", [x])


def project(x: Any, kernel: Any, bias: Any) -> Any:
    """The input projection of every step at once: `x @ kernel (+ bias)`."""
    xp = ops.matmul(x, kernel)
    if bias is not None:
        xp = ops.add(xp, bias)
    return xp


def lstm(cell: Any, x: Any, states: Any, mask: Any, go_backwards: bool) -> Any:
    """Runs an `LSTMCell`'s recurrence; returns (outputs, [h, c]) with
    outputs (batch, time, units) in processing order."""
    units = cell.units
    xp = project(x, cell.kernel, cell.bias if cell.use_bias else None)
    out = run(
        "lstm_scan",
        [xp, states[0], states[1], cell.recurrent_kernel, mask],
        go_backwards=bool(go_backwards),
        activation=activation_name(cell.activation),
        recurrent_activation=activation_name(cell.recurrent_activation),
    )
    # Per step: h, c, then the gates (which only the backward pass reads).
    last = time_last(out)
    return out[:, :, :units], [last[:, :units], last[:, units : 2 * units]]


def gru(cell: Any, x: Any, states: Any, mask: Any, go_backwards: bool) -> Any:
    """Runs a `GRUCell`'s recurrence; returns (outputs, [h])."""
    units = cell.units
    input_bias, recurrent_bias = None, np.zeros((3 * units,), np.float32)
    if cell.use_bias:
        if cell.reset_after:
            input_bias, recurrent_bias = cell.bias[0], cell.bias[1]
        else:
            input_bias = cell.bias
    xp = project(x, cell.kernel, input_bias)
    out = run(
        "gru_scan",
        [xp, states[0], cell.recurrent_kernel, recurrent_bias, mask],
        go_backwards=bool(go_backwards),
        reset_after=bool(cell.reset_after),
        activation=activation_name(cell.activation),
        recurrent_activation=activation_name(cell.recurrent_activation),
    )
    return out, [time_last(out)]


def simple_rnn(cell: Any, x: Any, states: Any, mask: Any, go_backwards: bool) -> Any:
    """Runs a `SimpleRNNCell`'s recurrence; returns (outputs, [h])."""
    xp = project(x, cell.kernel, cell.bias if cell.use_bias else None)
    out = run(
        "simple_rnn_scan",
        [xp, states[0], cell.recurrent_kernel, mask],
        go_backwards=bool(go_backwards),
        activation=activation_name(cell.activation),
    )
    return out, [time_last(out)]
