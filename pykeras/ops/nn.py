"""Neural-network ops: activations, convolution, pooling, dropout,
embedding, normalization and the fused softmax cross-entropy."""

from pykeras.ops._dispatch import run

__all__ = [
    "elu",
    "exponential",
    "gelu",
    "hard_sigmoid",
    "leaky_relu",
    "linear",
    "log_softmax",
    "relu",
    "selu",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "swish",
    "tanh",
]


def relu(x):
    """max(x, 0)."""
    return run("relu", [x])


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return run("sigmoid", [x])


def tanh(x):
    """Hyperbolic tangent."""
    return run("tanh", [x])


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`."""
    return run("softmax", [x], axis=axis)


def log_softmax(x, axis=-1):
    """log(softmax(x)) along `axis`, computed stably."""
    return run("log_softmax", [x], axis=axis)


def elu(x, alpha=1.0):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return run("elu", [x], alpha=float(alpha))


def selu(x):
    """Scaled ELU with Keras's constants."""
    return run("selu", [x])


def gelu(x, approximate=True):
    """Gaussian error linear unit; the tanh approximation by default, as keras.ops."""
    return run("gelu", [x], approximate=bool(approximate))


def silu(x):
    """x * sigmoid(x)."""
    return run("silu", [x])


swish = silu


def softplus(x):
    """log(1 + exp(x)), computed stably."""
    return run("softplus", [x])


def softsign(x):
    """x / (1 + |x|)."""
    return run("softsign", [x])


def leaky_relu(x, negative_slope=0.2):
    """x if x >= 0 else negative_slope * x."""
    return run("leaky_relu", [x], negative_slope=float(negative_slope))


def hard_sigmoid(x):
    """relu6(x + 3) / 6, as Keras 3."""
    return run("hard_sigmoid", [x])


def exponential(x):
    """exp(x)."""
    return run("exponential", [x])


def linear(x):
    """The identity."""
    return run("linear", [x])
