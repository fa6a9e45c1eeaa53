"""`cross`, `cdist`, `correlate` and `vander` for `pykeras/ops/products.py`
(where they are documented in `__all__`), from the core's primitives.

- `cross` slices the 2 or 3 components and combines them with `mul`/`sub`.
- `cdist` is Keras's own formula: `sqrt(sum((x_i - y_j) ** 2))`.
- `correlate` is one `conv1d` of the zero-padded first input by the second
  (the "full" correlation), sliced to the mode's length.
- `vander` builds the powers by doubling: `[1, x, ..., x^(m-1)]` times
  `x^m` gives the next `m` columns, so N columns take log2(N) products (no
  `pow`, whose gradient is NaN at 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops import _einsum as E
from pykeras.ops import _gather as G
from pykeras.ops._dispatch import run


def _component(op: str, x: Any, i: int) -> Any:
    """`x[..., i]` (the last axis removed)."""
    shape = C.shape_of(op, x)
    rank = len(shape)
    piece = run("slice", [x], start_indices=[0] * (rank - 1) + [i], shape=[-1] * (rank - 1) + [1])
    return C.reshape(op, piece, list(shape[:-1]), C.shape_of(op, piece))


def cross(
    x1: Any,
    x2: Any,
    axisa: int = -1,
    axisb: int = -1,
    axisc: int = -1,
    axis: int | None = None,
) -> Any:
    """Returns the cross product of two (arrays of) vectors.

    The cross product of `x1` and `x2` in R^3 is a vector perpendicular to
    both. Where the vectors have 2 components, the third is taken as 0, and
    when both have 2 components only the z component (a scalar per pair)
    is returned.

    Args:
        x1: Components of the first vector(s).
        x2: Components of the second vector(s).
        axisa: Axis of `x1` that defines the vector(s). Defaults to `-1`.
        axisb: Axis of `x2` that defines the vector(s). Defaults to `-1`.
        axisc: Axis of the result containing the cross product vector(s).
            Ignored if both input vectors have dimension 2, as the return
            is scalar. By default, the last axis.
        axis: If defined, the axis of `x1`, `x2` and the result that
            defines the vector(s) and cross product(s). Overrides `axisa`,
            `axisb` and `axisc`.

    Returns:
        Vector cross product(s); the other axes broadcast.

    Example:

    >>> keras.ops.cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    array([0., 0., 1.])
    """
    op = "cross"
    if axis is not None:
        axisa = axisb = axisc = axis
    sa, sb = C.shape_of(op, x1), C.shape_of(op, x2)
    for shape in (sa, sb):
        if not shape:
            raise ShapeError("Op 'cross' expected vectors, not a scalar. Received: shape ()")
    a = _to_last(x1, C.axis_of(op, axisa, len(sa), "axisa"), sa)
    b = _to_last(x2, C.axis_of(op, axisb, len(sb), "axisb"), sb)
    na, nb = C.shape_of(op, a)[-1], C.shape_of(op, b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ShapeError(
            "Op 'cross' expected vectors of 2 or 3 components along the vector axes. "
            f"Received: {na} and {nb} components (shapes {C.dims_text(sa)} and "
            f"{C.dims_text(sb)})"
        )
    ac = [_component(op, a, i) for i in range(na)] + [None] * (3 - na)
    bc = [_component(op, b, i) for i in range(nb)] + [None] * (3 - nb)

    def term(i: int, j: int) -> Any:
        """a_i * b_j - a_j * b_i, with missing (zero) components left out."""
        left = None if ac[i] is None or bc[j] is None else run("mul", [ac[i], bc[j]])
        right = None if ac[j] is None or bc[i] is None else run("mul", [ac[j], bc[i]])
        if right is None:
            return left
        return run("neg", [right]) if left is None else run("sub", [left, right])

    z = term(0, 1)
    if na == 2 and nb == 2:
        return E.finish(z, [x1, x2])
    # Each term is a product a_i * b_j, so all have the broadcast shape of
    # the two inputs' other axes.
    parts = [term(1, 2), term(2, 0), z]
    rank = len(C.shape_of(op, z))
    parts = [C.reshape(op, p, [*C.shape_of(op, p), 1], C.shape_of(op, p)) for p in parts]
    y = run("concat", parts, axis=rank)
    perm = list(range(rank))
    perm.insert(C.axis_of(op, axisc, rank + 1, "axisc"), rank)
    return E.finish(C.transpose(y, perm), [x1, x2])


def _to_last(x: Any, axis: Any, shape: Any) -> Any:
    return C.transpose(x, [i for i in range(len(shape)) if i != axis] + [axis])


def cdist(x: Any, y: Any) -> Any:
    """Computes pairwise distances between two collections of vectors.

    This function computes the Euclidean distance between each pair of the
    two collections of inputs (leading axes broadcast).

    Args:
        x: Tensor of shape `(..., m, d)`.
        y: Tensor of shape `(..., n, d)`.

    Returns:
        Tensor of shape `(..., m, n)` with the pairwise distances, float32
        (float64 for float64 inputs).
        As in Keras, the gradient is NaN where a distance is 0.

    Example:

    >>> keras.ops.cdist(np.zeros((1, 2)), np.array([[3.0, 4.0]]))
    array([[5.]])
    """
    op = "cdist"
    sx, sy = C.shape_of(op, x), C.shape_of(op, y)
    if len(sx) < 2 or len(sy) < 2:
        raise ShapeError(
            f"Op 'cdist' expected inputs of rank >= 2. Received: shapes {C.dims_text(sx)} "
            f"and {C.dims_text(sy)}"
        )
    if sx[-1] is not None and sy[-1] is not None and sx[-1] != sy[-1]:
        raise ShapeError(
            "Op 'cdist' expected the same last dimension (vector size) for both inputs. "
            f"Received: shapes {C.dims_text(sx)} and {C.dims_text(sy)}"
        )
    a = C.reshape(op, x, [*sx[:-1], 1, sx[-1]], sx)
    b = C.reshape(op, y, [*sy[:-2], 1, *sy[-2:]], sy)
    diff = run("sub", [a, b])
    squared = run("sum", [run("mul", [diff, diff])], axis=[-1])
    return E.finish(run("sqrt", [squared]), [x, y], "float")


def correlate(x1: Any, x2: Any, mode: str = "valid") -> Any:
    """Compute the cross-correlation of two 1-dimensional tensors.

    `c[k] = sum_n x1[n + k] * x2[n]`, over the shifts the mode selects.

    Args:
        x1: First 1-dimensional input tensor of length M.
        x2: Second 1-dimensional input tensor of length N.
        mode: Either `"valid"`, `"same"` or `"full"`. By default the mode is
            set to `"valid"`, which returns an output of length
            max(M, N) - min(M, N) + 1. `"same"` returns an output of length
            max(M, N). `"full"` mode returns the convolution at each point
            of overlap, with an output length of N+M-1.

    Returns:
        Output tensor, cross-correlation of `x1` and `x2` (float32).

    Example:

    >>> keras.ops.correlate(np.arange(5.0), np.array([1.0, 2.0]))
    array([ 2.,  5.,  8., 11.])
    """
    op = "correlate"
    if mode not in ("valid", "same", "full"):
        raise InvalidArgumentError(
            f"Op 'correlate': mode must be one of 'valid', 'same' or 'full'. Received: "
            f"mode={mode!r}"
        )
    sa, sb = C.shape_of(op, x1), C.shape_of(op, x2)
    if len(sa) != 1 or len(sb) != 1:
        raise ShapeError(
            f"Op 'correlate' expected 1-D inputs. Received: shapes {C.dims_text(sa)} and "
            f"{C.dims_text(sb)}"
        )
    m, n = C.static_size(op, sa, 0), C.static_size(op, sb, 0)
    if m == 0 or n == 0:
        raise ShapeError(f"Op 'correlate' expected non-empty inputs. Received: lengths {m} and {n}")
    # The full correlation: x1 padded by n - 1 zeros each side, one conv1d.
    padded = run(
        "pad", [C.reshape(op, x1, [1, m, 1], sa)], pad_width=[[0, 0], [n - 1, n - 1], [0, 0]]
    )
    full = run("conv1d", [padded, C.reshape(op, x2, [n, 1, 1], sb)])
    full = C.reshape(op, full, [m + n - 1], C.shape_of(op, full))
    if mode == "full":
        return E.finish(full, [x1, x2], "float")
    if mode == "valid":
        start, size = min(m, n) - 1, max(m, n) - min(m, n) + 1
    else:
        # NumPy centres the window; when x2 is longer it correlates the
        # swapped pair and reverses, which centres the other way on ties.
        start, size = ((n - 1) // 2 if n <= m else m // 2), max(m, n)
    out = run("slice", [full], start_indices=[start], shape=[size])
    return E.finish(out, [x1, x2], "float")


def vander(x: Any, N: int | None = None, increasing: bool = False) -> Any:  # noqa: N803
    """Generate a Vandermonde matrix.

    The columns of the output matrix are powers of the input vector: the
    j-th column is `x ** (N - j - 1)` (or `x ** j` when `increasing`).

    Args:
        x: 1-D input tensor.
        N: Number of columns in the output. If `N` is not specified, a
            square array is returned (`N = len(x)`).
        increasing: Order of the powers of the columns. If True, the
            powers increase from left to right, if False (the default) they
            are reversed.

    Returns:
        Vandermonde matrix of shape `(len(x), N)`.

    Example:

    >>> keras.ops.vander(np.array([1, 2, 3], "int32"))
    array([[1, 1, 1],
           [4, 2, 1],
           [9, 3, 1]], dtype=int32)
    """
    op = "vander"
    shape = C.shape_of(op, x)
    if len(shape) != 1:
        raise ShapeError(
            f"Op 'vander' expected a 1-D tensor. Received: a tensor of shape {C.dims_text(shape)}"
        )
    cols = C.static_size(op, shape, 0) if N is None else C.check_int(op, "N", N, low=0)
    column = C.reshape(op, x, [shape[0], 1], shape)
    # x ** 0 is 1 everywhere (inf and NaN included), with no gradient to x.
    powers = run("where", [np.ones((1, 1), np.float32), np.float32(1.0), column])
    width, step = 1, column
    while width < cols:
        powers = run("concat", [powers, run("mul", [powers, step])], axis=1)
        width *= 2
        if width < cols:
            step = run("mul", [step, step])
    if width != cols:
        powers = run("slice", [powers], start_indices=[0, 0], shape=[-1, cols])
    if not increasing and cols > 1:
        powers = G.gather(op, powers, np.arange(cols - 1, -1, -1), 1)
    return E.finish(powers, [x])
