"""Helpers of `pykeras.ops.linalg`: shape checks that name the op, the
parts of the core's packed decompositions, and batch broadcasting.

The core's decompositions have one output each; those with several results
(`qr_packed`, `eigh_packed`, `svd_packed`, `lu_packed`, `slogdet_packed`)
stack them in one tensor, and the functions here slice them apart. A slice's
gradient scatters into the packed tensor, which is what the primitive's
backward rule reads, so every part is differentiable.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run

EPS32 = float(np.finfo(np.float32).eps)
EPS64 = float(np.finfo(np.float64).eps)


def float_type(x: Any) -> Any:
    """float64 for a float64 array or tensor (the core computes it in
    float64), else float32: the type cut-offs are given in."""
    dtype = getattr(x, "dtype", None)
    return np.float64 if dtype is not None and str(dtype) == "float64" else np.float32


def eps_of(x: Any) -> float:
    """The machine epsilon of `x`'s float type, JAX's unit for default
    cut-offs of small singular values."""
    return EPS64 if float_type(x) is np.float64 else EPS32


def matrix_shape(op: str, x: Any, name: str = "x") -> Any:
    """The static shape of `x`, which must hold matrices in its last two axes."""
    shape = C.shape_of(op, x)
    if len(shape) < 2:
        raise ShapeError(
            f"Op '{op}' expected {name} of rank 2 or more (matrices in its last two axes). "
            f"Received: {name} of shape {C.dims_text(shape)}"
        )
    return shape


def square_shape(op: str, x: Any, name: str = "x") -> Any:
    """As `matrix_shape`, for square matrices."""
    shape = matrix_shape(op, x, name)
    m, n = shape[-2:]
    if m is not None and n is not None and m != n:
        raise ShapeError(
            f"Op '{op}' expected {name} of square matrices, shape (..., M, M). "
            f"Received: {name} of shape {C.dims_text(shape)}"
        )
    return shape


def sizes(op: str, shape: Any) -> Any:
    """The last two sizes, which the packed layouts need before run time."""
    return C.static_size(op, shape, len(shape) - 2), C.static_size(op, shape, len(shape) - 1)


def part(packed: Any, lead: Any, r0: Any, rows: Any, c0: Any, cols: int) -> Any:
    """The block `[..., r0:r0 + rows, c0:c0 + cols]` of a packed result
    with `lead` batch axes."""
    return run(
        "slice",
        [packed],
        start_indices=[0] * lead + [r0, c0],
        shape=[-1] * lead + [rows, cols],
    )


def row(packed: Any, lead: Any, r: Any, cols: int) -> Any:
    """Row `r` of a packed result, as a vector per matrix (summing the one
    row drops its axis whatever the batch sizes are, and is exact)."""
    return run("sum", [part(packed, lead, r, 1, 0, cols)], axis=[lead], keepdims=False)


def mT(x: Any, rank: int) -> Any:
    """`x` with its last two axes swapped."""
    perm = list(range(rank))
    perm[-2], perm[-1] = perm[-1], perm[-2]
    return run("transpose", [x], axes=perm)


def broadcast_batch(op: str, a: Any, b: Any, a_shape: Any, b_shape: Any) -> Any:
    """`a` and `b` with their batch axes (all but the last two) broadcast to
    one shape, as the core's square-system ops need.

    `where(c, x, x)` is `x` broadcast against `c`'s shape, exactly (inf and
    NaN included) and with unknown sizes allowed; `c` is a (1, 1) block of
    the other operand, so only its batch axes count.
    """
    lead_a, lead_b = tuple(a_shape[:-2]), tuple(b_shape[:-2])
    if lead_a == lead_b:
        return a, b, a_shape
    rank = max(len(lead_a), len(lead_b))
    pa = (1,) * (rank - len(lead_a)) + lead_a
    pb = (1,) * (rank - len(lead_b)) + lead_b
    lead = []
    for x, y in zip(pa, pb):
        if x is not None and y is not None and x != y and 1 not in (x, y):
            raise ShapeError(
                f"Op '{op}' expected a and b whose batch axes (all but the last two) "
                f"broadcast together. Received: a of shape {C.dims_text(a_shape)} and b of "
                f"shape {C.dims_text(b_shape)}"
            )
        lead.append(y if x in (1, None) and y != 1 else x)
    if lead_a != tuple(lead):
        a = run("where", [part(b, len(lead_b), 0, 1, 0, 1), a, a])
    if lead_b != tuple(lead):
        b = run("where", [part(a, len(lead_a), 0, 1, 0, 1), b, b])
    return a, b, tuple(lead) + tuple(b_shape[-2:])


def check_bool(op: str, name: str, value: Any) -> Any:
    """A flag: a bool, or 0 or 1 (JAX takes any truthy value; a string or
    None here is a mistake worth naming)."""
    if isinstance(value, (bool, np.bool_)) or (
        isinstance(value, (int, np.integer)) and value in (0, 1)
    ):
        return bool(value)
    raise InvalidArgumentError(f"Op '{op}': {name} must be a bool. Received: {name}={value!r}")


def threshold(op: str, name: str, value: Any, lead: Any, dtype: Any = np.float32) -> Any:
    """A cut-off given as a number or per-matrix values, as an array of
    `dtype` that broadcasts against (..., 1, k) singular values."""
    try:
        t = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError):
        raise InvalidArgumentError(
            f"Op '{op}': {name} must be a number or an array of numbers. Received: {name}={value!r}"
        ) from None
    if t.ndim > lead:
        raise InvalidArgumentError(
            f"Op '{op}': {name} must be a number or one per matrix ({lead} batch axes). "
            f"Received: {name} of shape {t.shape}"
        )
    return t[..., None, None]


def inverse_singular_values(s_row: Any, keep: Any) -> Any:
    """`1 / s` where `keep` (a 0/1 mask), else 0, without dividing by zero."""
    safe = run("where", [keep, s_row, np.float32(1.0)])
    return run("where", [keep, run("reciprocal", [safe]), np.float32(0.0)])
