"""`keras.ops.linalg`: decompositions, inverses and solves.

Every function works on matrices in the last two axes, batched over the
leading ones, in float32 or float64. The core factors each matrix in
float64 (LU with partial pivoting, Cholesky, Householder QR, Jacobi eigh and
SVD), rounds float32 results once and gives float64 input float64 results,
and each primitive has JAX's backward rule, so these functions train inside
models (`pinv`, `lstsq` and `matrix_rank` default their cut-offs to the
epsilon of the input's float type, as JAX does). Functions with several
results (`qr`, `eigh`, `svd`, `lu_factor`, `slogdet`) slice them from one
packed primitive output.

As in JAX, singular input gives inf or NaN (`inv`, `solve`), `det` gives 0
and `slogdet` `(0, -inf)`; `cholesky` of a matrix that is not positive
definite raises eagerly, as Keras does, and gives NaN symbolically. Signs of
eigen- and singular vectors are arbitrary in LAPACK; here each vector's
largest entry is positive. `slogdet` and `logdet` are in `pykeras.ops` (as
in `keras.ops`) but not in this namespace; `eig` (complex results) and
`jvp` (forward-mode autodiff) are not provided.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops import _linalg_util as L
from pykeras.ops._dispatch import run
from pykeras.ops._linalg_factor import (
    cholesky_inverse,
    lstsq,
    matrix_rank,
    pinv,
)
from pykeras.ops.autodiff import jvp
from pykeras.ops.norms import norm

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__ = [
    "cholesky",
    "cholesky_inverse",
    "det",
    "eigh",
    "inv",
    "jvp",
    "logdet",
    "lstsq",
    "lu_factor",
    "matrix_rank",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_triangular",
    "svd",
]


def cholesky(x: TensorLike, upper: bool = False) -> Tensor:
    """Computes the Cholesky decomposition of a positive semi-definite matrix.

    The factor is that of `(x + x^T) / 2`, as in JAX.

    Args:
        x: Input tensor of shape `(..., M, M)`.
        upper (bool): If True, returns the upper-triangular Cholesky factor.
            If False (default), returns the lower-triangular Cholesky factor.

    Returns:
        A tensor of shape `(..., M, M)` representing the Cholesky factor of
        `x`. Eagerly, a matrix that is not positive definite raises
        `InvalidArgumentError` (a `ValueError`); symbolically its factor is NaN.

    Example:

    >>> keras.ops.cholesky(np.array([[4.0, 2.0], [2.0, 2.0]]))
    array([[2., 0.],
           [1., 1.]])
    """
    shape = L.square_shape("cholesky", x)
    upper = L.check_bool("cholesky", "upper", upper)
    out = run("cholesky", [x])
    if not C.any_symbolic([out]) and np.isnan(np.asarray(out)).any():
        raise InvalidArgumentError(
            "Op 'cholesky': Cholesky decomposition failed. The input might not be a "
            "valid positive definite matrix (or holds NaN). Received: a tensor of shape "
            f"{C.dims_text(shape)}"
        )
    return L.mT(out, len(shape)) if upper else out


def slogdet(x: TensorLike) -> tuple[Any, Any]:
    """Computes the sign and natural logarithm of the determinant of a matrix.

    Args:
        x: Input matrix. It must 2D and square.

    Returns:
        A tuple `(sign, logabsdet)`. `sign` is a number representing
        the sign of the determinant. For a real matrix, this is 1, 0, or -1.
        `logabsdet` is the natural log of the absolute value of the
        determinant (`-inf` for a singular matrix). Both have shape `(...,)`.

    Example:

    >>> keras.ops.slogdet(np.array([[0.0, 2.0], [1.0, 0.0]]))
    (array(-1.), array(0.69314718))
    """
    shape = L.square_shape("slogdet", x)
    packed = run("slogdet_packed", [x])
    lead = len(shape) - 2
    sign = run("slice", [packed], start_indices=[0] * lead + [0], shape=[-1] * lead + [1])
    log = run("slice", [packed], start_indices=[0] * lead + [1], shape=[-1] * lead + [1])
    return (
        run("sum", [sign], axis=[lead], keepdims=False),
        run("sum", [log], axis=[lead], keepdims=False),
    )


def logdet(x: TensorLike) -> Tensor:
    """Computes log of the determinant of a hermitian positive definite matrix.

    As in Keras (JAX), this is `slogdet(x)[1]`: the log of the absolute
    value of the determinant, whatever its sign.

    Args:
        x: Input matrix. It must 2D and square.

    Returns:
        The natural log of the determinant of matrix.
    """
    L.square_shape("logdet", x)
    return slogdet(x)[1]


def det(x: TensorLike) -> Tensor:
    """Computes the determinant of a square tensor.

    Computed as `sign * exp(log|det|)` from an LU factorisation, so its
    gradient is `det(x) * inv(x)^T`; at an exactly singular matrix the
    gradient is NaN (JAX's is the adjugate).

    Args:
        x: Input tensor of shape `(..., M, M)`.

    Returns:
        A tensor of shape `(...,)` representing the determinant of `x`.
    """
    L.square_shape("det", x)
    sign, log = slogdet(x)
    return run("mul", [sign, run("exp", [log])])


def inv(x: TensorLike) -> Tensor:
    """Computes the inverse of a square tensor.

    Args:
        x: Input tensor of shape `(..., M, M)`.

    Returns:
        A tensor of shape `(..., M, M)` representing the inverse of `x`
        (inf or NaN for a singular matrix).
    """
    L.square_shape("inv", x)
    return run("inv", [x])


def eigh(x: TensorLike) -> tuple[Any, Any]:
    """Computes the eigenvalues and eigenvectors of a symmetric tensor.

    Only `(x + x^T) / 2` is read, as in JAX.

    Args:
        x: Input tensor of shape `(..., M, M)`.

    Returns:
        A tuple of two tensors: a tensor of shape `(..., M)` containing
        eigenvalues (ascending) and a tensor of shape `(..., M, M)`
        containing eigenvectors (as columns, each with its largest entry
        positive).
    """
    shape = L.square_shape("eigh", x)
    n = C.static_size("eigh", shape, len(shape) - 1)
    packed = run("eigh_packed", [x])
    lead = len(shape) - 2
    return L.row(packed, lead, 0, n), L.part(packed, lead, 1, n, 0, n)


def lu_factor(x: TensorLike) -> tuple[Any, Any]:
    """Computes the lower-upper decomposition of a square matrix.

    With partial pivoting, as LAPACK's `getrf` (and `jax.scipy.linalg.
    lu_factor`): rectangular `(..., M, N)` input is accepted too, and gives
    `min(M, N)` pivots; gradients are defined for square matrices.

    Args:
        x: A tensor of shape `(..., M, M)`.

    Returns:
        A tuple of two tensors: a tensor of shape `(..., M, M)` containing the
        lower and upper triangular matrices and a tensor of shape `(..., M)`
        containing the pivots (row `i` was swapped with row `pivots[i]`;
        int32 eagerly, float32 symbolically).
    """
    shape = L.matrix_shape("lu_factor", x)
    m, n = L.sizes("lu_factor", shape)
    packed = run("lu_packed", [x])
    lead = len(shape) - 2
    lu = L.part(packed, lead, 0, m, 0, n)
    pivots = L.row(packed, lead, m, min(m, n))
    if not C.any_symbolic([pivots]):
        pivots = np.asarray(pivots).astype(np.int32)
    return lu, pivots


def qr(x: TensorLike, mode: str = "reduced") -> tuple[Any, Any]:
    """Computes the QR decomposition of a tensor.

    Householder reflections, with LAPACK's signs (as NumPy and JAX). The
    gradient of `mode="complete"` is defined when `M <= N`.

    Args:
        x: Input tensor of shape `(..., M, N)`.
        mode: A string specifying the mode of the QR decomposition.
            - 'reduced': Returns the reduced QR decomposition. (default)
            - 'complete': Returns the complete QR decomposition.

    Returns:
        A tuple containing two tensors. The first tensor of shape `(..., M, K)`
        is the orthogonal matrix `q` and the second tensor of shape
        `(..., K, N)` is the upper triangular matrix `r`, where `K = min(M, N)`
        (`K = M` in complete mode).

    Example:

    >>> q, r = keras.ops.qr(np.array([[1., 2.], [3., 4.], [5., 6.]]))
    >>> q.shape, r.shape
    ((3, 2), (2, 2))
    """
    if mode not in ("reduced", "complete"):
        raise InvalidArgumentError(
            "Op 'qr': `mode` argument value not supported. Expected one of "
            f"{{'reduced', 'complete'}}. Received: mode={mode!r}"
        )
    shape = L.matrix_shape("qr", x)
    m, n = L.sizes("qr", shape)
    k = m if mode == "complete" else min(m, n)
    packed = run("qr_packed", [x], mode=mode)
    lead = len(shape) - 2
    return L.part(packed, lead, 0, m, 0, k), L.part(packed, lead, m, k, 0, n)


def svd(
    x: TensorLike, full_matrices: bool = True, compute_uv: bool = True
) -> Tensor | tuple[Tensor, Tensor, Tensor]:
    """Computes the singular value decomposition of a matrix.

    One-sided Jacobi. Gradients follow JAX: defined for `compute_uv=False`,
    and for `full_matrices=False` (or square matrices) otherwise.

    Args:
        x: Input tensor of shape `(..., M, N)`.
        full_matrices: If True, `u` and `v` have shapes `(..., M, M)` and
            `(..., N, N)`; else `(..., M, K)` and `(..., K, N)`, K = min(M, N).
        compute_uv: If False, only the singular values are returned.

    Returns:
        A tuple of three tensors: the left singular vectors `u` (columns),
        the singular values `s` of shape `(..., K)`, descending, and the
        right singular vectors `v^T` (rows); or `s` alone.
    """
    shape = L.matrix_shape("svd", x)
    full = L.check_bool("svd", "full_matrices", full_matrices)
    uv = L.check_bool("svd", "compute_uv", compute_uv)
    if not uv:
        return run("svd_packed", [x], full_matrices=full, compute_uv=False)
    m, n = L.sizes("svd", shape)
    k = min(m, n)
    uc, vr = (m, n) if full else (k, k)
    packed = run("svd_packed", [x], full_matrices=full, compute_uv=True)
    lead = len(shape) - 2
    u = L.part(packed, lead, 0, m, 0, uc)
    s = L.row(packed, lead, m, k)
    return u, s, L.part(packed, lead, m + 1, vr, 0, n)


def _system(op: str, a: Any, b: Any) -> Any:
    """Shapes of `a x = b` checked, `b` as matrices, batch axes broadcast;
    returns `(a, b, vector, out_shape)`."""
    a_shape = L.square_shape(op, a, "a")
    b_shape = C.shape_of(op, b)
    if len(b_shape) < 1:
        raise ShapeError(
            f"Op '{op}' expected b of rank 1 or more. Received: b of shape {C.dims_text(b_shape)}"
        )
    n = a_shape[-1] if a_shape[-1] is not None else a_shape[-2]
    # b of rank 1 is one vector; for solve_triangular, b of a's rank - 1
    # whose last size is a's is a batch of vectors too (JAX's current rule,
    # which solve does not have).
    vector = len(b_shape) == 1 or (
        op == "solve_triangular"
        and len(b_shape) == len(a_shape) - 1
        and b_shape[-1] is not None
        and b_shape[-1] == n
    )
    rows = b_shape[-1] if vector else b_shape[-2]
    if n is not None and rows is not None and n != rows:
        raise ShapeError(
            f"Op '{op}' expected b with as many rows as a (b of shape (..., M) or "
            f"(..., M, K) for a of shape (..., M, M)). Received: a of shape "
            f"{C.dims_text(a_shape)} and b of shape {C.dims_text(b_shape)}"
        )
    if vector:
        b = C.reshape(op, b, list(b_shape) + [1], b_shape)
        b_shape = tuple(b_shape) + (1,)
    a, b, out = L.broadcast_batch(op, a, b, a_shape, b_shape)
    return a, b, vector, out


def _unvector(x: Any, vector: Any, out_shape: Any) -> Any:
    if not vector:
        return x
    return run("sum", [x], axis=[len(out_shape) - 1], keepdims=False)


def solve(a: TensorLike, b: TensorLike) -> Tensor:
    """Solves a linear system of equations given by `a x = b`.

    LU with partial pivoting; a singular `a` gives inf or NaN, as in JAX.

    Args:
        a: A tensor of shape `(..., M, M)` representing the coefficients matrix.
        b: A tensor of shape `(..., M)` or `(..., M, N)` representing the
            right-hand side or "dependent variable" matrix (rank 1: one vector;
            otherwise matrices). Batch axes broadcast both ways, as in NumPy
            (Keras refuses an `a` of one axis fewer than `b`).

    Returns:
        A tensor of shape `(..., M)` or `(..., M, N)` representing the solution
        of the linear system. Returned shape is identical to `b`.
    """
    a, b, vector, out = _system("solve", a, b)
    return _unvector(run("solve", [a, b]), vector, out)


def solve_triangular(a: TensorLike, b: TensorLike, lower: bool = False) -> Tensor:
    """Solves a linear system of equations given by `a x = b`.

    Only the lower (`lower=True`) or upper triangle of `a` is read, and only
    that triangle gets a gradient.

    Args:
        a: A tensor of shape `(..., M, M)` representing the coefficients matrix.
        b: A tensor of shape `(..., M)` or `(..., M, N)` representing the
            right-hand side or "dependent variable" matrix (of rank 1, or of
            `a`'s rank - 1 with M last: vectors, as in JAX; batch axes broadcast
            both ways, as in NumPy).
        lower: Whether `a` is lower triangular (else upper).

    Returns:
        A tensor of shape `(..., M)` or `(..., M, N)` representing the solution
        of the linear system. Returned shape is identical to `b`.
    """
    lower = L.check_bool("solve_triangular", "lower", lower)
    a, b, vector, out = _system("solve_triangular", a, b)
    return _unvector(run("solve_triangular", [a, b], lower=lower), vector, out)
