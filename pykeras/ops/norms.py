"""Vector and matrix norms (`keras.ops.norm`, also `keras.ops.linalg.norm`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.errors import InvalidArgumentError
from pykeras.ops import _composite as C
from pykeras.ops import _reduce_common as R
from pykeras.ops._dispatch import run
from pykeras.ops.reductions import Axis

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__ = ["norm"]


_SVD_ORDERS = (2, -2, "nuc")


def norm(x: TensorLike, ord: Any = None, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A002
    """Matrix or vector norm.

    This function is able to return one of eight different matrix norms, or
    one of an infinite number of vector norms (described below), depending
    on the value of the `ord` parameter. Matrix orders 2, -2 and `"nuc"`
    come from the singular values (`svd`).

    Args:
        x: Input tensor.
        ord: Order of the norm (see table under Notes). The default is
            `None`.
        axis: If `axis` is an integer, it specifies the axis of `x` along
            which to compute the vector norms. If `axis` is a 2-tuple, it
            specifies the axes that hold 2-D matrices, and the matrix norms
            of these matrices are computed.
        keepdims: If this is set to `True`, the axes which are reduced are
            left in the result as dimensions with size one.

    Note:
        For values of `ord < 1`, the result is, strictly speaking, not a
        mathematical 'norm', but it may still be useful for various
        numerical purposes. The following norms can be calculated:
        - For matrices:
            - `ord=None`: Frobenius norm
            - `ord="fro"`: Frobenius norm
            - `ord=inf`: `max(sum(abs(x), axis=1))`
            - `ord=-inf`: `min(sum(abs(x), axis=1))`
            - `ord=1`: `max(sum(abs(x), axis=0))`
            - `ord=-1`: `min(sum(abs(x), axis=0))`
        - For vectors:
            - `ord=None`: 2-norm
            - `ord=inf`: `max(abs(x))`
            - `ord=-inf`: `min(abs(x))`
            - `ord=0`: `sum(x != 0)`
            - other: `sum(abs(x)**ord)**(1./ord)`

    Returns:
        Norm of the matrix or vector(s) (float32, float64 input included,
        as Keras casts it).

    Example:

    >>> keras.ops.norm(np.array([[3.0, 4.0], [0.0, 0.0]]), axis=1)
    array([5., 0.], dtype=float32)
    """
    shape = C.shape_of("norm", x)
    if axis is None:
        if ord is None:
            out = _l2(x, None, keepdims)
            return R.finish(out, x, "float")
        axes = list(range(len(shape)))
    else:
        axes = C.axes_of("norm", axis, len(shape))
    if len(axes) == 1:
        out = _vector_norm(x, ord, axes, keepdims, shape)
    elif len(axes) == 2:
        out = _matrix_norm(x, ord, axes, keepdims, shape)
    else:
        raise InvalidArgumentError(
            "Op 'norm' expected one axis (a vector norm) or two (a matrix norm). "
            f"Received: axis={axis!r} for a tensor of shape {C.dims_text(shape)}"
        )
    return R.finish(out, x, "float")


def _l2(x: Any, axes: Any, keepdims: bool) -> Any:
    return run("sqrt", [run("sum", [run("square", [x])], axis=axes, keepdims=bool(keepdims))])


def _is_inf(ord: int | str | None, sign: float) -> Any:
    return isinstance(ord, (int, float)) and not isinstance(ord, bool) and ord == sign * np.inf


def _vector_norm(x: Any, ord: int | str | None, axes: Any, keepdims: bool, shape: Any) -> Any:
    keepdims = bool(keepdims)
    if ord is None or (not isinstance(ord, str) and ord == 2):
        return _l2(x, axes, keepdims)
    if isinstance(ord, str) or isinstance(ord, bool) or not isinstance(ord, (int, float)):
        raise InvalidArgumentError(
            f"Op 'norm' expected a number as the order of a vector norm. Received: ord={ord!r}"
        )
    magnitude = run("abs", [x])
    if _is_inf(ord, 1):
        R.nonempty("norm", shape, axes)
        return run("max", [magnitude], axis=axes, keepdims=keepdims)
    if _is_inf(ord, -1):
        R.nonempty("norm", shape, axes)
        return R.neg(run("max", [R.neg(magnitude)], axis=axes, keepdims=keepdims))
    if ord == 0:
        return run("sum", [run("not_equal", [x, 0.0])], axis=axes, keepdims=keepdims)
    if ord == 1:
        return run("sum", [magnitude], axis=axes, keepdims=keepdims)
    powered = run("pow", [magnitude, float(ord)])
    return run("pow", [run("sum", [powered], axis=axes, keepdims=keepdims), 1.0 / float(ord)])


def _matrix_norm(x: Any, ord: int | str | None, axes: Any, keepdims: bool, shape: Any) -> Any:
    rows, cols = axes
    if ord is None or ord == "fro":
        return _l2(x, axes, keepdims)
    if not isinstance(ord, bool) and ord in _SVD_ORDERS:
        return _singular_value_norm(x, ord, axes, keepdims, shape)
    if isinstance(ord, (str, bool)):
        raise InvalidArgumentError(
            "Op 'norm' supports the matrix orders None, 'fro', 'nuc', 1, -1, 2, -2, inf "
            f"and -inf. Received: ord={ord!r}"
        )
    if ord in (1, -1):
        inner, outer = rows, cols
    elif _is_inf(ord, 1) or _is_inf(ord, -1):
        inner, outer = cols, rows
    else:
        raise InvalidArgumentError(
            f"Op 'norm' got an invalid order for a matrix norm. Received: ord={ord!r}"
        )
    R.nonempty("norm", shape, [outer])
    sums = run("sum", [run("abs", [x])], axis=[inner], keepdims=True)
    if ord > 0:
        out = run("max", [sums], axis=[outer], keepdims=True)
    else:
        out = R.neg(run("max", [R.neg(sums)], axis=[outer], keepdims=True))
    dims = R.out_dims(shape, sorted(axes), bool(keepdims))
    return C.reshape("norm", out, dims, R.out_dims(shape, sorted(axes), True))


def _singular_value_norm(
    x: Any, ord: int | str | None, axes: Any, keepdims: bool, shape: Any
) -> Any:
    """Matrix norms of the singular values: the largest (2), the smallest (-2) or
    their sum ("nuc"), from the `svd_packed` primitive (differentiable)."""
    rows, cols = axes
    R.nonempty("norm", shape, [rows, cols])
    others = [i for i in range(len(shape)) if i not in axes]
    moved = C.transpose(x, others + [rows, cols])
    values = run("svd_packed", [moved], full_matrices=False, compute_uv=False)
    if ord == "nuc":
        out = run("sum", [values], axis=[-1])
    elif ord == 2:
        out = run("max", [values], axis=[-1])
    else:
        out = R.neg(run("max", [R.neg(values)], axis=[-1]))
    if keepdims:
        out = C.reshape("norm", out, R.out_dims(shape, sorted(axes), True))
    return out
