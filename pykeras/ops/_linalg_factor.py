"""The composites of `keras.ops.linalg`: `pinv`, `lstsq` and `matrix_rank`
from the reduced SVD, `cholesky_inverse` from triangular solves. Their cut-
offs are JAX's, which Keras uses; gradients come from the SVD's and the
solves' rules (`pinv` and `lstsq` are differentiable where the singular
values are distinct and none is cut off).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras.errors import ShapeError
from pykeras.ops import _composite as C
from pykeras.ops import _linalg_util as L
from pykeras.ops._dispatch import run


def _svd_parts(op: str, x: Any, shape: Any) -> Any:
    """Reduced SVD parts: u (..., M, K), s as (..., 1, K), v^T (..., K, N)."""
    m, n = L.sizes(op, shape)
    k = min(m, n)
    packed = run("svd_packed", [x], full_matrices=False, compute_uv=True)
    lead = len(shape) - 2
    return (
        L.part(packed, lead, 0, m, 0, k),
        L.part(packed, lead, m, 1, 0, k),
        L.part(packed, lead, m + 1, k, 0, n),
    )


def _largest(s_row: Any, lead: Any) -> Any:
    """The largest singular value of each matrix, as (..., 1, 1)."""
    return run("slice", [s_row], start_indices=[0] * (lead + 2), shape=[-1] * lead + [1, 1])


def pinv(x: Any, rcond: Any = None) -> Any:
    """Compute the (Moore-Penrose) pseudoinverse of a matrix.

    The pseudoinverse is computed via the singular value decomposition
    (SVD). Singular values smaller than `rcond` times the largest
    singular value (per matrix, in the batched case) are treated as zero.

    Args:
        x: Input tensor of shape `(..., M, N)`.
        rcond: Cutoff ratio for small singular values. Singular values
            less than or equal to `rcond * largest_singular_value` are
            set to zero. If `None` (default), JAX's default is used:
            `10 * max(M, N) * eps`, eps of `x`'s float type.

    Returns:
        A tensor of shape `(..., N, M)` containing the pseudoinverse
        of each matrix in `x`.

    Example:

    >>> a = np.array([[1., 2.], [3., 4.], [5., 6.]])
    >>> np.allclose(keras.ops.pinv(a) @ a, np.eye(2), atol=1e-5)
    True
    """
    shape = L.matrix_shape("pinv", x)
    m, n = L.sizes("pinv", shape)
    lead = len(shape) - 2
    if m == 0 or n == 0:
        return np.zeros(
            tuple(C.static_size("pinv", shape, i) for i in range(lead)) + (n, m), np.float32
        )
    if rcond is None:
        rcond = 10.0 * max(m, n) * L.eps_of(x)
    cut = L.threshold("pinv", "rcond", rcond, lead, L.float_type(x))
    u, s, vt = _svd_parts("pinv", x, shape)
    keep = run("greater", [s, run("mul", [_largest(s, lead), cut])])
    scaled = run("mul", [u, L.inverse_singular_values(s, keep)])
    return L.mT(run("matmul", [scaled, vt]), len(shape))


def lstsq(a: Any, b: Any, rcond: Any = None) -> Any:
    """Return the least-squares solution to a linear matrix equation.

    Computes the vector x that approximately solves the equation
    `a @ x = b`. The equation may be under-, well-, or over-determined
    (i.e., the number of linearly independent rows of a can be less than,
    equal to, or greater than its number of linearly independent columns).
    If a is square and of full rank, then `x` (but for round-off error)
    is the exact solution of the equation. Else, `x` minimizes the
    L2 norm of `b - a * x`. If there are multiple minimizing solutions,
    the one with the smallest L2 norm is returned.

    Args:
        a: "Coefficient" matrix of shape `(M, N)`.
        b: Ordinate or "dependent variable" values,
            of shape `(M,)` or `(M, K)`.
        rcond: Cut-off ratio for small singular values of `a`: those
            smaller than `rcond` times the largest are treated as zero.
            `None`: `max(M, N) * eps` (eps of `a`'s float type), as in JAX.

    Returns:
        Tensor with shape `(N,)` or `(N, K)` containing
        the least-squares solutions.
    """
    a_shape, b_shape = C.shape_of("lstsq", a), C.shape_of("lstsq", b)
    if len(a_shape) != 2:
        raise ShapeError(
            f"Op 'lstsq' expected a of rank 2. Received: a of shape {C.dims_text(a_shape)}"
        )
    if len(b_shape) not in (1, 2):
        raise ShapeError(
            f"Op 'lstsq' expected b of rank 1 or 2. Received: b of shape {C.dims_text(b_shape)}"
        )
    m, n = L.sizes("lstsq", a_shape)
    if b_shape[0] is not None and b_shape[0] != m:
        raise ShapeError(
            "Op 'lstsq' expected b.shape[0] to equal a.shape[0]. Received: a of shape "
            f"{C.dims_text(a_shape)} and b of shape {C.dims_text(b_shape)}"
        )
    vector = len(b_shape) == 1
    if vector:
        b = C.reshape("lstsq", b, [m, 1], b_shape)
    out: Any
    if m == 0 or n == 0:
        k = 1 if vector else C.static_size("lstsq", b_shape, 1)
        out = np.zeros((n, k), np.float32)
    else:
        if rcond is None:
            rcond = max(m, n) * L.eps_of(a)
        cut = L.threshold("lstsq", "rcond", rcond, 0, L.float_type(a))
        # JAX's rule: keep s > 0 with s >= rcond * max(s); a negative rcond is eps.
        cut = np.where(cut < 0, cut.dtype.type(L.eps_of(a)), cut)
        u, s, vt = _svd_parts("lstsq", a, a_shape)
        keep = run(
            "mul",
            [
                run("greater", [s, np.float32(0.0)]),
                run("greater_equal", [s, run("mul", [_largest(s, 0), cut])]),
            ],
        )
        scaled = run("mul", [u, L.inverse_singular_values(s, keep)])
        # x = V S^-1 U^T b, with U's columns already scaled by S^-1.
        out = run("matmul", [L.mT(vt, 2), run("matmul", [L.mT(scaled, 2), b])])
    if vector:
        return run("sum", [out], axis=[1], keepdims=False) if C.any_symbolic([out]) else out[:, 0]
    return out


def matrix_rank(x: Any, tol: Any = None) -> Any:
    """Return the matrix rank of one or more matrices using SVD.

    The rank is the number of singular values that exceed `tol`.

    Args:
        x: Input tensor of shape `(..., M, N)`.
        tol: Absolute threshold below which singular values are treated
            as zero (a number, or one per matrix). If `None` (default),
            JAX's: `max(s) * max(M, N) * eps` (eps of `x`'s float type).

    Returns:
        An integer tensor of shape `(...,)` with the rank of each matrix
        in the batch: int32 eagerly, float32 counts symbolically.

    Example:

    >>> keras.ops.matrix_rank(np.array([[1., 2.], [2., 4.]]))
    array(1, dtype=int32)
    """
    shape = L.matrix_shape("matrix_rank", x)
    lead = len(shape) - 2
    s = run("svd_packed", [x], full_matrices=False, compute_uv=False)
    m, n = shape[-2:]
    k = None if None in (m, n) else min(m, n)
    if k == 0:
        dims = tuple(C.static_size("matrix_rank", shape, i) for i in range(lead))
        return np.zeros(dims, np.int32)
    if tol is None:
        big = max(L.sizes("matrix_rank", shape))
        top = run("max", [s], axis=[lead], keepdims=True)
        cut = run("mul", [top, L.float_type(x)(big * L.eps_of(x))])
    else:
        cut = L.threshold("matrix_rank", "tol", tol, lead, L.float_type(x))[..., 0]
    rank = run("sum", [run("greater", [s, cut])], axis=[lead], keepdims=False)
    if C.any_symbolic([rank]):
        return rank
    return np.asarray(rank).astype(np.int32)


def cholesky_inverse(x: Any, upper: bool = False) -> Any:
    """Computes the inverse of a symmetric positive-definite matrix.

    Args:
        x: Input tensor of shape `(..., M, M)`: the lower (or, with
            `upper=True`, upper) triangular Cholesky factor of the matrix.
        upper (bool): Whether `x` is upper triangular (else lower; default).

    Returns:
        A tensor of shape `(..., M, M)` representing the inverse of the
        matrix whose Cholesky factor is `x`.
    """
    shape = L.square_shape("cholesky_inverse", x)
    upper = L.check_bool("cholesky_inverse", "upper", upper)
    n = C.static_size("cholesky_inverse", shape, len(shape) - 1)
    eye = np.eye(n, dtype=np.float32)
    x, eye, _ = L.broadcast_batch("cholesky_inverse", x, eye, shape, (n, n))
    # As Keras: solve the factor against I, then (L^-1)^T L^-1 or U^-1 U^-T.
    inv_chol = run("solve_triangular", [x, eye], lower=not upper)
    t = L.mT(inv_chol, len(shape))
    pair = [inv_chol, t] if upper else [t, inv_chol]
    return run("matmul", pair)
