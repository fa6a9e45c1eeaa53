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


def mish(x):
    """x * tanh(softplus(x)) (Misra, 2019)."""
    return ops.multiply(x, ops.tanh(ops.softplus(x)))


def celu(x, alpha=1.0):
    """x if x >= 0 else alpha * (exp(x / alpha) - 1)."""
    return ops.celu(x, alpha=alpha)


def glu(x, axis=-1):
    """Gated linear unit: `a * sigmoid(b)` of the halves `a`, `b` of `x` along `axis`."""
    return ops.glu(x, axis=axis)


def hard_silu(x):
    """x * relu6(x + 3) / 6."""
    return ops.hard_silu(x)


hard_swish = hard_silu


def hard_tanh(x):
    """-1 if x < -1, 1 if x > 1, x otherwise."""
    return ops.hard_tanh(x)


def hard_shrink(x, threshold=0.5):
    """x if |x| > threshold, else 0."""
    return ops.hard_shrink(x, threshold=threshold)


def soft_shrink(x, threshold=0.5):
    """x - threshold if x > threshold, x + threshold if x < -threshold, else 0."""
    return ops.soft_shrink(x, threshold=threshold)


def tanh_shrink(x):
    """x - tanh(x)."""
    return ops.tanh_shrink(x)


def log_sigmoid(x):
    """log(sigmoid(x)), computed stably."""
    return ops.log_sigmoid(x)


def sparse_plus(x):
    """0 if x <= -1, x if x >= 1, (x + 1)**2 / 4 otherwise."""
    return ops.sparse_plus(x)


def sparse_sigmoid(x):
    """0 if x <= -1, 1 if x >= 1, (x + 1) / 2 otherwise."""
    return ops.sparse_sigmoid(x)


def sparsemax(x, axis=-1):
    """The Euclidean projection of `x` onto the probability simplex along `axis`."""
    return ops.sparsemax(x, axis=axis)


def squareplus(x, b=4):
    """(x + sqrt(x**2 + b)) / 2."""
    return ops.squareplus(x, b=b)


def threshold(x, threshold, default_value):
    """x if x > threshold, else `default_value`."""
    return ops.threshold(x, threshold, default_value)


_BY_NAME = {
    f.__name__: f
    for f in (
        relu, relu6, sigmoid, tanh, softmax, log_softmax, elu, selu, gelu, silu, softplus,
        softsign, leaky_relu, hard_sigmoid, exponential, linear, mish, celu, glu, hard_silu,
        hard_tanh, hard_shrink, soft_shrink, tanh_shrink, log_sigmoid, sparse_plus,
        sparse_sigmoid, sparsemax, squareplus, threshold,
    )
}  # fmt: skip
_BY_NAME["swish"] = silu
_BY_NAME["hard_swish"] = hard_silu


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


def deserialize(config, custom_objects=None):
    """An activation function from its serialized form (a name or a config dict).

    Args:
        config: a name such as "relu", or `{"class_name": ..., "config": ...}`.
        custom_objects: optional `{name: function}` searched first.
    """
    name = config
    if isinstance(config, dict):
        name = config.get("config", {}).get("name", config.get("class_name"))
    if custom_objects and isinstance(name, str) and name in custom_objects:
        return custom_objects[name]
    return get(config)


__all__ = sorted(_BY_NAME) + ["deserialize", "get", "serialize"]
