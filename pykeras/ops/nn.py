"""Neural-network ops: activations, convolution, pooling, dropout,
embedding, normalization and the fused softmax cross-entropy.

This module is also `keras.ops.nn`'s namespace: its `__all__` holds every
name of `keras.ops.nn` that pykeras implements, the ones defined here and
those re-exported from `nn_composite`, `nn_spatial`, `_nn_resample`, `ctc`,
`patches` and `losses` (the same objects as `pykeras.ops.<name>`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.backend.variable import Variable
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import integer_positions, run
from pykeras.ops._nn_resample import adaptive_average_pool, adaptive_max_pool, conv_transpose
from pykeras.ops.ctc import ctc_decode, ctc_loss
from pykeras.ops.losses import (  # noqa: F401 (in `__all__` through _FROM_LOSSES)
    binary_crossentropy,
    categorical_crossentropy,
    log_sigmoid,
    sparse_categorical_crossentropy,
)
from pykeras.ops.nn_attention import dot_product_attention
from pykeras.ops.nn_composite import (
    celu,
    glu,
    hard_shrink,
    hard_silu,
    hard_swish,
    hard_tanh,
    moments,
    normalize,
    relu6,
    soft_shrink,
    sparse_plus,
    sparse_sigmoid,
    sparsemax,
    squareplus,
    tanh_shrink,
    threshold,
)
from pykeras.ops.nn_spatial import (
    average_pool,
    conv,
    depth_to_space,
    depthwise_conv,
    max_pool,
    separable_conv,
    space_to_depth,
)
from pykeras.ops.patches import fold, unfold

if TYPE_CHECKING:
    from pykeras.engine.typing import Axis, DTypeLike, Tensor, TensorLike

# The cross-entropies live in `losses` (the same objects as `ops.nn.<name>`).
_FROM_LOSSES = (
    "binary_crossentropy",
    "categorical_crossentropy",
    "log_sigmoid",
    "sparse_categorical_crossentropy",
)

__all__ = [
    "adaptive_average_pool",
    "adaptive_max_pool",
    "average_pool",
    "batch_normalization",
    "celu",
    "conv",
    "conv_transpose",
    "ctc_decode",
    "ctc_loss",
    "depth_to_space",
    "depthwise_conv",
    "dot_product_attention",
    "elu",
    "exponential",
    "fold",
    "gelu",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "layer_normalization",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool",
    "moments",
    "multi_hot",
    "normalize",
    "one_hot",
    "psnr",
    "relu",
    "relu6",
    "rms_normalization",
    "selu",
    "separable_conv",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "space_to_depth",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "swish",
    "tanh",
    "tanh_shrink",
    "threshold",
    "unfold",
    *_FROM_LOSSES,
]

# Keras's `backend.epsilon()`, the default of the normalizations.
EPSILON = 1e-7


def relu(x: TensorLike) -> Tensor:
    """max(x, 0)."""
    return run("relu", [x])


def sigmoid(x: TensorLike) -> Tensor:
    """1 / (1 + exp(-x))."""
    return run("sigmoid", [x])


def tanh(x: TensorLike) -> Tensor:
    """Hyperbolic tangent."""
    return run("tanh", [x])


def softmax(x: TensorLike, axis: Axis = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along `axis`."""
    return run("softmax", [x], axis=axis)


def log_softmax(x: TensorLike, axis: Axis = -1) -> Tensor:
    """log(softmax(x)) along `axis`, computed stably."""
    return run("log_softmax", [x], axis=axis)


def elu(x: TensorLike, alpha: float = 1.0) -> Tensor:
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return run("elu", [x], alpha=float(alpha))


def selu(x: TensorLike) -> Tensor:
    """Scaled ELU with Keras's constants."""
    return run("selu", [x])


def gelu(x: TensorLike, approximate: bool = True) -> Tensor:
    """Gaussian error linear unit; the tanh approximation by default, as keras.ops."""
    return run("gelu", [x], approximate=bool(approximate))


def silu(x: TensorLike) -> Tensor:
    """x * sigmoid(x)."""
    return run("silu", [x])


swish = silu


def softplus(x: TensorLike) -> Tensor:
    """log(1 + exp(x)), computed stably."""
    return run("softplus", [x])


def softsign(x: TensorLike) -> Tensor:
    """x / (1 + |x|)."""
    return run("softsign", [x])


def leaky_relu(x: TensorLike, negative_slope: float = 0.2) -> Tensor:
    """x if x >= 0 else negative_slope * x."""
    return run("leaky_relu", [x], negative_slope=float(negative_slope))


def hard_sigmoid(x: TensorLike) -> Tensor:
    """relu6(x + 3) / 6, as Keras 3."""
    return run("hard_sigmoid", [x])


def exponential(x: TensorLike) -> Tensor:
    """exp(x)."""
    return run("exponential", [x])


def linear(x: TensorLike) -> Tensor:
    """The identity."""
    return run("linear", [x])


# ---------------------------------------------------------------- encodings


def _eager_ids(x: Any) -> Any:
    return np.asarray(x.numpy() if isinstance(x, Variable) else x)


def one_hot(
    x: TensorLike, num_classes: int, axis: int = -1, dtype: DTypeLike = None, sparse: bool = False
) -> Tensor:
    """Converts integer tensor `x` into a one-hot tensor.

    The one-hot encoding is a representation where each integer value is
    converted into a binary vector with a length equal to `num_classes`,
    and the index corresponding to the integer value is marked as 1, while
    all other indices are marked as 0. Ids outside `[0, num_classes)` give
    all-zero vectors, as in Keras.

    Args:
        x: Integer tensor to be encoded. The shape can be
            arbitrary, but the dtype should be integer.
        num_classes: Number of classes for the one-hot encoding.
        axis: Axis along which the encoding is performed.
            `-1` represents the last axis. Defaults to `-1`.
        dtype: (Optional) Data type of the output tensor. If not
            provided, it defaults to float32. Applied to eager results;
            symbolic results are the core's float32.
        sparse: Whether to return a sparse tensor; pykeras has none, so
            `True` raises an `InvalidArgumentError`.

    Returns:
        Integer tensor: One-hot encoded tensor with the same shape as `x`
        except for the specified `axis` dimension, which will have
        a length of `num_classes`.

    Example:

    >>> keras.ops.one_hot(np.array([1, 3, -1]), 4)
    array([[0., 1., 0., 0.],
           [0., 0., 0., 1.],
           [0., 0., 0., 0.]], dtype=float32)
    """
    if sparse:
        raise InvalidArgumentError(
            "Op 'one_hot': pykeras has no sparse tensors. Received: sparse=True"
        )
    classes = C.check_int("one_hot", "num_classes", num_classes, low=1)
    shape = C.shape_of("one_hot", x)
    a = C.axis_of("one_hot", axis, len(shape) + 1)
    dims = [*shape[:a], 1, *shape[a:]]
    # Compare each id with every class (an out-of-range id matches none),
    # where the core's one_hot primitive would refuse it.
    grid = np.arange(classes, dtype=np.float32).reshape(
        [classes if i == a else 1 for i in range(len(dims))]
    )
    if C.any_symbolic([x]):
        # Integer ids become float32 first: reshape takes float32 only.
        ids = run("cast", [x], dtype="float32")
        return run("equal", [C.reshape("one_hot", ids, dims, shape), grid])
    ids = _eager_ids(x).reshape([1 if d is None else d for d in dims])
    inputs = [ids, grid]
    out = run("equal", inputs, integer_positions(inputs, (0,)))
    return out if dtype is None else np.asarray(out).astype(np.dtype(dtype))


def multi_hot(
    inputs: TensorLike,
    num_classes: int | None = None,
    axis: int = -1,
    dtype: DTypeLike = None,
    sparse: bool = False,
    **kwargs: Any,
) -> Tensor:
    """Encodes integer labels as multi-hot vectors.

    This function encodes integer labels as multi-hot vectors, where each label
    is mapped to a binary value in the resulting vector: the one-hot vectors
    of the ids are combined with a maximum over axis 1 (axis 0 for a 1-D
    input), as Keras does.

    Args:
        inputs: Tensor of integer labels to be converted to multi-hot vectors.
        num_classes: Integer, the total number of unique classes
            (`num_tokens=` is accepted too, as in Keras).
        axis: (optional) Axis along which the multi-hot encoding should be
            added. Defaults to `-1`, which corresponds to the last dimension.
        dtype: (optional) The data type of the resulting tensor. Default
            is float32 (eager results only; symbolic ones are float32).
        sparse: Whether to return a sparse tensor; pykeras has none, so
            `True` raises an `InvalidArgumentError`.

    Returns:
        Tensor: The multi-hot encoded tensor.

    Example:

    >>> keras.ops.multi_hot(np.array([0, 4]), num_classes=5)
    array([1., 0., 0., 0., 1.], dtype=float32)
    """
    if num_classes is None and "num_tokens" in kwargs:
        num_classes = kwargs.pop("num_tokens")
    if kwargs:
        raise InvalidArgumentError(
            f"Op 'multi_hot' got unexpected keyword arguments. Received: {sorted(kwargs)}"
        )
    if num_classes is None:
        raise InvalidArgumentError(
            "Op 'multi_hot': argument num_classes must be specified. Received: num_classes=None"
        )
    # As Keras, ids are cast to integers first (float ids truncated).
    if C.any_symbolic([inputs]):
        inputs = run("cast", [inputs], dtype="int64")
    else:
        inputs = _eager_ids(inputs).astype(np.int64)
    reduction_axis = 1 if len(C.shape_of("multi_hot", inputs)) > 1 else 0
    hot = one_hot(inputs, num_classes, axis=axis, sparse=sparse)
    out = run("max", [hot], axis=[reduction_axis])
    if dtype is None or C.any_symbolic([inputs]):
        return out
    return np.asarray(out).astype(np.dtype(dtype))


# ---------------------------------------------------------------- normalizations


def _broadcast_stat(op: str, name: str, v: Any, size: Any, axis: Any, rank: int) -> Any:
    """A 1-D statistic of `size` elements, reshaped to broadcast along `axis`."""
    shape = C.shape_of(op, v)
    if len(shape) != 1 or (size is not None and shape[0] not in (None, size)):
        raise ShapeError(
            f"Op '{op}' expected {name} of shape ({size},), the size of x along axis {axis}. "
            f"Received: {name}.shape={C.dims_text(shape)}"
        )
    if axis == rank - 1:
        return v
    return run("reshape", [v], shape=[-1 if i == axis else 1 for i in range(rank)])


def batch_normalization(
    x: TensorLike,
    mean: TensorLike,
    variance: TensorLike,
    axis: int,
    offset: TensorLike | None = None,
    scale: TensorLike | None = None,
    epsilon: float = 1e-3,
) -> Tensor:
    """Normalizes `x` by `mean` and `variance`.

    This op is typically used by the batch normalization step in a neural
    network. It normalizes the input tensor along the given axis:
    `(x - mean) / sqrt(variance + epsilon) * scale + offset`, computed as
    Keras does (`x * inv + (offset - mean * inv)`). Gradients reach every
    argument, so `mean` and `variance` may come from `moments(x, ...)`.

    Args:
        x: Input tensor.
        mean: A mean vector of the same length as the `axis` dimension of the
            input thensor.
        variance: A variance vector of the same length as the `axis` dimension
            of the input tensor.
        axis: Integer, the axis that should be normalized.
        offset: An offset vector of the same length as the `axis` dimension of
            the input tensor. If not `None`, `offset` is added to the normalized
            tensor. Defaults to `None`.
        scale: A scale vector of the same length as the `axis` dimension of the
            input tensor. If not `None`, the normalized tensor is multiplied by
            `scale`. Defaults to `None`.
        epsilon: Small float added to variance to avoid dividing by zero.
            Defaults to 1e-3.

    Returns:
        The normalized tensor.

    Example:

    >>> x = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    >>> keras.ops.batch_normalization(x, np.array([0.25, 0.35, 0.45]),
    ...     np.array([0.05, 0.05, 0.05]), axis=-1).round(3)
    array([[-0.664, -0.664, -0.664],
           [ 0.664,  0.664,  0.664]])
    """
    op = "batch_normalization"
    shape = C.shape_of(op, x)
    a = C.axis_of(op, axis, len(shape))
    eps = _epsilon(op, epsilon)

    def stat(name: str, v: Any) -> Any:
        return _broadcast_stat(op, name, v, shape[a], a, len(shape))

    inv = run("rsqrt", [run("add", [stat("variance", variance), eps])])
    if scale is not None:
        inv = run("mul", [inv, stat("scale", scale)])
    res = run("mul", [run("neg", [stat("mean", mean)]), inv])
    if offset is not None:
        res = run("add", [res, stat("offset", offset)])
    return run("add", [run("mul", [x, inv]), res])


def _epsilon(op: str, epsilon: float | None) -> float:
    if epsilon is None:
        return EPSILON
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, np.floating)):
        raise InvalidArgumentError(
            f"Op '{op}': epsilon must be a number. Received: epsilon={epsilon!r}"
        )
    return float(epsilon)


def layer_normalization(
    x: TensorLike,
    gamma: Any = None,
    beta: Any = None,
    axis: int | Sequence[int] = -1,
    epsilon: float | None = None,
    **kwargs: Any,
) -> Tensor:
    """Layer normalization layer (Ba et al., 2016).

    Normalize the activations of the previous layer for each given example in a
    batch independently, rather than across a batch like Batch Normalization.
    i.e. applies a transformation that maintains the mean activation within each
    example close to 0 and the activation standard deviation close to 1.

    Args:
        x: Input tensor.
        gamma: Optional scaling factor for the normalization.
        beta: Optional add offset for the normalized tensor.
        axis: The axis or axes along which to perform normalization. Default to
            `-1`.
        epsilon: A lower bound value for the norm.
            Defaults to `backend.epsilon()` (1e-7).

    Returns:
        The normalized array.

    Example:

    >>> keras.ops.layer_normalization(np.arange(5, dtype="float32")).round(4)
    array([-1.4142, -0.7071,  0.    ,  0.7071,  1.4142], dtype=float32)
    """
    op = "layer_normalization"
    if kwargs.pop("rms_scaling", False):
        raise InvalidArgumentError(
            f"Op '{op}': rms_scaling=True is deprecated in Keras (it scales by the variance); "
            "use rms_normalization instead. Received: rms_scaling=True"
        )
    if kwargs:
        raise InvalidArgumentError(
            f"Op '{op}' got unexpected keyword arguments. Received: {sorted(kwargs)}"
        )
    shape = C.shape_of(op, x)
    axes = sorted(C.axes_of(op, axis, len(shape)))
    eps = _epsilon(op, epsilon)
    broadcast = [shape[a] if a in axes else 1 for a in range(len(shape))]

    def _broadcast(v: Any) -> Any:
        # As Keras: a parameter not of x's rank is laid along the axes,
        # unless the only axis is the last (then it broadcasts as it is).
        if v is None or len(C.shape_of(op, v)) == len(shape) or axes == [len(shape) - 1]:
            return v
        return run("reshape", [v], shape=[-1 if d is None else d for d in broadcast])

    mean, variance = moments(x, axes=axes, keepdims=True)
    inv = run("rsqrt", [run("add", [variance, eps])])
    if gamma is not None:
        inv = run("mul", [inv, _broadcast(gamma)])
    res = run("mul", [run("neg", [mean]), inv])
    if beta is not None:
        res = run("add", [res, _broadcast(beta)])
    return run("add", [run("mul", [x, inv]), res])


def rms_normalization(
    x: TensorLike,
    scale: TensorLike | None = None,
    axis: int | Sequence[int] = -1,
    epsilon: float | None = None,
) -> Tensor:
    """Performs Root Mean Square (RMS) normalization on `x`.

    The Keras operation implements the operation as described in
    [Root Mean Square Layer Normalization](https://arxiv.org/pdf/1910.07467)
    by Biao Zhang et al.

    The operation is different from LayerNormalization with RMS scaling.

    It is defined as `rms_normalization(x) = x * rsqrt(mean(square(x))) * scale`

    Args:
        x: Input tensor.
        scale: Optional scaling factor for the normalization.
        axis: The axis or axes along which to perform normalization. Defaults
            to `-1`.
        epsilon: A lower bound value for the norm. Defaults to
            `backend.epsilon()` (1e-7).

    Returns:
        The normalized array.

    Example:

    >>> keras.ops.rms_normalization(np.array([[3.0, 4.0]])).round(4)
    array([[0.8485, 1.1314]])
    """
    op = "rms_normalization"
    eps = _epsilon(op, epsilon)
    if not C.shape_of(op, x):
        x = run("reshape", [x], shape=[1])
    axes = sorted(C.axes_of(op, axis, len(C.shape_of(op, x))))
    mean_square = run("mean", [run("square", [x])], axis=axes, keepdims=True)
    out = run("mul", [x, run("rsqrt", [run("add", [mean_square, eps])])])
    return out if scale is None else run("mul", [out, scale])


def psnr(x1: TensorLike, x2: TensorLike, max_val: Any) -> Tensor:
    """Peak Signal-to-Noise Ratio (PSNR) function.

    This function computes the Peak Signal-to-Noise Ratio between two signals,
    `x1` and `x2`. PSNR is a measure of the quality of a reconstructed signal.
    The higher the PSNR, the closer the reconstructed signal is to the original
    signal. Note that it can become negative when the signal power is
    smaller that the noise power.

    Args:
        x1: The first input signal.
        x2: The second input signal. Must have the same shape as `x1`.
        max_val: The maximum possible value in the signals.

    Returns:
        float: The PSNR value between `x1` and `x2` (a float32 scalar).

    Example:

    >>> keras.ops.psnr(np.array([0.0, 1.0]), np.array([0.0, 0.5]), max_val=1.0)
    array(9.03089987)
    """
    s1, s2 = C.shape_of("psnr", x1), C.shape_of("psnr", x2)
    if len(s1) != len(s2) or any(
        a is not None and b is not None and a != b for a, b in zip(s1, s2)
    ):
        raise ShapeError(
            f"Op 'psnr' expected inputs of the same shape. Received: x1.shape="
            f"{C.dims_text(s1)}, x2.shape={C.dims_text(s2)}"
        )
    mse = run("mean", [run("square", [run("sub", [x1, x2])])])
    peak = run("mul", [run("log10", [max_val]), 20.0])
    return run("sub", [peak, run("mul", [run("log10", [mse]), 10.0])])
