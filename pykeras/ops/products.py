"""Products and contractions: einsum, tensordot, dot, inner, outer, kron, cross, trace,
diagonals.

Each is a composite of the core's primitives, so it runs eagerly, in
Functional models and in traced graphs, with gradients from the
primitives' rules. Contractions (`einsum`, `tensordot`, `dot`, `inner`,
`outer`, `vdot`, `kron`) share one lowering (`_einsum.py`): transposes and
reshapes around a single batched `matmul` per pair of operands.

Eagerly, results have Keras's dtypes: integer (and bool) inputs keep their
type through products, as NumPy promotes them (`trace` of bool gives
int32), and `cdist` and `correlate` give float32. A float64 operand gives
a float64 result computed in float64 (as Keras with x64). Integers are
computed in float32, so they are exact below 2**24 in magnitude. Symbolic
results have the core's type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops import _einsum as E
from pykeras.ops._cross import cdist, correlate, cross, vander
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__ = [
    "cdist",
    "correlate",
    "cross",
    "diag",
    "diagflat",
    "diagonal",
    "dot",
    "einsum",
    "inner",
    "kron",
    "outer",
    "tensordot",
    "trace",
    "vander",
    "vdot",
]

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _shape(op: str, x: Any) -> Any:
    return C.shape_of(op, x)


def _labels(op: str, count: Any) -> Any:
    if count > len(_LETTERS):
        raise ShapeError(f"Op '{op}' supports up to {len(_LETTERS)} axes in all. Received: {count}")
    return list(_LETTERS[:count])


# ---------------------------------------------------------------- contractions


def einsum(subscripts: str, *operands: Any, **kwargs: Any) -> Tensor:
    """Evaluates the Einstein summation convention on the operands.

    Labels in one operand only and absent from the output are summed; labels
    shared by operands are multiplied, and summed unless in the output; a
    label repeated in one operand takes a diagonal; `...` stands for the
    leading (broadcast) axes. Without `->`, the output is `...` followed by
    the labels used once, in alphabetical order. Operands are contracted
    pairwise from left to right, each pair by one batched matrix product.

    Args:
        subscripts: Specifies the subscripts for summation as comma
            separated list of subscript labels, such as `"ij,jk->ik"`.
        *operands: The operands to compute the Einstein sum of.
        **kwargs: `optimize` (accepted and ignored: the order is always
            left to right).

    Returns:
        The calculation based on the Einstein summation convention.

    Example:

    >>> a = np.arange(6.0).reshape(2, 3)
    >>> keras.ops.einsum("ij,kj->ik", a, a)
    array([[ 5., 14.],
           [14., 50.]])
    """
    unknown = set(kwargs) - {"optimize"}
    if unknown:
        raise InvalidArgumentError(
            f"Op 'einsum' takes only the keyword argument optimize. Received: {sorted(unknown)}"
        )
    if not operands:
        raise InvalidArgumentError("Op 'einsum' needs at least one operand. Received: none")
    out = E.contract("einsum", subscripts, list(operands))
    return E.finish(out, operands)


def tensordot(x1: TensorLike, x2: TensorLike, axes: Any = 2) -> Tensor:
    """Compute the tensor dot product along specified axes.

    Args:
        x1: First tensor.
        x2: Second tensor.
        axes: - If an integer, N, sum over the last N axes of `x1` and the
              first N axes of `x2` in order. The sizes of the corresponding
              axes must match.
            - Or, a list of axes to be summed over, first sequence applying
              to `x1`, second to `x2`. Both sequences must be of the
              same length.

    Returns:
        The tensor dot product of the inputs: `x1`'s free axes followed by
        `x2`'s.

    Example:

    >>> keras.ops.tensordot(np.ones((2, 3, 4)), np.ones((3, 4, 5))).shape
    (2, 5)
    """
    ra, rb = len(_shape("tensordot", x1)), len(_shape("tensordot", x2))
    if C.is_symbolic(axes):
        raise InvalidArgumentError(f"Op 'tensordot' needs concrete axes. Received: axes={axes!r}")
    if isinstance(axes, (int, np.integer)) and not isinstance(axes, bool):
        n = C.check_int("tensordot", "axes", axes, low=0)
        if n > ra or n > rb:
            raise ShapeError(
                f"Op 'tensordot' cannot sum over {n} axes of tensors of ranks {ra} and {rb}. "
                f"Received: axes={axes}"
            )
        axes_a, axes_b = list(range(ra - n, ra)), list(range(n))
    else:
        if not isinstance(axes, (list, tuple)) or len(axes) != 2:
            raise InvalidArgumentError(
                "Op 'tensordot' expected axes as an int or a pair of axis lists. "
                f"Received: axes={axes!r}"
            )
        axes_a = C.axes_of("tensordot", axes[0], ra, "axes")
        axes_b = C.axes_of("tensordot", axes[1], rb, "axes")
        if len(axes_a) != len(axes_b):
            raise InvalidArgumentError(
                f"Op 'tensordot' expected as many axes for x1 as for x2. Received: axes={axes!r}"
            )
    letters = _labels("tensordot", ra + rb)
    la = letters[:ra]
    lb = letters[ra:]
    for i, j in zip(axes_a, axes_b):
        lb[j] = la[i]
    out = [la[i] for i in range(ra) if i not in axes_a] + [
        lb[j] for j in range(rb) if j not in axes_b
    ]
    y = E.lower("tensordot", [x1, x2], [la, lb], out, f"axes={axes!r}")
    return E.finish(y, [x1, x2])


def dot(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Dot product of two tensors.

    - If both `x1` and `x2` are 1-D tensors, it is inner product of vectors
      (without complex conjugation).
    - If both `x1` and `x2` are 2-D tensors, it is matrix multiplication.
    - If either `x1` or `x2` is 0-D (scalar), it is equivalent to `x1 * x2`.
    - If `x1` is an N-D tensor and `x2` is a 1-D tensor, it is a sum
      product over the last axis of `x1` and `x2`.
    - If `x1` is an N-D tensor and `x2` is an M-D tensor (where `M>=2`),
      it is a sum product over the last axis of `x1` and the second-to-last
      axis of `x2`: `dot(a, b)[i,j,k,m] = sum(a[i,j,:] * b[k,:,m])`.

    Args:
        x1: First argument.
        x2: Second argument.

    Returns:
        Dot product of `x1` and `x2`.

    Example:

    >>> keras.ops.dot(np.ones((2, 3, 4)), np.ones((5, 4, 6))).shape
    (2, 3, 5, 6)
    """
    ra, rb = len(_shape("dot", x1)), len(_shape("dot", x2))
    if ra == 0 or rb == 0:
        return E.finish(run("mul", [x1, x2]), [x1, x2])
    letters = _labels("dot", ra + rb)
    la, lb = letters[:ra], letters[ra:]
    j = rb - 1 if rb == 1 else rb - 2
    lb[j] = la[-1]
    out = la[:-1] + [label for i, label in enumerate(lb) if i != j]
    return E.finish(E.lower("dot", [x1, x2], [la, lb], out, "dot(x1, x2)"), [x1, x2])


def inner(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Return the inner product of two tensors.

    Ordinary inner product of vectors for 1-D tensors; in higher dimensions
    a sum product over the last axes (a scalar operand multiplies).

    Args:
        x1: First input tensor.
        x2: Second input tensor. The last dimension of `x1` and `x2`
            must match.

    Returns:
        Output tensor, of shape `x1.shape[:-1] + x2.shape[:-1]`.

    Example:

    >>> keras.ops.inner(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    array(11.)
    """
    ra, rb = len(_shape("inner", x1)), len(_shape("inner", x2))
    if ra == 0 or rb == 0:
        return E.finish(run("mul", [x1, x2]), [x1, x2])
    letters = _labels("inner", ra + rb)
    la, lb = letters[:ra], letters[ra:]
    lb[-1] = la[-1]
    out = la[:-1] + lb[:-1]
    return E.finish(E.lower("inner", [x1, x2], [la, lb], out, "inner(x1, x2)"), [x1, x2])


def outer(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Compute the outer product of two vectors.

    Given two vectors `x1` and `x2`, the outer product is
    `out[i, j] = x1[i] * x2[j]`; inputs of other ranks are flattened first.

    Args:
        x1: First input tensor.
        x2: Second input tensor.

    Returns:
        Outer product of `x1` and `x2`, of shape `(x1.size, x2.size)`.

    Example:

    >>> keras.ops.outer(np.array([1, 2], "int32"), np.array([3, 4, 5], "int32"))
    array([[ 3,  4,  5],
           [ 6,  8, 10]], dtype=int32)
    """
    a, b = C.flatten("outer", x1), C.flatten("outer", x2)
    return E.finish(E.lower("outer", [a, b], [["i"], ["j"]], ["i", "j"], "outer"), [x1, x2])


def vdot(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Return the dot product of two vectors.

    Both inputs are flattened first (they must have the same number of
    elements); there is no complex conjugation for real tensors.

    Args:
        x1: First input tensor.
        x2: Second input tensor.

    Returns:
        The scalar dot product.

    Example:

    >>> keras.ops.vdot(np.ones((2, 3)), np.arange(6.0))
    array(15.)
    """
    a, b = C.flatten("vdot", x1), C.flatten("vdot", x2)
    return E.finish(E.lower("vdot", [a, b], [["i"], ["i"]], [], "vdot(x1, x2)"), [x1, x2])


def kron(x1: TensorLike, x2: TensorLike) -> Tensor:
    """Kronecker product of `x1` and `x2`.

    Computes the Kronecker product, a composite tensor made of blocks of
    the second tensor scaled by the first (the lower-rank input gets
    leading axes of size 1).

    Args:
        x1: First input tensor.
        x2: Second input tensor.

    Returns:
        A tensor representing the Kronecker product of `x1` and `x2`.

    Example:

    >>> keras.ops.kron(np.eye(2), np.ones((2, 2))).shape
    (4, 4)
    """
    sa, sb = _shape("kron", x1), _shape("kron", x2)
    rank = max(len(sa), len(sb))
    sa = (1,) * (rank - len(sa)) + sa
    sb = (1,) * (rank - len(sb)) + sb
    a = C.reshape("kron", x1, sa, _shape("kron", x1))
    b = C.reshape("kron", x2, sb, _shape("kron", x2))
    letters = _labels("kron", 2 * rank)
    la, lb = letters[:rank], letters[rank:]
    out = [label for pair in zip(la, lb) for label in pair]
    y = E.lower("kron", [a, b], [la, lb], out, "kron(x1, x2)")
    dims = [None if p is None or q is None else p * q for p, q in zip(sa, sb)]
    y = C.reshape("kron", y, dims, _shape("kron", y))
    return E.finish(y, [x1, x2])


# ---------------------------------------------------------------- diagonals


def _two_axes(op: str, x: Any, axis1: int, axis2: int, min_rank: int = 2) -> Any:
    shape = _shape(op, x)
    if len(shape) < min_rank:
        raise ShapeError(
            f"Op '{op}' expected a tensor of rank >= 2. Received: a tensor of shape "
            f"{C.dims_text(shape)}"
        )
    a = C.axis_of(op, axis1, len(shape), "axis1")
    b = C.axis_of(op, axis2, len(shape), "axis2")
    if a == b:
        raise InvalidArgumentError(
            f"Op '{op}': axis1 and axis2 must be different axes. Received: axis1={axis1}, "
            f"axis2={axis2}"
        )
    return a, b


def diagonal(x: TensorLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """Return specified diagonals.

    The two axes are removed and the diagonal is appended as the last axis.

    Args:
        x: Input tensor, of rank >= 2.
        offset: Offset of the diagonal from the main diagonal. Can be
            positive or negative. Defaults to `0` (main diagonal).
        axis1: Axis to be used as the first axis of the 2-D sub-arrays.
            Defaults to `0` (first axis).
        axis2: Axis to be used as the second axis of the 2-D sub-arrays.
            Defaults to `1` (second axis).

    Returns:
        Tensor of diagonals.

    Example:

    >>> keras.ops.diagonal(np.arange(6).reshape(2, 3), offset=1)
    array([1, 5])
    """
    return C.rearrange(_diagonal, [x], offset, axis1, axis2)


def _diagonal(x: Any, offset: Any, axis1: int, axis2: int, op: str = "diagonal") -> Any:
    offset = C.check_int(op, "offset", offset)
    a, b = _two_axes(op, x, axis1, axis2)
    return E.diagonal_last(op, x, a, b, offset)


def trace(x: TensorLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """Return the sum along diagonals of the tensor.

    Args:
        x: Input tensor, of rank >= 2.
        offset: Offset of the diagonal from the main diagonal. Can be
            both positive and negative. Defaults to `0`.
        axis1: Axis to be used as the first axis of the 2-D sub-arrays.
            Defaults to `0` (first axis).
        axis2: Axis to be used as the second axis of the 2-D sub-arrays.
            Defaults to `1` (second axis).

    Returns:
        The sum along the diagonal: a scalar for a 2-D tensor, else the
        other axes' shape. An integer input keeps its dtype (bool gives
        int32).

    Example:

    >>> keras.ops.trace(np.arange(9, dtype="int32").reshape(3, 3))
    array(12, dtype=int32)
    """
    diag_ = _diagonal(x, offset, axis1, axis2, "trace")
    rank = len(_shape("trace", diag_))
    return E.finish(run("sum", [diag_], axis=[rank - 1]), [x], "sum")


def diag(x: TensorLike, k: int = 0) -> Tensor:
    """Extract a diagonal or construct a diagonal array.

    Args:
        x: Input tensor. If `x` is 2-D, returns the k-th diagonal of `x`.
            If `x` is 1-D, return a 2-D tensor with `x` on the k-th
            diagonal.
        k: The diagonal to consider. Defaults to `0`. Use `k > 0` for
            diagonals above the main diagonal, and `k < 0` for diagonals
            below the main diagonal.

    Returns:
        The extracted diagonal or constructed diagonal tensor.

    Example:

    >>> keras.ops.diag(np.array([1, 2]), k=1)
    array([[0, 1, 0],
           [0, 0, 2],
           [0, 0, 0]])
    """
    return C.rearrange(_diag, [x], k, "diag")


def diagflat(x: TensorLike, k: int = 0) -> Tensor:
    """Create a two-dimensional tensor with the flattened input on the k-th
    diagonal.

    Args:
        x: Input tensor to be flattened and placed on the diagonal.
        k: The diagonal to place the flattened input. Defaults to `0`.
            Use `k > 0` for diagonals above the main diagonal, and `k < 0`
            for diagonals below the main diagonal.

    Returns:
        A 2-D tensor with the flattened input on the specified diagonal.

    Example:

    >>> keras.ops.diagflat(np.array([[1, 2], [3, 4]])).shape
    (4, 4)
    """
    return C.rearrange(lambda t, k_: _diag(C.flatten("diagflat", t), k_, "diagflat"), [x], k)


def _diag(x: Any, k: int, op: str) -> Any:
    k = C.check_int(op, "k", k)
    shape = _shape(op, x)
    if len(shape) == 2:
        return E.diagonal_last(op, x, 0, 1, k)
    if len(shape) != 1:
        raise ShapeError(
            f"Op '{op}' expected a 1-D or 2-D tensor. Received: a tensor of shape "
            f"{C.dims_text(shape)}"
        )
    n = C.static_size(op, shape, 0)
    # where, not a product with an identity: inf and NaN stay off the diagonal.
    square = run("where", [np.eye(n, dtype=np.float32), x, np.float32(0.0)])
    if k == 0:
        return square
    pads = [[0, k], [k, 0]] if k > 0 else [[-k, 0], [0, -k]]
    return run("pad", [square], pad_width=pads)
