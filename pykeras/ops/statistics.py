"""Statistics, as `keras.ops` has them: NaN-ignoring reductions and scans,
medians, quantiles and percentiles, peak-to-peak, differences, correlation
coefficients and the trapezoidal rule.

Each is a composite of the core's primitives (sum, max, argmax, where,
slice, sort, ...) and of the reductions in `reductions.py`, so it runs
eagerly, in Functional models and in traced graphs, with gradients from the
primitives' rules. NaN is found as `x != x` and replaced, before reducing,
by the value that cannot win (-inf for a maximum, 0 for a sum, 1 for a
product); an all-NaN slice gives NaN (-1 for `nanargmax`/`nanargmin`), as
Keras on JAX.

Eagerly, results have Keras's dtypes: `nanmax`/`nanmin`/`ptp`/`diff` keep
an integer (or bool) input's dtype, `nansum`/`nanprod`/`nancumsum`/
`nancumprod` keep integers and make bools int32, the arg-reductions give
int32 and the rest float32; float64 input computed in float64 keeps float64
(as Keras with JAX's x64). Integers are computed in float32, so they are
exact below 2**24. Symbolic results are float32 (indices as float32).

Quantiles (`quantile`, `percentile`, `median` and the `nan*` forms) sort
along the reduced axes; see `_statistics_quantile.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Union

from pykeras.errors import DTypeError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops import _numeric_common as N
from pykeras.ops import _reduce_common as RC
from pykeras.ops import scans as S
from pykeras.ops._dispatch import run
from pykeras.ops._statistics_quantile import (
    median,
    nanmedian,
    nanpercentile,
    nanquantile,
    percentile,
    quantile,
)

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, Tensor, TensorLike

__all__ = [
    "corrcoef",
    "diff",
    "median",
    "nanargmax",
    "nanargmin",
    "nancumprod",
    "nancumsum",
    "nanmax",
    "nanmean",
    "nanmedian",
    "nanmin",
    "nanpercentile",
    "nanprod",
    "nanquantile",
    "nanstd",
    "nansum",
    "nanvar",
    "percentile",
    "ptp",
    "quantile",
    "trapezoid",
]

Axis = Union[int, Sequence[int], None]
_NAN = float("nan")


def _valid(x: Any) -> Any:
    """1 where `x` is not NaN."""
    return N.logical_not(N.isnan(x))


# ---------------------------------------------------------------- NaN-ignoring maxima


def _nanmax(op: str, x: Any, axis: Any, keepdims: bool, sign: float) -> Any:
    shape, axes = RC.axes(op, x, axis)
    RC.nonempty(op, shape, axes)
    y = x if sign > 0 else run("neg", [x])
    y = N.where(N.isnan(y), -N.INF, y)
    top = run("max", [y], axis=axes, keepdims=bool(keepdims))
    count = run("sum", [_valid(x)], axis=axes, keepdims=bool(keepdims))
    top = N.where(run("equal", [count, 0.0]), _NAN, top)
    return RC.finish(top if sign > 0 else run("neg", [top]), x, "keep")


def nanmax(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Maximum of a tensor over the given axes, ignoring NaNs.

    Args:
        x: Input tensor.
        axis: Axis or axes along which the maximum is computed. The default
            is to compute the maximum of the flattened tensor.
        keepdims: If this is set to `True`, the axes which are reduced are
            left in the result as dimensions with size one.

    Returns:
        The maximum of the non-NaN values; NaN where a slice is all NaN
        (an integer or bool input keeps its dtype).

    Example:

    >>> keras.ops.nanmax(np.array([[1.0, np.nan], [np.nan, np.nan]]), axis=1)
    array([ 1., nan])
    """
    return _nanmax("nanmax", x, axis, keepdims, 1)


def nanmin(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Minimum of a tensor over the given axes, ignoring NaNs.

    Args:
        x: Input tensor.
        axis: Axis or axes along which the minimum is computed. The default
            is to compute the minimum of the flattened tensor.
        keepdims: If this is set to `True`, the axes which are reduced are
            left in the result as dimensions with size one.

    Returns:
        The minimum of the non-NaN values; NaN where a slice is all NaN
        (an integer or bool input keeps its dtype).

    Example:

    >>> keras.ops.nanmin(np.array([[1.0, np.nan, -2.0]]), axis=1)
    array([-2.])
    """
    return _nanmax("nanmin", x, axis, keepdims, -1)


def _nanargmax(op: str, x: Any, axis: Any, keepdims: bool, sign: float) -> Any:
    shape = C.shape_of(op, x)
    if axis is None:
        RC.nonempty(op, shape, None)
        y, a = C.flatten(op, x), 0
    else:
        a = C.axis_of(op, axis, len(shape))
        RC.nonempty(op, shape, [a])
        y = x
    valid = _valid(y)
    y = y if sign > 0 else run("neg", [y])
    # NaN stands in as -inf, so it ties with a real -inf and the first
    # of them wins, as in Keras (JAX).
    index = run("argmax", [N.where(valid, y, -N.INF)], axis=a)
    found = run("greater", [run("sum", [valid], axis=[a]), 0.0])
    index = N.where(found, index, -1.0)
    if keepdims:
        dims = [1] * len(shape) if axis is None else RC.out_dims(shape, [a], True)
        index = C.reshape(op, index, dims)
    return RC.finish(index, x, "int32")


def nanargmax(x: TensorLike, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Indices of the maximum values along an axis, ignoring NaNs.

    NaN counts as -inf (the first of them wins a tie with a real -inf);
    ties give the first index; an all-NaN slice gives -1, as Keras on JAX.

    Args:
        x: Input tensor.
        axis: By default, the index is into the flattened tensor, otherwise
            along the specified axis.
        keepdims: If this is set to `True`, the axes which are reduced are
            left in the result as dimensions with size one.

    Returns:
        Tensor of indices: int32 eagerly (as Keras), float32 inside models.

    Example:

    >>> keras.ops.nanargmax(np.array([[np.nan, 2.0, 5.0], [np.nan, np.nan, np.nan]]), axis=1)
    array([ 2, -1], dtype=int32)
    """
    return _nanargmax("nanargmax", x, axis, keepdims, 1)


def nanargmin(x: TensorLike, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Indices of the minimum values along an axis, ignoring NaNs.

    NaN counts as +inf (the first of them wins a tie with a real +inf);
    ties give the first index; an all-NaN slice gives -1, as Keras on JAX.

    Args:
        x: Input tensor.
        axis: By default, the index is into the flattened tensor, otherwise
            along the specified axis.
        keepdims: If this is set to `True`, the axes which are reduced are
            left in the result as dimensions with size one.

    Returns:
        Tensor of indices: int32 eagerly (as Keras), float32 inside models.

    Example:

    >>> keras.ops.nanargmin(np.array([np.nan, 2.0, -5.0]))
    array(2, dtype=int32)
    """
    return _nanargmax("nanargmin", x, axis, keepdims, -1)


# ---------------------------------------------------------------- sums and moments


def _zeroed(x: Any, fill: float = 0.0) -> Any:
    """`x` with NaN replaced by `fill` (integer and bool arrays as they are)."""
    return N.where(N.isnan(x), fill, x) if N.float_input(x) else x


def nansum(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Sum of a tensor over the given axes, ignoring NaNs.

    Args:
        x: Input tensor.
        axis: Axis or axes along which the sum is computed. The default is
            to compute the sum of the flattened tensor.
        keepdims: If this is set to `True`, the axes which are reduced are
            left in the result as dimensions with size one.

    Returns:
        The sum of the non-NaN values (0 for an all-NaN slice; an integer
        input keeps its dtype, bool gives int32).

    Example:

    >>> keras.ops.nansum(np.array([1.0, np.nan, 2.0]))
    array(3.)
    """
    _, axes = RC.axes("nansum", x, axis)
    total = run("sum", [_zeroed(x)], axis=axes, keepdims=bool(keepdims))
    return RC.finish(total, x, "int_real")


def _nanmoments(op: str, x: Any, axis: Any, keepdims: bool) -> Any:
    """(mean, variance) of the non-NaN values, reduced with `keepdims`."""
    _, axes = RC.axes(op, x, axis)
    valid = _valid(x)
    count = run("sum", [valid], axis=axes, keepdims=True)
    mean = run("div", [run("sum", [_zeroed(x)], axis=axes, keepdims=True), count])
    centred = N.where(valid, run("sub", [x, mean]), 0.0)
    squares = run("sum", [run("square", [centred])], axis=axes, keepdims=bool(keepdims))
    count_out = run("sum", [valid], axis=axes, keepdims=bool(keepdims))
    return run("div", [squares, count_out])


def nanmean(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Mean of a tensor over the given axes, ignoring NaNs.

    Args:
        x: Input tensor.
        axis: Axis or axes along which the mean is computed. The default is
            to compute the mean of the flattened tensor.
        keepdims: If this is set to `True`, the axes which are reduced are
            left in the result as dimensions with size one.

    Returns:
        The mean of the non-NaN values; NaN for an all-NaN slice (float32).

    Example:

    >>> keras.ops.nanmean(np.array([1.0, np.nan, 2.0]))
    array(1.5)
    """
    _, axes = RC.axes("nanmean", x, axis)
    total = run("sum", [_zeroed(x)], axis=axes, keepdims=bool(keepdims))
    count = run("sum", [_valid(x)], axis=axes, keepdims=bool(keepdims))
    return RC.finish(run("div", [total, count]), x, "real")


def nanvar(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Variance of a tensor over the given axes, ignoring NaNs.

    The mean of the squared deviations of the non-NaN values from their
    mean (no degrees-of-freedom correction).

    Args:
        x: Input tensor.
        axis: Axis or axes along which the variance is computed. The default
            is to compute the variance of the flattened tensor.
        keepdims: If this is set to `True`, the axes which are reduced are
            left in the result as dimensions with size one.

    Returns:
        The variance of the non-NaN values; NaN for an all-NaN slice
        (float32).

    Example:

    >>> keras.ops.nanvar(np.array([1.0, np.nan, 3.0]))
    array(1.)
    """
    return RC.finish(_nanmoments("nanvar", x, axis, keepdims), x, "real")


def nanstd(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Standard deviation of a tensor over the given axes, ignoring NaNs.

    Args:
        x: Input tensor.
        axis: Axis or axes along which the standard deviation is computed.
            The default is to compute it over the flattened tensor.
        keepdims: If this is set to `True`, the axes which are reduced are
            left in the result as dimensions with size one.

    Returns:
        The standard deviation of the non-NaN values; NaN for an all-NaN
        slice (float32).

    Example:

    >>> keras.ops.nanstd(np.array([1.0, np.nan, 3.0]))
    array(1.)
    """
    variance = _nanmoments("nanstd", x, axis, keepdims)
    return RC.finish(run("sqrt", [variance]), x, "real")


def nanprod(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Product of a tensor over the given axes, ignoring NaNs.

    As `prod`, with NaN taken as 1; the reduced sizes must be known before
    run time.

    Args:
        x: Input tensor.
        axis: Axis or axes along which the product is computed. The default
            is to compute the product of the flattened tensor.
        keepdims: If this is set to `True`, the axes which are reduced are
            left in the result as dimensions with size one.

    Returns:
        The product of the non-NaN values (1 for an all-NaN slice; an
        integer input keeps its dtype, bool gives int32).

    Example:

    >>> keras.ops.nanprod(np.array([2.0, np.nan, 3.0]))
    array(6.)
    """
    out = S.prod(_zeroed(x, 1.0), axis=axis, keepdims=keepdims)
    return RC.finish(out, x, "int_real")


def nancumsum(x: TensorLike, axis: int | None = None, dtype: DTypeLike = None) -> Tensor:
    """Cumulative sum along an axis, treating NaNs as zero.

    Args:
        x: Input tensor.
        axis: Axis along which the cumulative sum is computed. By default
            the input is flattened.
        dtype: dtype of returned tensor. Defaults to x.dtype (bool gives
            int32).

    Returns:
        Output tensor.

    Example:

    >>> keras.ops.nancumsum(np.array([1.0, np.nan, 2.0]))
    array([1., 1., 3.])
    """
    dtype = RC.check_dtype("nancumsum", dtype)
    out = S._scan("nancumsum", _zeroed(x), axis, "add", 0.0, None)
    return RC.finish(out, x, "int_real", dtype)


def nancumprod(x: TensorLike, axis: int | None = None, dtype: DTypeLike = None) -> Tensor:
    """Cumulative product along an axis, treating NaNs as one.

    Args:
        x: Input tensor.
        axis: Axis along which the cumulative product is computed. By
            default the input is flattened.
        dtype: dtype of returned tensor. Defaults to x.dtype (bool gives
            int32).

    Returns:
        Output tensor.

    Example:

    >>> keras.ops.nancumprod(np.array([2.0, np.nan, 3.0]))
    array([2., 2., 6.])
    """
    dtype = RC.check_dtype("nancumprod", dtype)
    out = S._scan("nancumprod", _zeroed(x, 1.0), axis, "mul", 1.0, None)
    return RC.finish(out, x, "int_real", dtype)


# ---------------------------------------------------------------- ranges, differences


def ptp(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Return the peak-to-peak (max - min) value of tensor elements over a given axis.

    The name of the function comes from the acronym for "peak to peak".

    Args:
        x: Input tensor.
        axis: Axis along which to find the peaks. By default, flatten the
            array. `axis` may be negative, in which case it counts from the
            last to the first axis.
        keepdims: If this is set to `True`, the axes which are reduced are
            left in the result as dimensions with size one.

    Returns:
        A tensor with `max - min` over the axes (an integer input keeps its
        dtype; bool raises `DTypeError`, as Keras).

    Example:

    >>> keras.ops.ptp(np.array([[4, 9, 2], [3, 6, 1]]), axis=1)
    array([7, 5])
    """
    if not C.any_symbolic([x]) and not N.is_python_number(x):
        if N.eager_array(x).dtype.kind == "b":
            raise DTypeError("Op 'ptp' expected a numeric tensor. Received: dtype bool")
    shape, axes = RC.axes("ptp", x, axis)
    RC.nonempty("ptp", shape, axes)
    top = run("max", [x], axis=axes, keepdims=bool(keepdims))
    bottom = run("neg", [run("max", [run("neg", [x])], axis=axes, keepdims=bool(keepdims))])
    return RC.finish(run("sub", [top, bottom]), x, "keep")


def _ends(op: str, x: Any, axis: Any, shape: Any) -> Any:
    """(`x[1:]`, `x[:-1]`) along `axis`."""
    n = C.static_size(op, shape, axis)
    size = max(n - 1, 0)
    start = [0] * len(shape)
    start[axis] = min(1, n)
    dims = [-1] * len(shape)
    dims[axis] = size
    head = run("slice", [x], start_indices=start, shape=dims)
    tail = run("slice", [x], start_indices=[0] * len(shape), shape=dims)
    return head, tail


def diff(a: TensorLike, n: int = 1, axis: int = -1) -> Tensor:
    """Calculate the n-th discrete difference along the given axis.

    The first difference is given by `out[i] = a[i+1] - a[i]` along the
    given axis, higher differences are calculated by using `diff`
    recursively. The size of `axis` must be known before run time.

    Args:
        a: Input tensor.
        n: The number of times values are differenced. Defaults to `1`.
        axis: Axis to compute discrete difference(s) along.
            Defaults to `-1` (last axis).

    Returns:
        Tensor of diagonals: the `n`-th differences, `n` shorter along
        `axis` (an integer input keeps its dtype; bools give `a[i+1] !=
        a[i]`, as Keras).

    Example:

    >>> keras.ops.diff(np.array([1, 2, 4, 7, 0]))
    array([ 1,  2,  3, -7])
    """
    n = C.check_int("diff", "n", n, low=0)
    shape = C.shape_of("diff", a)
    if len(shape) == 0:
        raise ShapeError("Op 'diff' expected a tensor of rank 1 or more. Received: a scalar")
    ax = C.axis_of("diff", axis, len(shape))
    boolean = not C.any_symbolic([a]) and N.eager_array(a).dtype.kind == "b"
    out = run("add", [a, C.zeros(())])  # a new tensor, never the input itself
    for _ in range(n):
        head, tail = _ends("diff", out, ax, C.shape_of("diff", out))
        out = run("not_equal" if boolean else "sub", [head, tail])
    return RC.finish(out, a, "keep")


def corrcoef(x: TensorLike) -> Tensor:
    """Compute the Pearson correlation coefficient matrix.

    Each row of `x` is a variable, each column an observation; the
    coefficients are clipped to [-1, 1], and a constant row gives NaN.

    Args:
        x: A 2D tensor of shape `(N, D)`, where N is the number of variables
            and D is the number of observations (or a 1D tensor: one
            variable).

    Returns:
        A tensor of shape `(N, N)` representing the correlation matrix
        (float32; a scalar for one variable).

    Example:

    >>> keras.ops.corrcoef(np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]]))
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    shape = C.shape_of("corrcoef", x)
    if len(shape) not in (1, 2):
        raise ShapeError(
            "Op 'corrcoef' expected a 1-D or 2-D tensor (variables in rows). "
            f"Received: a tensor of shape {C.dims_text(shape)}"
        )
    rows = x if len(shape) == 2 else C.reshape("corrcoef", x, [1, shape[0]], shape)
    centred = run("sub", [rows, run("mean", [rows], axis=[1], keepdims=True)])
    cov = run("matmul", [centred, C.transpose(centred, [1, 0])])
    norms = run("sqrt", [run("sum", [run("square", [centred])], axis=[1], keepdims=True)])
    scale = run("matmul", [norms, C.transpose(norms, [1, 0])])
    out = run("clip", [run("div", [cov, scale])], min=-1.0, max=1.0)
    if len(shape) == 1 or shape[0] == 1:
        # One variable: a scalar, as NumPy's and Keras's.
        out = C.reshape("corrcoef", out, [], [1, 1])
    return RC.finish(out, x, "real")


def trapezoid(
    y: TensorLike, x: TensorLike | None = None, dx: float = 1.0, axis: int = -1
) -> Tensor:
    """Integrate along the given axis using the composite trapezoidal rule.

    Args:
        y: Input tensor.
        x: Optional tensor specifying sample points corresponding to `y`
            (1-D along `axis`, or of `y`'s shape). If `None`, spacing is
            assumed to be `dx`.
        dx: Spacing between sample points when `x` is `None`.
        axis: The axis along which to integrate. Defaults to `-1`.

    Returns:
        A tensor containing the approximate integral of `y` along the given
        axis (float32).

    Example:

    >>> keras.ops.trapezoid(np.array([1.0, 2.0, 3.0]))
    array(4.)
    """
    shape = C.shape_of("trapezoid", y)
    if len(shape) == 0:
        raise ShapeError("Op 'trapezoid' expected a tensor of rank 1 or more. Received: a scalar")
    ax = C.axis_of("trapezoid", axis, len(shape))
    head, tail = _ends("trapezoid", y, ax, shape)
    mids = run("mul", [run("add", [head, tail]), 0.5])
    if x is None:
        area = run("mul", [run("sum", [mids], axis=[ax]), float(dx)])
        return RC.finish(area, y, "real")
    x_shape = C.shape_of("trapezoid", x)
    if len(x_shape) == 1:
        if None not in (x_shape[0], shape[ax]) and x_shape[0] != shape[ax]:
            raise ShapeError(
                f"Op 'trapezoid' expected 1-D x of length {shape[ax]} (the size of axis "
                f"{ax} of y). Received: x of shape {C.dims_text(x_shape)}"
            )
        x_head, x_tail = _ends("trapezoid", x, 0, x_shape)
        steps = run("sub", [x_head, x_tail])
        steps = C.reshape("trapezoid", steps, [-1 if i == ax else 1 for i in range(len(shape))])
    elif len(x_shape) == len(shape):
        x_head, x_tail = _ends("trapezoid", x, ax, x_shape)
        steps = run("sub", [x_head, x_tail])
    else:
        raise ShapeError(
            "Op 'trapezoid' expected x to be 1-D or of y's rank. "
            f"Received: x of shape {C.dims_text(x_shape)}, y of shape {C.dims_text(shape)}"
        )
    area = run("sum", [run("mul", [mids, steps])], axis=[ax])
    return RC.finish(area, y, "real")
