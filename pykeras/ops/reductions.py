"""Reductions, as `keras.ops` has them: minima, arg-minima, variance and
standard deviation, log-sum-exp, truth tests, counts and weighted averages
(products and cumulative sums and products are in `scans`).

Each is a composite of the core's primitives (sum, mean, max, argmax,
slice, pad, reshape, where, ...), so it runs eagerly, in Functional models
and in traced graphs, with gradients from the primitives' rules:

- Eagerly, results have Keras's dtypes: `any`/`all` give bool,
  `argmin`/`count_nonzero` int32, `min`/`amin`/`amax` keep an integer or
  bool input's dtype, `prod`/`cumsum`/`cumprod` keep an integer one (bool
  gives int32), and the rest give float32. Integers are computed in
  float32, so they are exact below 2**24 in magnitude.
- Symbolically and in traced models every result is float32, as the core
  computes it: truth values are 0/1 masks and indices are float32 (as
  `argmax`'s).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Union

from pykeras.errors import ShapeError
from pykeras.ops import _composite as C
from pykeras.ops import _reduce_common as R
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__ = [
    "all",
    "amax",
    "amin",
    "any",
    "argmax",
    "argmin",
    "average",
    "count_nonzero",
    "logsumexp",
    "min",
    "std",
    "var",
]

Axis = Union[int, Sequence[int], None]

# ---------------------------------------------------------------- minima and maxima


def min(x: TensorLike, axis: Axis = None, keepdims: bool = False, initial: Any = None) -> Tensor:  # noqa: A001
    """Return the minimum of a tensor or minimum along an axis.

    Args:
        x: Input tensor.
        axis: Axis or axes along which to operate. By default, flattened
            input is used.
        keepdims: If this is set to `True`, the axes which are reduced are
            left in the result as dimensions with size one. Defaults to
            `False`.
        initial: The maximum value of an output element. Defaults to `None`.

    Returns:
        Minimum of `x` (the input's dtype for integer and bool arrays).

    Example:

    >>> keras.ops.min(np.array([[1, 5], [3, 2]]), axis=1)
    array([1, 2])
    """
    return R.finish(_min("min", x, axis, keepdims, initial), x, "keep")


def _min(op: str, x: Any, axis: Any, keepdims: bool, initial: float | None = None) -> Any:
    shape, axes = R.axes(op, x, axis)
    R.nonempty(op, shape, axes)
    out = R.neg(run("max", [R.neg(x)], axis=axes, keepdims=bool(keepdims)))
    if initial is not None:
        out = run("minimum", [out, float(initial)])
    return out


def amin(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Return the minimum of an array or minimum along an axis.

    Args:
        x: Input tensor.
        axis: Axis or axes along which to compute the minimum; by default
            all axes.
        keepdims: If `True`, reduced axes are kept with size one.

    Returns:
        The minimum of `x` (the input's dtype for integer and bool arrays).

    Example:

    >>> keras.ops.amin(np.array([[1, 5], [3, 2]]), axis=0)
    array([1, 2])
    """
    return R.finish(_min("amin", x, axis, keepdims), x, "keep")


def amax(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Return the maximum of an array or maximum along an axis.

    Args:
        x: Input tensor.
        axis: Axis or axes along which to compute the maximum; by default
            all axes.
        keepdims: If `True`, reduced axes are kept with size one.

    Returns:
        The maximum of `x` (the input's dtype for integer and bool arrays).

    Example:

    >>> keras.ops.amax(np.array([[1, 5], [3, 2]]), axis=0)
    array([3, 5])
    """
    shape, axes = R.axes("amax", x, axis)
    R.nonempty("amax", shape, axes)
    return R.finish(run("max", [x], axis=axes, keepdims=bool(keepdims)), x, "keep")


def argmax(x: TensorLike, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Returns the indices of the maximum values along an axis.

    Ties give the first index, as NumPy's.

    Args:
        x: Input tensor.
        axis: By default, the index is into the flattened tensor, otherwise
            along the specified axis.
        keepdims: If this is set to `True`, the axes which are reduced are
            left in the result as dimensions with size one.

    Returns:
        Tensor of indices: int32 eagerly (as Keras), float32 inside models
        (exact positions below 2**24).

    Example:

    >>> keras.ops.argmax(np.array([[3, 1, 2], [0, 5, 0]]), axis=1)
    array([0, 1], dtype=int32)
    """
    return _arg_extreme("argmax", x, axis, keepdims)


def argmin(x: TensorLike, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Returns the indices of the minimum values along an axis.

    Ties give the first index, as NumPy's.

    Args:
        x: Input tensor.
        axis: By default, the index is into the flattened tensor, otherwise
            along the specified axis.
        keepdims: If this is set to `True`, the axes which are reduced are
            left in the result as dimensions with size one.

    Returns:
        Tensor of indices: int32 eagerly (as Keras), float32 inside models
        (as `argmax`).

    Example:

    >>> keras.ops.argmin(np.array([[3, 1, 2], [0, 5, 0]]), axis=1)
    array([1, 0], dtype=int32)
    """
    return _arg_extreme("argmin", x, axis, keepdims)


def _arg_extreme(op: str, x: Any, axis: Any, keepdims: bool) -> Any:
    """argmax (or argmin, as the argmax of -x) by the core's `argmax` primitive."""
    shape = C.shape_of(op, x)
    source = x if op == "argmax" else R.neg(x)
    if axis is None:
        R.nonempty(op, shape, None)
        out = run("argmax", [C.flatten(op, source)], axis=0)
        if keepdims:
            out = C.reshape(op, out, [1] * len(shape), ())
    else:
        a = C.axis_of(op, axis, len(shape))
        R.nonempty(op, shape, [a])
        out = run("argmax", [source], axis=a)
        if keepdims:
            out = C.reshape(op, out, R.out_dims(shape, [a], True))
    return R.finish(out, x, "int32")


# ---------------------------------------------------------------- statistics


def var(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Compute the variance along the specified axes.

    Args:
        x: Input tensor.
        axis: Axis or axes along which the variance is computed. The default
            is to compute the variance of the flattened tensor.
        keepdims: If this is set to `True`, the axes which are reduced are
            left in the result as dimensions with size one.

    Returns:
        Output tensor containing the variance (float32, float64 input
        included: Keras casts the result to `result_type(x.dtype, float)`;
        it is computed in float64 from float64 input).

    Example:

    >>> keras.ops.var(np.array([1.0, 2.0, 3.0, 4.0]))
    array(1.25, dtype=float32)
    """
    return R.finish(_var("var", x, axis, keepdims), x, "float")


def _var(op: str, x: Any, axis: Any, keepdims: bool) -> Any:
    _, axes = R.axes(op, x, axis)
    centred = run("sub", [x, run("mean", [x], axis=axes, keepdims=True)])
    return run("mean", [run("square", [centred])], axis=axes, keepdims=bool(keepdims))


def std(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Compute the standard deviation along the specified axis.

    Args:
        x: Input tensor.
        axis: Axis or axes along which to compute standard deviation.
            Default is to compute the standard deviation of the
            flattened tensor.
        keepdims: If this is set to `True`, the axes which are reduced are
            left in the result as dimensions with size one.

    Returns:
        Output tensor containing the standard deviation values (float64
        for float64 input, as Keras with x64; else float32).

    Example:

    >>> keras.ops.std(np.array([1.0, 2.0, 3.0, 4.0]))
    array(1.11803399)
    """
    return R.finish(run("sqrt", [_var("std", x, axis, keepdims)]), x, "real")


def logsumexp(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Computes the logarithm of sum of exponentials of elements in a tensor.

    Computed stably: the maximum is taken out before exponentiating (and
    kept out of the gradient, which is the softmax of `x` either way).

    Args:
        x: Input tensor.
        axis: An integer or a tuple of integers specifying the axis/axes
            along which to compute the sum. If `None`, the sum is computed
            over all elements. Defaults to `None`.
        keepdims: A boolean indicating whether to keep the dimensions of
            the input tensor when computing the sum. Defaults to `False`.

    Returns:
        A tensor containing the logarithm of the sum of exponentials of
        elements in `x` (float64 for float64 input, as Keras with x64;
        else float32).

    Example:

    >>> round(float(keras.ops.logsumexp(np.array([1.0, 2.0, 3.0]))), 4)
    3.4076
    """
    shape, axes = R.axes("logsumexp", x, axis)
    R.nonempty("logsumexp", shape, axes)
    top = run("stop_gradient", [run("max", [x], axis=axes, keepdims=True)])
    # An infinite maximum is taken out as 0, so that inf - inf gives no NaN:
    # all -inf sums to -inf, any +inf to +inf, as Keras's.
    finite = run("equal", [run("sub", [top, top]), 0.0])
    top = run("where", [finite, top, 0.0])
    total = run("sum", [run("exp", [run("sub", [x, top])])], axis=axes, keepdims=bool(keepdims))
    top = C.reshape(
        "logsumexp", top, R.out_dims(shape, axes, keepdims), R.out_dims(shape, axes, True)
    )
    return R.finish(run("add", [run("log", [total]), top]), x, "real")


# ---------------------------------------------------------------- truth and counts


def any(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Test whether any array element along a given axis evaluates to `True`.

    Args:
        x: Input tensor.
        axis: An integer or tuple of integers that represent the axis along
            which a logical OR reduction is performed. The default
            (`axis=None`) is to perform a logical OR over all the dimensions
            of the input array. `axis` may be negative, in which case it
            counts for the last to the first axis.
        keepdims: If `True`, axes which are reduced are left in the result as
            dimensions with size one. With this option, the result will
            broadcast correctly against the input array. Defaults to `False`.

    Returns:
        The tensor containing the logical OR reduction over the `axis`:
        bool eagerly (as Keras), a float32 0/1 mask inside models.

    Example:

    >>> keras.ops.any(np.array([[0, 0], [0, 2]]), axis=1)
    array([False,  True])
    """
    _, axes = R.axes("any", x, axis)
    count = run("sum", [run("not_equal", [x, 0.0])], axis=axes, keepdims=bool(keepdims))
    return R.finish(run("greater", [count, 0.0]), x, "bool")


def all(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Test whether all array elements along a given axis evaluate to `True`.

    Args:
        x: Input tensor.
        axis: An integer or tuple of integers that represent the axis along
            which a logical AND reduction is performed. The default
            (`axis=None`) is to perform a logical AND over all the dimensions
            of the input array. `axis` may be negative, in which case it
            counts for the last to the first axis.
        keepdims: If `True`, axes which are reduced are left in the result as
            dimensions with size one. With this option, the result will
            broadcast correctly against the input array. Defaults to `False`.

    Returns:
        The tensor containing the logical AND reduction over the `axis`:
        bool eagerly (as Keras), a float32 0/1 mask inside models.

    Example:

    >>> keras.ops.all(np.array([[1, 0], [1, 2]]), axis=1)
    array([False,  True])
    """
    _, axes = R.axes("all", x, axis)
    zeros = run("sum", [run("equal", [x, 0.0])], axis=axes, keepdims=bool(keepdims))
    return R.finish(run("equal", [zeros, 0.0]), x, "bool")


def count_nonzero(x: TensorLike, axis: Axis = None) -> Tensor:
    """Counts the number of non-zero values in `x` along the given `axis`.

    If no axis is specified then all non-zeros in the tensor are counted.

    Args:
        x: Input tensor.
        axis: Axis or tuple of axes along which to count the number of
            non-zeros. Defaults to `None`.

    Returns:
        The number of non-zero values: int32 eagerly (as Keras), float32
        inside models.

    Example:

    >>> keras.ops.count_nonzero(np.array([[0, 1, 7], [0, 0, 3]]), axis=1)
    array([2, 1], dtype=int32)
    """
    _, axes = R.axes("count_nonzero", x, axis)
    return R.finish(run("sum", [run("not_equal", [x, 0.0])], axis=axes), x, "int32")


def average(x: TensorLike, axis: Axis = None, weights: TensorLike | None = None) -> Tensor:
    """Compute the weighted average along the specified axis.

    Args:
        x: Input tensor.
        axis: Integer along which to average `x`. The default, `axis=None`,
            will average over all of the elements of the input tensor. If
            axis is negative it counts from the last to the first axis.
        weights: Tensor of weights associated with the values in `x`. Each
            value in `x` contributes to the average according to its
            associated weight. The weights array can either be 1-D (in which
            case its length must be the size of a along the given axis) or of
            the same shape as `x`. If `weights=None` (default), then all data
            in `x` are assumed to have a weight equal to one.

    Returns:
        The average along the specified axis (float32).

    Example:

    >>> keras.ops.average(np.array([1.0, 2.0, 3.0]), weights=np.array([3.0, 1.0, 0.0]))
    array(1.25, dtype=float32)
    """
    shape, axes = R.axes("average", x, axis)
    if weights is None:
        return R.finish(run("mean", [x], axis=axes), x, "float")
    w_shape = C.shape_of("average", weights)
    if w_shape != shape:
        if axes is None or len(axes) != 1 or len(w_shape) != 1:
            raise ShapeError(
                "Op 'average' expected weights of the same shape as x, or 1-D weights with "
                "one axis given. Received: x of shape "
                f"{C.dims_text(shape)}, weights of shape {C.dims_text(w_shape)}, axis={axis!r}"
            )
        (a,) = axes
        if w_shape[0] != shape[a] and None not in (w_shape[0], shape[a]):
            raise ShapeError(
                f"Op 'average' expected 1-D weights of length {shape[a]} (the size of axis "
                f"{a}). Received: weights of shape {C.dims_text(w_shape)}"
            )
        weights = C.reshape(
            "average", weights, [-1 if i == a else 1 for i in range(len(shape))], w_shape
        )
    total = run("sum", [run("mul", [x, weights])], axis=axes)
    # Reshaped 1-D weights sum to a tensor of ones but the axis, which
    # broadcasts against `total` as the broadcast weights' sum would.
    scale = run("sum", [weights], axis=axes)
    return R.finish(run("div", [total, scale]), x, "float")
