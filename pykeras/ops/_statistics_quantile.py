"""Quantiles for `statistics.py`: `quantile`, `percentile`, `median` and
their NaN-ignoring forms.

The reduced axes are moved last and flattened, the values sorted there
(the core's `sort`, NaN last), and the two neighbours of each virtual
position `q * (count - 1)` picked with a one-hot mask (`where(iota == i)`),
so the position may depend on the data (the count of non-NaN values) and
the result stays differentiable through `where` and `sort`. The positions,
weights and methods follow `jax.numpy.quantile` (Keras on JAX): positions
are clamped to the valid range, `nearest` takes the lower neighbour at
exactly one half.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Union

import numpy as np

from pykeras.errors import InvalidArgumentError
from pykeras.ops import _composite as C
from pykeras.ops import _numeric_common as N
from pykeras.ops import _reduce_common as RC
from pykeras.ops._dispatch import run
from pykeras.ops.sorting import sort

Axis = Union[int, Sequence[int], None]
METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _check_q(op: str, q: Any, scale: float, wide: bool = False) -> np.ndarray:
    if C.any_symbolic([q]):
        raise InvalidArgumentError(
            f"Op '{op}' needs its quantiles `q` as constants (numbers or an array), not a "
            f"symbolic tensor: they set the result's shape. Received: q={q!r}"
        )
    try:
        values = np.asarray(N.eager_array(q), dtype=np.float64 if wide else np.float32)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"Op '{op}' expected numbers as q. Received: q={q!r}") from None
    if values.ndim > 1:
        raise InvalidArgumentError(
            f"Op '{op}' expected q of rank 0 or 1. Received: q of shape {values.shape}"
        )
    # Divided in float32, as Keras (JAX) computes percentiles (in float64
    # for float64 `x`, as JAX with x64).
    return values / values.dtype.type(scale) if scale != 1.0 else values


def quantile_of(
    op: str,
    x: Any,
    q: Any,
    axis: Any,
    method: str,
    keepdims: bool,
    ignore_nan: bool,
    scale: float = 1.0,
) -> Any:
    """The `q`-th quantiles of `x` over `axis` (`q / scale`, for percentiles)."""
    if method not in METHODS:
        raise InvalidArgumentError(
            f"Op '{op}' expected method to be one of {', '.join(METHODS)}. "
            f"Received: method={method!r}"
        )
    q = _check_q(op, q, scale, N.is_float64(x))
    shape, axes = RC.axes(op, x, axis)
    reduced = list(range(len(shape))) if axes is None else axes
    RC.nonempty(op, shape, reduced)
    kept = [i for i in range(len(shape)) if i not in reduced]
    n = 1
    for a in reduced:
        n *= C.static_size(op, shape, a)
    lead = [shape[i] for i in kept]
    y = C.reshape(op, C.transpose(x, kept + reduced), lead + [n])
    nan = N.isnan(y)
    if ignore_nan:
        count = run("sum", [N.logical_not(nan)], axis=[len(lead)], keepdims=True)
    else:
        # Any NaN makes the whole slice's quantiles NaN.
        any_nan = run("greater", [run("sum", [nan], axis=[len(lead)], keepdims=True), 0.0])
        y = N.where(any_nan, float("nan"), y)
        count = np.float32(n)
    y = sort(y, axis=-1)
    last = run("sub", [count, 1.0])
    qs = q.reshape(q.shape + (1,) * (len(lead) + 1))
    pos = run("mul", [qs, last])
    low, high = run("floor", [pos]), run("ceil", [pos])
    high_weight = run("sub", [pos, low])
    low = run("maximum", [run("minimum", [low, last]), 0.0])
    high = run("maximum", [run("minimum", [high, last]), 0.0])
    iota = np.arange(n, dtype=np.float32)

    def pick(index: Any) -> Any:
        chosen = N.where(run("equal", [iota, index]), y, 0.0)
        return run("sum", [chosen], axis=[-1])

    if method == "lower":
        out = pick(low)
    elif method == "higher":
        out = pick(high)
    else:
        low_value, high_value = pick(low), pick(high)
        weight_shape = C.shape_of(op, high_weight)
        weight = C.reshape(op, high_weight, weight_shape[:-1], weight_shape)
        if method == "linear":
            out = run(
                "add",
                [
                    run("mul", [low_value, run("sub", [1.0, weight])]),
                    run("mul", [high_value, weight]),
                ],
            )
        elif method == "midpoint":
            out = run("mul", [run("add", [low_value, high_value]), 0.5])
        else:
            out = N.where(run("less_equal", [weight, 0.5]), low_value, high_value)
    dims = list(q.shape) + RC.out_dims(shape, axes, keepdims)
    out = C.reshape(op, out, dims, list(q.shape) + lead)
    # float64 where x was (computed in float64, as Keras with x64), else float32.
    return N.float_result(out)


# ---------------------------------------------------------------- quantiles


def quantile(
    x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False
) -> Any:
    """Compute the q-th quantile(s) of the data along the specified axis.

    Args:
        x: Input tensor.
        q: Probability or sequence of probabilities for the quantiles to
            compute. Values should be between 0 and 1 inclusive (others are
            clamped to the ends, as in Keras). A constant: it sets the
            result's shape.
        axis: Axis or axes along which the quantiles are computed. Defaults
            to `axis=None` which is to compute the quantile(s) along a
            flattened version of the array.
        method: A string specifies the method to use for estimating the
            quantile. Available methods are `"linear"`, `"lower"`,
            `"higher"`, `"midpoint"`, and `"nearest"`. Defaults to
            `"linear"`. If the desired quantile lies between two data points
            `i < j`:
            - `"linear"`: `i + (j - i) * fraction`, where fraction is the
                fractional part of the index surrounded by `i` and `j`.
            - `"lower"`: `i`.
            - `"higher"`: `j`.
            - `"midpoint"`: `(i + j) / 2`
            - `"nearest"`: `i` or `j`, whichever is nearest (`i` at one
                half).
        keepdims: If this is set to `True`, the axes which are reduce
            are left in the result as dimensions with size one.

    Returns:
        The quantile(s), float32. If `q` is a 1-D array, its axis comes
        first. A slice holding NaN gives NaN. The sizes of the reduced axes
        must be known before run time.

    Example:

    >>> keras.ops.quantile(np.array([1.0, 2.0, 3.0, 4.0]), 0.5)
    array(2.5)
    """
    return quantile_of("quantile", x, q, axis, method, keepdims, False)


def nanquantile(
    x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False
) -> Any:
    """Compute the q-th quantile(s) of the data along an axis, ignoring NaNs.

    As `quantile`, over the non-NaN values of each slice (their count may
    differ from slice to slice); an all-NaN slice gives NaN.

    Args:
        x: Input tensor.
        q: Probability or sequence of probabilities for the quantiles to
            compute, between 0 and 1 inclusive (a constant).
        axis: Axis or axes along which the quantiles are computed. Defaults
            to the flattened tensor.
        method: `"linear"`, `"lower"`, `"higher"`, `"midpoint"` or
            `"nearest"`, as for `quantile`.
        keepdims: If this is set to `True`, the axes which are reduced are
            left in the result as dimensions with size one.

    Returns:
        The quantile(s), float32 (the axis of a 1-D `q` first).

    Example:

    >>> keras.ops.nanquantile(np.array([1.0, np.nan, 3.0]), 0.5)
    array(2.)
    """
    return quantile_of("nanquantile", x, q, axis, method, keepdims, True)


def percentile(
    x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False
) -> Any:
    """Compute the q-th percentile(s) of the data along the specified axis.

    As `quantile`, with `q` in percent (0 to 100).

    Args:
        x: Input tensor.
        q: Percentile or sequence of percentiles to compute, between 0 and
            100 inclusive (a constant).
        axis: Axis or axes along which the percentiles are computed.
            Defaults to the flattened tensor.
        method: `"linear"`, `"lower"`, `"higher"`, `"midpoint"` or
            `"nearest"`, as for `quantile`.
        keepdims: If this is set to `True`, the axes which are reduced are
            left in the result as dimensions with size one.

    Returns:
        The percentile(s), float32 (the axis of a 1-D `q` first).

    Example:

    >>> keras.ops.percentile(np.array([1.0, 2.0, 3.0, 4.0]), 25)
    array(1.75)
    """
    return quantile_of("percentile", x, q, axis, method, keepdims, False, 100.0)


def nanpercentile(
    x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False
) -> Any:
    """Compute the q-th percentile(s) of the data along an axis, ignoring NaNs.

    As `nanquantile`, with `q` in percent (0 to 100).

    Args:
        x: Input tensor.
        q: Percentile or sequence of percentiles to compute, between 0 and
            100 inclusive (a constant).
        axis: Axis or axes along which the percentiles are computed.
            Defaults to the flattened tensor.
        method: `"linear"`, `"lower"`, `"higher"`, `"midpoint"` or
            `"nearest"`, as for `quantile`.
        keepdims: If this is set to `True`, the axes which are reduced are
            left in the result as dimensions with size one.

    Returns:
        The percentile(s), float32 (the axis of a 1-D `q` first).

    Example:

    >>> keras.ops.nanpercentile(np.array([1.0, np.nan, 3.0]), 50)
    array(2.)
    """
    return quantile_of("nanpercentile", x, q, axis, method, keepdims, True, 100.0)


def median(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Compute the median along the specified axis.

    Args:
        x: Input tensor.
        axis: Axis or axes along which the medians are computed. Defaults to
            `axis=None` which is to compute the median(s) along a flattened
            version of the array.
        keepdims: If this is set to `True`, the axes which are reduce
            are left in the result as dimensions with size one.

    Returns:
        The output tensor (float32); NaN for a slice holding NaN.

    Example:

    >>> keras.ops.median(np.array([[3.0, 1.0, 2.0], [4.0, 6.0, 5.0]]), axis=1)
    array([2., 5.])
    """
    return quantile_of("median", x, 0.5, axis, "linear", keepdims, False)


def nanmedian(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Compute the median along the specified axis, ignoring NaNs.

    Args:
        x: Input tensor.
        axis: Axis or axes along which the medians are computed. Defaults to
            the flattened tensor.
        keepdims: If this is set to `True`, the axes which are reduced are
            left in the result as dimensions with size one.

    Returns:
        The median of the non-NaN values (float32); NaN for an all-NaN
        slice.

    Example:

    >>> keras.ops.nanmedian(np.array([1.0, np.nan, 3.0, 4.0]))
    array(3.)
    """
    return quantile_of("nanmedian", x, 0.5, axis, "linear", keepdims, True)
