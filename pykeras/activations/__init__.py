"""pykeras.activations: Keras's activation functions, by name or as functions."""

import difflib

from pykeras import ops
from pykeras.ops._dispatch import run


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit with Keras's optional slope, cap and threshold."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    return run(
        "relu", [x], negative_slope=float(negative_slope), max_value=max_value,
        threshold=float(threshold),
    )  # fmt: skip


def relu6(x):
    """min(max(x, 0), 6)."""
    return run("relu", [x], max_value=6.0)


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return ops.sigmoid(x)


def tanh(x):
    """Hyperbolic tangent."""
    return ops.tanh(x)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`."""
    return ops.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    """log(softmax(x)) along `axis`."""
    return ops.log_softmax(x, axis=axis)


def elu(x, alpha=1.0):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return ops.elu(x, alpha=alpha)


def selu(x):
    """Scaled exponential linear unit."""
    return ops.selu(x)


def gelu(x, approximate=False):
    """Gaussian error linear unit (exact unless `approximate`)."""
    return ops.gelu(x, approximate=approximate)


def silu(x):
    """x * sigmoid(x)."""
    return ops.silu(x)


swish = silu


def softplus(x):
    """log(exp(x) + 1)."""
    return ops.softplus(x)


def softsign(x):
    """x / (|x| + 1)."""
    return ops.softsign(x)


def leaky_relu(x, negative_slope=0.2):
    """x if x >= 0 else negative_slope * x."""
    return ops.leaky_relu(x, negative_slope=negative_slope)


def hard_sigmoid(x):
    """relu6(x + 3) / 6."""
    return ops.hard_sigmoid(x)


def exponential(x):
    """exp(x)."""
    return ops.exponential(x)


def linear(x):
    """The identity: returns `x` unchanged."""
    return x


_BY_NAME = {
    f.__name__: f
    for f in (
        relu, relu6, sigmoid, tanh, softmax, log_softmax, elu, selu, gelu, silu, softplus,
        softsign, leaky_relu, hard_sigmoid, exponential, linear,
    )
}  # fmt: skip
_BY_NAME["swish"] = silu


def get(identifier):
    """An activation function from a name, a config dict, a callable, or None (linear).

    Example:

    >>> get("relu") is relu
    True
    """
    if identifier is None:
        return linear
    if isinstance(identifier, dict):
        identifier = identifier.get("config", {}).get("name", identifier.get("class_name"))
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier)
        if fn is None:
            hint = difflib.get_close_matches(identifier, sorted(_BY_NAME), n=1)
            suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
            raise ValueError(
                f"Unknown activation function: '{identifier}'.{suggestion} Known activations: "
                f"{sorted(_BY_NAME)}"
            )
        return fn
    if callable(identifier):
        return identifier
    raise TypeError(
        f"Could not interpret activation function identifier: {identifier!r}. Expected a name, "
        "a callable or None."
    )


def serialize(activation):
    """The name of an activation function (for configs)."""
    name = getattr(activation, "__name__", None)
    if name in _BY_NAME and _BY_NAME[name] is activation:
        return name
    if name is None:
        raise ValueError(f"Cannot serialize activation {activation!r}: it has no name.")
    return name


__all__ = sorted(_BY_NAME) + ["get", "serialize"]
