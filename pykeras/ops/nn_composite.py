"""Neural-network ops that `keras.ops.nn` has and the core has no primitive
for: piecewise activations (relu6, hard_silu, celu, glu, squareplus, the
shrink family, ...), `moments` and `normalize`.

Each is a composite of the core's primitives (clip, where, comparisons,
exp, sqrt, mean, ...), so it runs eagerly, in Functional models and in
traced graphs, with gradients from the primitives' rules. Results are
float32, as Keras's for float32 input.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops import _reduce_common as RC
from pykeras.ops import norms
from pykeras.ops import reductions as R
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__ = [
    "celu",
    "glu",
    "hard_shrink",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "moments",
    "normalize",
    "relu6",
    "soft_shrink",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "tanh_shrink",
    "threshold",
]

# Keras's `backend.epsilon()`, the default of `normalize`.
EPSILON = 1e-7


def _float(op: str, name: str, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            return float(value)
        except (TypeError, ValueError):
            raise InvalidArgumentError(
                f"Op '{op}': {name} must be a number. Received: {name}={value!r}"
            ) from None
    return float(value)


def relu6(x: TensorLike) -> Tensor:
    """Rectified linear unit activation function with upper bound of 6.

    It is defined as `f(x) = np.clip(x, 0, 6)`.

    Args:
        x: Input tensor.

    Returns:
        A tensor with the same shape as `x`.

    Example:

    >>> keras.ops.relu6(np.array([-3.0, 2.0, 8.0]))
    array([0., 2., 6.])
    """
    return run("clip", [x], min=0.0, max=6.0)


def hard_silu(x: TensorLike) -> Tensor:
    """Hard SiLU activation function, also known as Hard Swish.

    It is defined as:

    - `0` if `if x < -3`
    - `x` if `x > 3`
    - `x * (x + 3) / 6` if `-3 <= x <= 3`

    It's a faster, piecewise linear approximation of the silu activation.

    Args:
        x: Input tensor.

    Returns:
        A tensor with the same shape as `x`.

    Example:

    >>> keras.ops.hard_silu(np.array([-3.0, -1.0, 0.0, 1.0, 3.0]))
    array([-0.        , -0.33333333,  0.        ,  0.66666667,  3.        ])
    """
    return run("mul", [x, run("hard_sigmoid", [x])])


def hard_swish(x: TensorLike) -> Tensor:
    """Hard SiLU activation function, also known as Hard Swish.

    The same as `hard_silu`: `x * relu6(x + 3) / 6`.

    Args:
        x: Input tensor.

    Returns:
        A tensor with the same shape as `x`.

    Example:

    >>> keras.ops.hard_swish(np.array([-4.0, 1.0, 4.0]))
    array([-0.        ,  0.66666667,  4.        ])
    """
    return hard_silu(x)


def celu(x: TensorLike, alpha: float = 1.0) -> Tensor:
    """Continuously-differentiable exponential linear unit.

    It is defined as:

    `f(x) =  alpha * (exp(x / alpha) - 1) for x < 0`, `f(x) = x for x >= 0`.

    Args:
        x: Input tensor.
        alpha: the α value for the CELU formulation. Defaults to `1.0`.

    Returns:
        A tensor with the same shape as `x`.

    Example:

    >>> keras.ops.celu(np.array([-1.0, 0.0, 1.0]))
    array([-0.63212056,  0.        ,  1.        ])
    """
    alpha = _float("celu", "alpha", alpha)
    if alpha == 0:
        raise InvalidArgumentError("Op 'celu': alpha must not be 0. Received: alpha=0.0")
    # expm1 of the negative part only: exp of a large positive x would give
    # inf, and inf * 0 a NaN gradient.
    negative = run("minimum", [x, 0.0])
    tail = run("mul", [run("expm1", [run("div", [negative, alpha])]), alpha])
    return run("add", [run("relu", [x]), tail])


def glu(x: TensorLike, axis: int = -1) -> Tensor:
    """Gated Linear Unit (GLU) activation function.

    It is defined as:

    `f(x) = a * sigmoid(b)`
    where `x` is split into `a` and `b` along the given axis.

    Args:
        x: Input tensor.
        axis: The axis along which to split the input tensor. Defaults to `-1`.

    Returns:
        A tensor with the same shape as half of the input.

    Example:

    >>> keras.ops.glu(np.array([1.0, 2.0, 0.0, 0.0]))
    array([0.5, 1. ])
    """
    shape = C.shape_of("glu", x)
    a = C.axis_of("glu", axis, len(shape))
    n = C.static_size("glu", shape, a)
    if n % 2:
        raise ShapeError(
            f"Op 'glu' expected an even size along axis {a}, to split in two halves. "
            f"Received: a tensor of shape {C.dims_text(shape)}"
        )
    halves = [
        run(
            "slice",
            [x],
            start_indices=[start if i == a else 0 for i in range(len(shape))],
            shape=[n // 2 if i == a else -1 for i in range(len(shape))],
        )
        for start in (0, n // 2)
    ]
    return run("mul", [halves[0], run("sigmoid", [halves[1]])])


def squareplus(x: TensorLike, b: float = 4) -> Tensor:
    """Squareplus activation function.

    The Squareplus activation function is defined as:

    `f(x) = (x + sqrt(x^2 + b)) / 2`

    Args:
        x: Input tensor.
        b: Smoothness parameter. Defaults to 4.

    Returns:
        A tensor with the same shape as `x`.

    Example:

    >>> keras.ops.squareplus(np.array([-1.0, 0.0, 1.0]))
    array([0.61803399, 1.        , 1.61803399])
    """
    b = _float("squareplus", "b", b)
    if b < 0:
        raise InvalidArgumentError(
            f"Op 'squareplus': b must be non-negative (a smoothness). Received: b={b}"
        )
    root = run("sqrt", [run("add", [run("square", [x]), b])])
    return run("mul", [run("add", [x, root]), 0.5])


def tanh_shrink(x: TensorLike) -> Tensor:
    """Applies the tanh shrink function element-wise.

    It is defined as:

    `f(x) = x - tanh(x)`.

    Args:
        x: Input tensor.

    Returns:
        Output tensor of the same shape as `x`, where each element is
        transformed according to the tanh shrink operation.

    Example:

    >>> keras.ops.tanh_shrink(np.array([-1.0, 0.0, 1.0]))
    array([-0.23840582,  0.        ,  0.23840582])
    """
    return run("sub", [x, run("tanh", [x])])


def soft_shrink(x: TensorLike, threshold: float = 0.5) -> Tensor:
    """Soft Shrink activation function.

    It is defined as:

    `f(x) = x - threshold` if `x > threshold`,
    `f(x) = x + threshold` if `x < -threshold`,
    `f(x) = 0` otherwise.

    Args:
        x: Input tensor.
        threshold: Threshold value. Defaults to 0.5.

    Returns:
        A tensor with the same shape as `x`.

    Example:

    >>> keras.ops.soft_shrink(np.array([-1.0, 0.0, 1.0]))
    array([-0.5,  0. ,  0.5])
    """
    t = _float("soft_shrink", "threshold", threshold)
    below = run("where", [run("less", [x, -t]), run("add", [x, t]), 0.0])
    return run("where", [run("greater", [x, t]), run("sub", [x, t]), below])


def hard_shrink(x: TensorLike, threshold: float = 0.5) -> Tensor:
    """Hard Shrink activation function.

    It is defined as:

    `f(x) = x` if `|x| > threshold`,
    `f(x) = 0` otherwise.

    Args:
        x: Input tensor.
        threshold: Threshold value. Defaults to 0.5.

    Returns:
        A tensor with the same shape as `x`.

    Example:

    >>> keras.ops.hard_shrink(np.array([-0.5, 0.0, 1.0]))
    array([0., 0., 1.])
    """
    t = _float("hard_shrink", "threshold", threshold)
    return run("where", [run("greater", [run("abs", [x]), t]), x, 0.0])


def hard_tanh(x: TensorLike) -> Tensor:
    """Applies the HardTanh function element-wise.

    It is defined as:

    `f(x) = -1 for x < -1`, `f(x) = x for -1 <= x <= 1`, `f(x) = 1 for x > 1`.

    Args:
        x: Input tensor.

    Returns:
        Output tensor of same shape as `x`
        where values are clamped between -1 and 1.

    Example:

    >>> keras.ops.hard_tanh(np.array([-2.0, 0.5, 2.0]))
    array([-1. ,  0.5,  1. ])
    """
    return run("clip", [x], min=-1.0, max=1.0)


def threshold(x: TensorLike, threshold: float, default_value: float) -> Tensor:
    """Threshold activation function.

    The function thresholds the input `x` as follows:
    `f(x) = x` if `x > threshold`,
    `f(x) = default_value` otherwise.

    Args:
        x: Input tensor.
        threshold: The value that decides when to retain or replace x.
        default_value: Value to assign when `x <= threshold`.

    Returns:
        A tensor with the same shape as `x`: eagerly, an integer `x` with
        an integer `default_value` keeps its dtype (as Keras), anything
        else gives float32.

    Example:

    >>> keras.ops.threshold(np.array([-1.0, 0.0, 1.0, 2.0]), 0.0, -9.0)
    array([-9., -9.,  1.,  2.])
    """
    t = _float("threshold", "threshold", threshold)
    d = _float("threshold", "default_value", default_value)
    out = run("where", [run("greater", [x, t]), x, d])
    if C.any_symbolic([x]) or not isinstance(default_value, (int, np.integer)):
        return out
    dtype = RC.input_dtype(x)
    return np.asarray(out).astype(dtype) if dtype.kind in "iu" else out


def sparse_plus(x: TensorLike) -> Tensor:
    """SparsePlus activation function.

    It is defined as

    `f(x) = 0` for `x <= -1`.
    `f(x) = (1/4) * (x + 1)^2` for `-1 < x < 1`.
    `f(x) = x` for `x >= 1`.

    Args:
        x: Input tensor.

    Returns:
        A tensor with the same shape as `x`.

    Example:

    >>> keras.ops.sparse_plus(np.array([-2.0, 0.0, 2.0]))
    array([0.  , 0.25, 2.  ])
    """
    middle = run("mul", [run("square", [run("add", [x, 1.0])]), 0.25])
    upper = run("where", [run("greater_equal", [x, 1.0]), x, middle])
    return run("where", [run("less_equal", [x, -1.0]), 0.0, upper])


def sparse_sigmoid(x: TensorLike) -> Tensor:
    """Sparse sigmoid activation function.

    It is defined as

    `f(x) = 0` for `x <= -1`,
    `f(x) = 0.5 * (x + 1)` for `-1 < x < 1`,
    `f(x) = 1` for `x >= 1`.

    Args:
        x: Input tensor.

    Returns:
        A tensor with the same shape as `x`.

    Example:

    >>> keras.ops.sparse_sigmoid(np.array([-2.0, 0.0, 0.5, 2.0]))
    array([0.  , 0.5 , 0.75, 1.  ])
    """
    return run("mul", [run("clip", [run("add", [x, 1.0])], min=0.0, max=2.0), 0.5])


def sparsemax(x: TensorLike, axis: int = -1) -> Tensor:
    """Sparsemax activation function.

    For each batch `i`, and class `j`,
    sparsemax activation function is defined as:

    `sparsemax(x)[i, j] = max(x[i, j] - τ(x[i, :]), 0).`

    τ is Keras 3's threshold (the same in all its backends): with the
    elements sorted in decreasing order `z_(1) >= z_(2) >= ...`, `k` the
    largest `r` with `1 + r * z_(r) > z_(1) + ... + z_(r)`, and `cumsum`
    the running sums, `τ = (cumsum_1 + ... + cumsum_k - 1) / k`. (The
    sparsemax paper's τ uses `cumsum_k` alone; the two agree when one
    element is kept, and Keras's outputs need not sum to 1 otherwise.)

    Found without sorting: `c_j` and `s_j`, the count and sum of the
    elements `>= x_j`, decide the support (`1 + c_j * x_j > s_j`), and a
    kept element of rank `i` weighs `k - i + 1` in the sum of running sums
    (tied elements share their ranks' mean weight). Pairwise comparisons
    take O(n^2) memory along `axis`, whose size must be known before run
    time. The gradient flows through `x - τ` where it is positive.

    Args:
        x: Input tensor.
        axis: `int`, axis along which the sparsemax operation is applied.

    Returns:
        A tensor, output of sparsemax transformation. Has the same type and
        shape as `x`.

    Example:

    >>> keras.ops.sparsemax(np.array([-1.0, 0.0, 1.0]))
    array([0., 0., 1.])
    """
    op = "sparsemax"
    shape = C.shape_of(op, x)
    if not shape:
        raise ShapeError(f"Op '{op}' expected a tensor of rank >= 1. Received: x.shape=()")
    a = C.axis_of(op, axis, len(shape))
    n = C.static_size(op, shape, a)
    perm = [*(i for i in range(len(shape)) if i != a), a]
    z = C.transpose(x, perm)
    lead = [shape[i] for i in perm[:-1]]
    row = C.reshape(op, z, [*lead, 1, n])  # z_i along the last axis
    col = C.reshape(op, z, [*lead, n, 1])  # z_j along the one before
    above = run("greater_equal", [row, col])  # [..., j, i] = z_i >= z_j
    count = run("sum", [above], axis=[-1])
    total = run("sum", [run("mul", [above, row])], axis=[-1])
    margin = run("sub", [run("add", [run("mul", [count, z]), 1.0]), total])
    support = run("greater", [margin, 0.0])
    k = run("sum", [support], axis=[-1], keepdims=True)
    # Weight k - rank + 1, ranks of a tie group averaged: k - c + (g + 1) / 2.
    ties = run("sum", [run("equal", [row, col])], axis=[-1])
    weight = run("add", [run("sub", [k, count]), run("mul", [run("add", [ties, 1.0]), 0.5])])
    kept = run("sum", [run("mul", [run("mul", [support, weight]), z])], axis=[-1], keepdims=True)
    tau = run("div", [run("sub", [kept, 1.0]), k])
    out = run("maximum", [run("sub", [z, tau]), 0.0])
    return C.transpose(out, list(np.argsort(perm)))


def moments(
    x: TensorLike, axes: int | Sequence[int], keepdims: bool = False, synchronized: bool = False
) -> tuple[Tensor, Tensor]:
    """Calculates the mean and variance of `x`.

    The mean and variance are calculated by aggregating the contents of `x`
    across `axes`. If `x` is 1-D and `axes = [0]` this is just the mean and
    variance of a vector.

    Args:
        x: Input tensor.
        axes: A list of axes which to compute mean and variance.
        keepdims: If this is set to `True`, the axes which are reduced are left
            in the result as dimensions with size one.
        synchronized: Only applicable with the TensorFlow backend. Here it
            must be `False` (one device), as Keras's JAX backend requires.

    Returns:
        A tuple containing two tensors - mean and variance (float32).

    Example:

    >>> keras.ops.moments(np.array([0.0, 1.0, 2.0, 5.0]), axes=[0])
    (array(2.), array(3.5))
    """
    if synchronized:
        raise NotImplementedError(
            "Op 'moments': synchronized=True needs several devices, which pykeras does not "
            "use. Received: synchronized=True"
        )
    if axes is None:
        raise InvalidArgumentError("Op 'moments' expected axes to reduce. Received: axes=None")
    shape = C.shape_of("moments", x)
    axes = sorted(C.axes_of("moments", axes, len(shape), "axes"))
    mean = run("mean", [x], axis=axes, keepdims=bool(keepdims))
    variance = RC.finish(R._var("moments", x, axes, keepdims), x, "real")
    return RC.finish(mean, x, "real"), variance


def normalize(
    x: TensorLike, axis: int = -1, order: int = 2, epsilon: float | None = None
) -> Tensor:
    """Normalizes `x` over the specified axis.

    It is defined as: `normalize(x) = x / max(norm(x), epsilon)`.

    Args:
        x: Input tensor.
        axis: The axis or axes along which to perform normalization.
            Default to -1.
        order: The exponent value in the norm formulation.
            Defaults to 2.
        epsilon: A lower bound value for the norm.
            Defaults to `backend.epsilon()`.

    Returns:
        The normalized array.

    Example:

    >>> keras.ops.normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    array([[0.6, 0.8],
           [0. , 0. ]])
    """
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise InvalidArgumentError(
            f"Op 'normalize': order must be an int >= 1. Received: order={order!r}"
        )
    eps = EPSILON if epsilon is None else _float("normalize", "epsilon", epsilon)
    if not C.shape_of("normalize", x):
        x = run("reshape", [x], shape=[1])
    if order == 2:
        # As Keras: x * min(rsqrt(sum(x**2)), 1 / epsilon).
        squares = run("sum", [run("square", [x])], axis=_axes("normalize", x, axis), keepdims=True)
        return run("mul", [x, run("minimum", [run("rsqrt", [squares]), 1.0 / eps])])
    norm = norms.norm(x, ord=order, axis=axis, keepdims=True)
    return run("div", [x, run("maximum", [norm, eps])])


def _axes(op: str, x: Any, axis: Any) -> Any:
    if axis is None:
        return None
    return sorted(C.axes_of(op, axis, len(C.shape_of(op, x))))
