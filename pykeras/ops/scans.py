"""Products and scans, as `keras.ops` has them: `prod`, `cumsum` and
`cumprod`.

Each is a composite of the core's primitives, so it runs eagerly, in
Functional models and in traced graphs, with gradients from the
primitives' rules: `prod` multiplies pairs of elements, halving the axis
each time (log2(n) steps), and `cumsum`/`cumprod` add (multiply) shifted
copies, doubling the shift each time (a Hillis-Steele scan); both are exact
in zeros, inf and NaN, and both need the reduced sizes before run time (not
the batch axis of a symbolic tensor). Eagerly, `prod`/`cumsum`/`cumprod`
keep an integer input's dtype (bool gives int32), as Keras's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pykeras.ops import _composite as C
from pykeras.ops import _reduce_common as R
from pykeras.ops._dispatch import run
from pykeras.ops.reductions import Axis

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, Tensor, TensorLike

__all__ = [
    "cumprod",
    "cumsum",
    "prod",
]


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
    array([3., 8.])
    """
    dtype = R.check_dtype("prod", dtype)
    shape, axes = R.axes("prod", x, axis)
    reduced = R.reduced_axes(shape, axes)
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
    y = C.reshape("prod", y, R.out_dims(shape, axes, keepdims))
    return R.finish(y, x, "int_real", dtype)


def _scan(op: str, x: Any, axis: Any, combine: str, identity: float, dtype: Any) -> Any:
    dtype = R.check_dtype(op, dtype)
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
    return R.finish(y, source, "int_real", dtype)


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
    array([1., 2., 6.])
    """
    return _scan("cumprod", x, axis, "mul", 1.0, dtype)
