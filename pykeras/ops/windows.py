"""Window functions and spaced sequences: bartlett, blackman, hamming, hanning, kaiser,
geomspace.

The windows are constants of a concrete length: NumPy computes them in
float64 and they are returned as float32 NumPy arrays, as Keras returns
them (Keras computes in float32, so its values differ in the last bits).
`geomspace` is NumPy's on numbers and arrays; given a symbolic or traced
`start` or `stop` it is built from the core's primitives (`linspace` of the
logarithms, `exp`), so it stays symbolic and differentiable (float32).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run
from pykeras.ops.arrays import expand_dims
from pykeras.ops.creation import linspace

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, Tensor, TensorLike

__all__ = ["bartlett", "blackman", "geomspace", "hamming", "hanning", "kaiser"]


def _length(op: str, x: Any) -> Any:
    """The window length: an int (or a 0-d integer array), at least 0. A
    float is truncated, as JAX does."""
    if C.is_symbolic(x):
        raise InvalidArgumentError(
            f"Op '{op}' needs a concrete window length, not a tensor. Received: x={x!r}"
        )
    value = np.asarray(x)
    if value.ndim != 0 or value.dtype.kind not in "iuf" or not np.isfinite(value):
        raise InvalidArgumentError(
            f"Op '{op}' expected the window length as a non-negative int. Received: x={x!r}"
        )
    n = int(value)
    if n < 0:
        raise InvalidArgumentError(
            f"Op '{op}' expected the window length as a non-negative int. Received: x={x!r}"
        )
    return n


def bartlett(x: TensorLike) -> Tensor:
    """Bartlett window function.

    The Bartlett window is a triangular window that rises then falls
    linearly.

    Args:
        x: Scalar or 1D Tensor. Window length.

    Returns:
        A 1D tensor containing the Bartlett window values.

    Example:

    >>> keras.ops.bartlett(5)
    array([0. , 0.5, 1. , 0.5, 0. ], dtype=float32)
    """
    return np.bartlett(_length("bartlett", x)).astype(np.float32)


def blackman(x: TensorLike) -> Tensor:
    """Blackman window function.

    The Blackman window is a taper formed by using a weighted cosine.

    Args:
        x: Scalar or 1D Tensor. Window length.

    Returns:
        A 1D tensor containing the Blackman window values.

    Example:

    >>> keras.ops.blackman(3)
    array([-1.3877788e-17,  1.0000000e+00, -1.3877788e-17], dtype=float32)
    """
    return np.blackman(_length("blackman", x)).astype(np.float32)


def hamming(x: TensorLike) -> Tensor:
    """Hamming window function.

    The Hamming window is defined as:
    `w[n] = 0.54 - 0.46 * cos(2 * pi * n / (N - 1))` for `0 <= n <= N - 1`.

    Args:
        x: Scalar or 1D Tensor. The window length.

    Returns:
        A 1D tensor containing the Hamming window values.

    Example:

    >>> keras.ops.hamming(3)
    array([0.08, 1.  , 0.08], dtype=float32)
    """
    return np.hamming(_length("hamming", x)).astype(np.float32)


def hanning(x: TensorLike) -> Tensor:
    """Hanning window function.

    The Hanning window is defined as:
    `w[n] = 0.5 - 0.5 * cos(2 * pi * n / (N - 1))` for `0 <= n <= N - 1`.

    Args:
        x: Scalar or 1D Tensor. The window length.

    Returns:
        A 1D tensor containing the Hanning window values.

    Example:

    >>> keras.ops.hanning(3)
    array([0., 1., 0.], dtype=float32)
    """
    return np.hanning(_length("hanning", x)).astype(np.float32)


def kaiser(x: TensorLike, beta: Any) -> Tensor:
    """Kaiser window function.

    The Kaiser window is defined as:
    `w[n] = I0(beta * sqrt(1 - (2n / (N - 1) - 1)^2)) / I0(beta)`
    where I0 is the modified zeroth-order Bessel function of the first kind.

    Args:
        x: Scalar or 1D Tensor. The window length.
        beta: Float. Shape parameter for the Kaiser window: 0 gives a
            rectangular window; about 5 is similar to a Hamming window,
            about 8.6 to a Blackman window.

    Returns:
        A 1D tensor containing the Kaiser window values.

    Example:

    >>> keras.ops.kaiser(3, 0.0)
    array([1., 1., 1.], dtype=float32)
    """
    n = _length("kaiser", x)
    if C.is_symbolic(beta) or np.ndim(beta) != 0:
        raise InvalidArgumentError(f"Op 'kaiser' expected beta as a number. Received: {beta!r}")
    try:
        b = float(beta)
    except (TypeError, ValueError):
        raise InvalidArgumentError(
            f"Op 'kaiser' expected beta as a number. Received: beta={beta!r}"
        ) from None
    return np.kaiser(n, b).astype(np.float32)


def geomspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    dtype: DTypeLike = None,
    axis: int = 0,
) -> Tensor:
    """Return numbers spaced evenly on a log scale (a geometric progression).

    Each output sample is a constant multiple of the previous one. Where
    `start` and `stop` are zero or have different signs there is no such
    sequence, and the samples are NaN (as in Keras).

    Args:
        start: The starting value of the sequence.
        stop: The final value of the sequence, unless `endpoint` is False.
            In that case, `num + 1` values are spaced over the interval in
            log-space, of which all but the last (a sequence of length
            `num`) are returned.
        num: Number of samples to generate. Defaults to `50`.
        endpoint: If `True`, `stop` is the last sample. Otherwise, it is
            not included. Defaults to `True`.
        dtype: The type of the output tensor; float32 by default.
        axis: The axis in the result to store the samples. Relevant only
            if start or stop are array-like. Defaults to `0`.

    Returns:
        A tensor of `num` samples, equally spaced on a log scale.

    Example:

    >>> keras.ops.geomspace(1, 1000, 4)
    array([   1.,   10.,  100., 1000.], dtype=float32)
    """
    op = "geomspace"
    num = C.check_int(op, "num", num, low=0)
    if C.any_symbolic([start, stop]):
        return _symbolic_geomspace(start, stop, num, endpoint, dtype, axis)
    dtype = _dtype(op, dtype, C.float_default(start, stop) == "float64")
    a, b = np.asarray(start, np.float64), np.asarray(stop, np.float64)
    try:
        rank = len(np.broadcast_shapes(a.shape, b.shape))
    except ValueError:
        raise ShapeError(
            f"Op '{op}' expected start and stop that broadcast together. Received: shapes "
            f"{C.dims_text(a.shape)} and {C.dims_text(b.shape)}"
        ) from None
    axis = C.axis_of(op, axis, rank + 1)
    valid = (a != 0) & (b != 0) & (np.sign(a) == np.sign(b))
    samples = np.geomspace(
        np.where(valid, a, 1.0), np.where(valid, b, 1.0), num, endpoint=endpoint, axis=axis
    )
    # float64 samples stay float64 (float64 endpoints, as Keras with x64).
    samples = np.where(np.expand_dims(valid, axis), samples, np.nan)
    if dtype != np.float64:
        samples = samples.astype(np.float32)
    # Integer types truncate the float32 samples, as Keras does: 7.99999...
    # in float64 is 8.0 in float32, and Keras gives 8.
    with np.errstate(invalid="ignore"):
        return samples.astype(dtype)


def _dtype(op: str, dtype: Any, wide: bool = False) -> Any:
    if dtype is None:
        return np.dtype(np.float64 if wide else np.float32)
    try:
        return np.dtype(getattr(dtype, "name", dtype))
    except TypeError:
        raise InvalidArgumentError(
            f"Op '{op}': dtype must be a NumPy dtype name. Received: dtype={dtype!r}"
        ) from None


def _symbolic_geomspace(
    start: Any, stop: Any, num: int, endpoint: bool, dtype: Any, axis: Any
) -> Any:
    """`sign(start) * exp(linspace(log|start|, log|stop|))` from primitives,
    NaN where the signs differ or an end is 0."""
    op = "geomspace"
    if dtype is not None and _dtype(op, dtype).kind != "f":
        raise InvalidArgumentError(
            f"Op '{op}' on symbolic tensors gives float32 samples only. Received: dtype={dtype!r}"
        )
    logs = [run("log", [run("abs", [v])]) for v in (start, stop)]
    samples = run("exp", [linspace(logs[0], logs[1], num, endpoint=endpoint, axis=axis)])
    rank = len(C.shape_of(op, samples))
    axis = C.axis_of(op, axis, rank)
    signs = [run("sign", [v]) for v in (start, stop)]
    agree = run("greater", [run("mul", [signs[0], signs[1]]), np.float32(0.0)])
    sign = run("where", [agree, signs[0], np.float32(np.nan)])
    lead = rank - 1 - len(C.shape_of(op, sign))
    if lead:
        sign = C.reshape(op, sign, [1] * lead + list(C.shape_of(op, sign)), C.shape_of(op, sign))
    return run("mul", [samples, expand_dims(sign, axis)])
