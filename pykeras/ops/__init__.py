"""pykeras.ops: the Python face of the Rust core's primitive ops.

Each function takes array-likes, converts them by pykeras's dtype rules
(see `pykeras._convert`), runs the op in Rust with the GIL released, and
returns a numpy array.
"""

from pykeras.ops.math import (
    add,
    bias_add,
    div,
    divide,
    matmul,
    max,
    mean,
    mul,
    multiply,
    sub,
    subtract,
    sum,
)
from pykeras.ops.nn import (
    elu,
    exponential,
    gelu,
    hard_sigmoid,
    leaky_relu,
    linear,
    log_softmax,
    relu,
    selu,
    sigmoid,
    silu,
    softmax,
    softplus,
    softsign,
    swish,
    tanh,
)
from pykeras.ops.shape import concat, concatenate, pad, reshape, slice, transpose

__all__ = [
    "add",
    "bias_add",
    "concat",
    "concatenate",
    "div",
    "divide",
    "elu",
    "exponential",
    "gelu",
    "hard_sigmoid",
    "leaky_relu",
    "linear",
    "log_softmax",
    "matmul",
    "max",
    "mean",
    "mul",
    "multiply",
    "pad",
    "relu",
    "reshape",
    "selu",
    "sigmoid",
    "silu",
    "slice",
    "softmax",
    "softplus",
    "softsign",
    "sub",
    "subtract",
    "sum",
    "swish",
    "tanh",
    "transpose",
]
