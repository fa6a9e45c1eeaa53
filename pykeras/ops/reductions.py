"""Reductions, as `keras.ops` has them: minima, arg-minima, variance and
standard deviation, log-sum-exp, truth tests, counts, weighted averages,
products, cumulative sums and products, and norms.

Each is a composite of the core's primitives (sum, mean, max, argmax,
slice, pad, reshape, where, ...), so it runs eagerly, in Functional models
and in traced graphs, with gradients from the primitives' rules:

- `prod` multiplies pairs of elements, halving the axis each time (log2(n)
  steps), and `cumsum`/`cumprod` add (multiply) shifted copies, doubling
  the shift each time (a Hillis-Steele scan); both are exact in zeros, inf
  and NaN, and differentiable, and both need the reduced sizes before run
  time (not the batch axis of a symbolic tensor).
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

import numpy as np

from pykeras.backend.variable import Variable
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, Tensor, TensorLike

__all__ = [
    "all",
    "amax",
    "amin",
    "any",
    "argmax",
    "argmin",
    "average",
    "count_nonzero",
    "cumprod",
    "cumsum",
    "logsumexp",
    "min",
    "prod",
    "std",
    "var",
]

Axis = Union[int, Sequence[int], None]

# ---------------------------------------------------------------- shared helpers


def _axes(op: str, x: Any, axis: Any) -> Any:
    """(static shape, sorted non-negative axes or None for all)."""
    shape = C.shape_of(op, x)
    if axis is None:
        return shape, None
    return shape, sorted(C.axes_of(op, axis, len(shape)))


def _reduced(shape: Any, axes: Any) -> Any:
    return list(range(len(shape))) if axes is None else axes


def _out_dims(shape: Any, axes: Any, keepdims: bool) -> Any:
    reduced = _reduced(shape, axes)
    if keepdims:
        return [1 if i in reduced else d for i, d in enumerate(shape)]
    return [d for i, d in enumerate(shape) if i not in reduced]


def _nonempty(op: str, shape: Any, axes: Any) -> None:
    """Refuse a reduction with no identity over zero elements (min of nothing)."""
    for i in _reduced(shape, axes):
        if shape[i] == 0:
            raise ShapeError(
                f"Op '{op}' expected non-empty reduced axes ({op} of nothing is undefined). "
                f"Received: axis {i} of size 0 in a tensor of shape {C.dims_text(shape)}"
            )


def _input_dtype(x: Any) -> Any:
    """The dtype an eager input arrives with (variables are float32)."""
    if isinstance(x, Variable):
        return np.dtype(np.float32)
    return np.asarray(x).dtype


def _finish(out: Any, x: Any, kind: str, dtype: Any = None) -> Any:
    """The eager result in Keras's dtype; symbolic results go through,
    cast by the core when `dtype` is given (float types as float32,
    integer types as int64)."""
    if C.any_symbolic([out]):
        if dtype is not None:
            name = np.dtype(dtype).name
            return run("cast", [out], dtype="int64" if "int" in name else "float32")
        return out
    if dtype is not None:
        return np.asarray(out).astype(dtype)
    source = _input_dtype(x)
    target: np.dtype
    if kind == "bool":
        target = np.dtype(np.bool_)
    elif kind == "int32":
        target = np.dtype(np.int32)
    elif kind == "keep" and source.kind in "biu":
        target = source
    elif kind == "int" and source.kind in "iu":
        target = source
    elif kind == "int" and source.kind == "b":
        target = np.dtype(np.int32)
    else:
        target = np.dtype(np.float32)
    return np.asarray(out).astype(target)


def _check_dtype(op: str, dtype: Any) -> Any:
    if dtype is None:
        return None
    try:
        return np.dtype(dtype)
    except TypeError:
        raise InvalidArgumentError(
            f"Op '{op}': dtype must be a NumPy dtype name. Received: dtype={dtype!r}"
        ) from None


def _neg(x: Any) -> Any:
    return run("neg", [x])


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
    return _finish(_min("min", x, axis, keepdims, initial), x, "keep")


def _min(op: str, x: Any, axis: Any, keepdims: bool, initial: float | None = None) -> Any:
    shape, axes = _axes(op, x, axis)
    _nonempty(op, shape, axes)
    out = _neg(run("max", [_neg(x)], axis=axes, keepdims=bool(keepdims)))
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
    return _finish(_min("amin", x, axis, keepdims), x, "keep")


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
    shape, axes = _axes("amax", x, axis)
    _nonempty("amax", shape, axes)
    return _finish(run("max", [x], axis=axes, keepdims=bool(keepdims)), x, "keep")


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
    source = x if op == "argmax" else _neg(x)
    if axis is None:
        _nonempty(op, shape, None)
        out = run("argmax", [C.flatten(op, source)], axis=0)
        if keepdims:
            out = C.reshape(op, out, [1] * len(shape), ())
    else:
        a = C.axis_of(op, axis, len(shape))
        _nonempty(op, shape, [a])
        out = run("argmax", [source], axis=a)
        if keepdims:
            out = C.reshape(op, out, _out_dims(shape, [a], True))
    return _finish(out, x, "int32")


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
        Output tensor containing the variance (float32).

    Example:

    >>> keras.ops.var(np.array([1.0, 2.0, 3.0, 4.0]))
    array(1.25, dtype=float32)
    """
    return _finish(_var("var", x, axis, keepdims), x, "float")


def _var(op: str, x: Any, axis: Any, keepdims: bool) -> Any:
    _, axes = _axes(op, x, axis)
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
        Output tensor containing the standard deviation values (float32).

    Example:

    >>> keras.ops.std(np.array([1.0, 2.0, 3.0, 4.0]))
    array(1.118034, dtype=float32)
    """
    return _finish(run("sqrt", [_var("std", x, axis, keepdims)]), x, "float")


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
        elements in `x` (float32).

    Example:

    >>> round(float(keras.ops.logsumexp(np.array([1.0, 2.0, 3.0]))), 4)
    3.4076
    """
    shape, axes = _axes("logsumexp", x, axis)
    _nonempty("logsumexp", shape, axes)
    top = run("stop_gradient", [run("max", [x], axis=axes, keepdims=True)])
    # An infinite maximum is taken out as 0, so that inf - inf gives no NaN:
    # all -inf sums to -inf, any +inf to +inf, as Keras's.
    finite = run("equal", [run("sub", [top, top]), 0.0])
    top = run("where", [finite, top, 0.0])
    total = run("sum", [run("exp", [run("sub", [x, top])])], axis=axes, keepdims=bool(keepdims))
    top = C.reshape(
        "logsumexp", top, _out_dims(shape, axes, keepdims), _out_dims(shape, axes, True)
    )
    return _finish(run("add", [run("log", [total]), top]), x, "float")


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
    _, axes = _axes("any", x, axis)
    count = run("sum", [run("not_equal", [x, 0.0])], axis=axes, keepdims=bool(keepdims))
    return _finish(run("greater", [count, 0.0]), x, "bool")


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
    _, axes = _axes("all", x, axis)
    zeros = run("sum", [run("equal", [x, 0.0])], axis=axes, keepdims=bool(keepdims))
    return _finish(run("equal", [zeros, 0.0]), x, "bool")


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
    _, axes = _axes("count_nonzero", x, axis)
    return _finish(run("sum", [run("not_equal", [x, 0.0])], axis=axes), x, "int32")


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
    shape, axes = _axes("average", x, axis)
    if weights is None:
        return _finish(run("mean", [x], axis=axes), x, "float")
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
    return _finish(run("div", [total, scale]), x, "float")


# ---------------------------------------------------------------- products and scans


def prod(
    x: TensorLike, axis: Axis = None, keepdims: bool = False, dtype: DTypeLike = None
) -> Tensor:
    """Return the product of tensor elements over a given axis.

    Multiplies pairs of elements, halving the reduced size each step, so
    the result is exact in zeros, inf and NaN and the gradient is that of
    the products. The reduced sizes must be known before run time.

    Args:
        x: Input tensor.
        axis: Axis or axes along which a product is performed. The default,
            `axis=None`, will compute the product of all elements
            in the input tensor.
        keepdims: If this is set to `True`, the axes which are reduce
            are left in the result as dimensions with size one.
        dtype: Data type of the returned tensor.

    Returns:
        Product of elements of `x` over the given axis or axes.

    Example:

    >>> keras.ops.prod(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    array([3., 8.], dtype=float32)
    """
    dtype = _check_dtype("prod", dtype)
    shape, axes = _axes("prod", x, axis)
    reduced = _reduced(shape, axes)
    kept = [i for i in range(len(shape)) if i not in reduced]
    n = 1
    for a in reduced:
        n *= C.static_size("prod", shape, a)
    y = C.transpose(x, kept + reduced)
    lead = [shape[i] for i in kept]
    y = C.reshape("prod", y, lead + [n])
    while n > 1:
        if n % 2:
            y = run("pad", [y], pad_width=[[0, 0]] * len(lead) + [[0, 1]], constant_values=1.0)
            n += 1
        y = C.reshape("prod", y, lead + [n // 2, 2])
        pair = [
            run(
                "slice",
                [y],
                start_indices=[0] * len(lead) + [0, j],
                shape=[-1] * len(lead) + [-1, 1],
            )
            for j in (0, 1)
        ]
        n //= 2
        y = C.reshape("prod", run("mul", pair), lead + [n])
    if n == 0:
        # The empty product is one: a sum over nothing is zero.
        y = run("add", [run("sum", [y], axis=[len(lead)], keepdims=True), 1.0])
    y = C.reshape("prod", y, _out_dims(shape, axes, keepdims))
    return _finish(y, x, "int", dtype)


def _scan(op: str, x: Any, axis: Any, combine: str, identity: float, dtype: Any) -> Any:
    dtype = _check_dtype(op, dtype)
    source = x
    if axis is None:
        x, a = C.flatten(op, x), 0
    else:
        a = C.axis_of(op, axis, len(C.shape_of(op, x)))
    shape = C.shape_of(op, x)
    n = C.static_size(op, shape, a)
    y, k = x, 1
    while k < n:
        head = run(
            "slice",
            [y],
            start_indices=[0] * len(shape),
            shape=[n - k if i == a else -1 for i in range(len(shape))],
        )
        pad = [[k, 0] if i == a else [0, 0] for i in range(len(shape))]
        shifted = run("pad", [head], pad_width=pad, constant_values=float(identity))
        y = run(combine, [y, shifted])
        k *= 2
    if y is x:
        y = run("linear", [y])  # a new tensor, never the input itself
    return _finish(y, source, "int", dtype)


def cumsum(x: TensorLike, axis: int | None = None, dtype: DTypeLike = None) -> Tensor:
    """Returns the cumulative sum of elements along a given axis.

    Adds copies shifted by 1, 2, 4, ... elements (log2(n) steps); the size
    of `axis` must be known before run time.

    Args:
        x: Input tensor.
        axis: Axis along which the cumulative sum is computed.
            By default the input is flattened.
        dtype: dtype of returned tensor. Defaults to x.dtype.

    Returns:
        Output tensor.

    Example:

    >>> keras.ops.cumsum(np.array([[1, 2], [3, 4]]), axis=1)
    array([[1, 3],
           [3, 7]])
    """
    return _scan("cumsum", x, axis, "add", 0.0, dtype)


def cumprod(x: TensorLike, axis: int | None = None, dtype: DTypeLike = None) -> Tensor:
    """Return the cumulative product of elements along a given axis.

    Multiplies copies shifted by 1, 2, 4, ... elements (log2(n) steps);
    the size of `axis` must be known before run time.

    Args:
        x: Input tensor.
        axis: Axis along which the cumulative product is computed.
            By default the input is flattened.
        dtype: dtype of returned tensor. Defaults to x.dtype.

    Returns:
        Output tensor.

    Example:

    >>> keras.ops.cumprod(np.array([1.0, 2.0, 3.0]))
    array([1., 2., 6.], dtype=float32)
    """
    return _scan("cumprod", x, axis, "mul", 1.0, dtype)
