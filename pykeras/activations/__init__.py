"""pykeras.activations: Keras's activation functions, by name or as functions."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from pykeras import ops
from pykeras.ops._dispatch import run

_T = TypeVar("_T")

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike


def relu(
    x: TensorLike,
    negative_slope: float = 0.0,
    max_value: float | None = None,
    threshold: float = 0.0,
) -> Tensor:
    """Rectified linear unit with Keras's optional slope, cap and threshold."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    return run(
        "relu", [x], negative_slope=float(negative_slope), max_value=max_value,
        threshold=float(threshold),
    )  # fmt: skip


def relu6(x: TensorLike) -> Tensor:
    """min(max(x, 0), 6)."""
    return run("relu", [x], max_value=6.0)


def sigmoid(x: TensorLike) -> Tensor:
    """1 / (1 + exp(-x))."""
    return ops.sigmoid(x)


def tanh(x: TensorLike) -> Tensor:
    """Hyperbolic tangent."""
    return ops.tanh(x)


def softmax(x: TensorLike, axis: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along `axis`."""
    return ops.softmax(x, axis=axis)


def log_softmax(x: TensorLike, axis: int = -1) -> Tensor:
    """log(softmax(x)) along `axis`."""
    return ops.log_softmax(x, axis=axis)


def elu(x: TensorLike, alpha: float = 1.0) -> Tensor:
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return ops.elu(x, alpha=alpha)


def selu(x: TensorLike) -> Tensor:
    """Scaled exponential linear unit."""
    return ops.selu(x)


def gelu(x: TensorLike, approximate: bool = False) -> Tensor:
    """Gaussian error linear unit (exact unless `approximate`)."""
    return ops.gelu(x, approximate=approximate)


def silu(x: TensorLike) -> Tensor:
    """x * sigmoid(x)."""
    return ops.silu(x)


swish = silu


def softplus(x: TensorLike) -> Tensor:
    """log(exp(x) + 1)."""
    return ops.softplus(x)


def softsign(x: TensorLike) -> Tensor:
    """x / (|x| + 1)."""
    return ops.softsign(x)


def leaky_relu(x: TensorLike, negative_slope: float = 0.2) -> Tensor:
    """x if x >= 0 else negative_slope * x."""
    return ops.leaky_relu(x, negative_slope=negative_slope)


def hard_sigmoid(x: TensorLike) -> Tensor:
    """relu6(x + 3) / 6."""
    return ops.hard_sigmoid(x)


def exponential(x: TensorLike) -> Tensor:
    """exp(x)."""
    return ops.exponential(x)


def linear(x: _T) -> _T:
    """The identity: returns `x` unchanged."""
    return x


def mish(x: TensorLike) -> Tensor:
    """x * tanh(softplus(x)) (Misra, 2019)."""
    return ops.multiply(x, ops.tanh(ops.softplus(x)))


def celu(x: TensorLike, alpha: float = 1.0) -> Tensor:
    """x if x >= 0 else alpha * (exp(x / alpha) - 1)."""
    return ops.celu(x, alpha=alpha)


def glu(x: TensorLike, axis: int = -1) -> Tensor:
    """Gated linear unit: `a * sigmoid(b)` of the halves `a`, `b` of `x` along `axis`."""
    return ops.glu(x, axis=axis)


def hard_silu(x: TensorLike) -> Tensor:
    """x * relu6(x + 3) / 6."""
    return ops.hard_silu(x)


hard_swish = hard_silu


def hard_tanh(x: TensorLike) -> Tensor:
    """-1 if x < -1, 1 if x > 1, x otherwise."""
    return ops.hard_tanh(x)


def hard_shrink(x: TensorLike, threshold: float = 0.5) -> Tensor:
    """x if |x| > threshold, else 0."""
    return ops.hard_shrink(x, threshold=threshold)


def soft_shrink(x: TensorLike, threshold: float = 0.5) -> Tensor:
    """x - threshold if x > threshold, x + threshold if x < -threshold, else 0."""
    return ops.soft_shrink(x, threshold=threshold)


def tanh_shrink(x: TensorLike) -> Tensor:
    """x - tanh(x)."""
    return ops.tanh_shrink(x)


def log_sigmoid(x: TensorLike) -> Tensor:
    """log(sigmoid(x)), computed stably."""
    return ops.log_sigmoid(x)


def sparse_plus(x: TensorLike) -> Tensor:
    """0 if x <= -1, x if x >= 1, (x + 1)**2 / 4 otherwise."""
    return ops.sparse_plus(x)


def sparse_sigmoid(x: TensorLike) -> Tensor:
    """0 if x <= -1, 1 if x >= 1, (x + 1) / 2 otherwise."""
    return ops.sparse_sigmoid(x)


def sparsemax(x: TensorLike, axis: int = -1) -> Tensor:
    """The Euclidean projection of `x` onto the probability simplex along `axis`."""
    return ops.sparsemax(x, axis=axis)


def squareplus(x: TensorLike, b: float = 4) -> Tensor:
    """(x + sqrt(x**2 + b)) / 2."""
    return ops.squareplus(x, b=b)


def threshold(x: TensorLike, threshold: float, default_value: float) -> Tensor:
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


def get(identifier: Any) -> Callable[..., Any]:
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


def serialize(activation: Callable[..., Any]) -> str:
    """The name of an activation function (for configs)."""
    name = getattr(activation, "__name__", None)
    if name in _BY_NAME and _BY_NAME[name] is activation:
        return name
    if name is None:
        raise ValueError(f"Cannot serialize activation {activation!r}: it has no name.")
    return name


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Callable[..., Any]:
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
