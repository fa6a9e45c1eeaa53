"""Copying and reordering ops, as `keras.ops` has them: tiling,
repeating, flipping and rolling.

Each is a composite of the core's primitives (gathers through `embedding`,
slices and concatenations), so it runs eagerly, in Functional models and in
traced graphs, with gradients from the primitives' rules. On symbolic and
traced tensors an op that needs a size it cannot know before run time
(flipping or rolling the batch axis, say) raises a `ShapeError` naming
itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops import _dynamic
from pykeras.ops import _gather as G
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__ = [
    "flip",
    "repeat",
    "roll",
    "tile",
]


def tile(x: TensorLike, repeats: int | Sequence[int]) -> Tensor:
    """Repeat `x` the number of times given by `repeats`.

    If `repeats` has length `d`, the result will have dimension of
    `max(d, x.ndim)`. If `x.ndim < d`, `x` is promoted to be d-dimensional
    by prepending new axes. If `x.ndim > d`, `repeats` is promoted to
    `x.ndim` by prepending 1's to it.

    Args:
        x: Input tensor.
        repeats: The number of repetitions of `x` along each axis.

    Returns:
        The tiled output tensor.

    Example:

    >>> keras.ops.tile(np.array([1, 2]), (2, 2))
    array([[1, 2, 1, 2],
           [1, 2, 1, 2]])
    """
    if _dynamic.has_size_tensor(repeats):
        # Repeats known at run time only (`ops.shape(x)[0]`).
        return _dynamic.tile(x, repeats)
    return C.rearrange(_tile, [x], repeats)


def _tile(x: Any, repeats: Any) -> Any:
    if C.is_symbolic(repeats):
        raise InvalidArgumentError(f"Op 'tile' needs concrete repeats. Received: {repeats!r}")
    reps = C.int_list("tile", "repeats", repeats, low=0)
    have = C.shape_of("tile", x)
    rank = max(len(have), len(reps))
    shape = [1] * (rank - len(have)) + list(have)
    reps = [1] * (rank - len(reps)) + reps
    # Each tiled axis s becomes (1, s), broadcast against zeros of (r, 1) to
    # (r, s), then merged to r * s: r copies of the whole axis one after another.
    split_shape, zero_shape, out = [], [], []
    for r, s in zip(reps, shape):
        if r != 1:
            split_shape.append(1)
            zero_shape.append(r)
        split_shape.append(s)
        zero_shape.append(1)
        out.append(0 if r == 0 else (None if s is None else r * s))
    x = C.reshape("tile", x, split_shape, have)
    if any(r != 1 for r in reps):
        x = run("add", [x, C.zeros(zero_shape)])
    return C.reshape("tile", x, out, C.shape_of("tile", x))


def repeat(x: TensorLike, repeats: int | Sequence[int], axis: int | None = None) -> Tensor:
    """Repeat each element of a tensor after themselves.

    Args:
        x: Input tensor.
        repeats: The number of repetitions for each element: an int, or one
            int per element along `axis`.
        axis: The axis along which to repeat values. By default, the
            flattened input is used and a flat tensor is returned.

    Returns:
        Output tensor, the same shape as `x` except along `axis`.

    Example:

    >>> keras.ops.repeat(np.array([[1, 2], [3, 4]]), 2, axis=1)
    array([[1, 1, 2, 2],
           [3, 3, 4, 4]])
    """
    return C.rearrange(_repeat, [x], repeats, axis)


def _repeat(x: Any, repeats: Any, axis: Any) -> Any:
    if C.is_symbolic(repeats):
        raise InvalidArgumentError(f"Op 'repeat' needs concrete repeats. Received: {repeats!r}")
    reps = C.int_list("repeat", "repeats", repeats, low=0)
    if axis is None:
        x, axis = C.flatten("repeat", x), 0
    shape = C.shape_of("repeat", x)
    if not shape:
        x, shape = C.reshape("repeat", x, [1], shape), (1,)
    axis = C.axis_of("repeat", axis, len(shape))
    if len(reps) != 1:
        n = C.static_size("repeat", shape, axis)
        if len(reps) != n:
            raise ShapeError(
                f"Op 'repeat' expected one repeat count per element along axis {axis} "
                f"({n}), or a single one. Received: {len(reps)} repeat counts"
            )
        return G.gather("repeat", x, np.repeat(np.arange(n), reps), axis)
    r = reps[0]
    if r == 1:
        return x
    # (..., s, ...) -> (..., s, 1, ...) + zeros(r) -> (..., s, r, ...) -> (..., s * r, ...)
    after = [*shape[: axis + 1], 1, *shape[axis + 1 :]]
    zero_shape = [r if i == axis + 1 else 1 for i in range(len(after))]
    x = run("add", [C.reshape("repeat", x, after, shape), C.zeros(zero_shape)])
    size = 0 if r == 0 else (None if shape[axis] is None else shape[axis] * r)
    out = [size if i == axis else d for i, d in enumerate(shape)]
    return C.reshape("repeat", x, out, C.shape_of("repeat", x))


def flip(x: TensorLike, axis: int | Sequence[int] | None = None) -> Tensor:
    """Reverse the order of elements in the tensor along the given axis.

    The shape of the tensor is preserved, but the elements are reordered.

    Args:
        x: Input tensor.
        axis: Axis or axes along which to flip the tensor. The default,
            `axis=None`, will flip over all of the axes of the input tensor.

    Returns:
        Output tensor with entries of `axis` reversed.

    Example:

    >>> keras.ops.flip(np.array([[1, 2], [3, 4]]), axis=1)
    array([[2, 1],
           [4, 3]])
    """
    return C.rearrange(_flip, [x], axis)


def _flip(x: Any, axis: Any) -> Any:
    shape = C.shape_of("flip", x)
    axes = range(len(shape)) if axis is None else C.axes_of("flip", axis, len(shape))
    for a in axes:
        n = C.static_size("flip", shape, a)
        if n > 1:
            x = G.gather("flip", x, np.arange(n - 1, -1, -1), a)
    return x


def roll(
    x: TensorLike, shift: int | Sequence[int], axis: int | Sequence[int] | None = None
) -> Tensor:
    """Roll tensor elements along a given axis.

    Elements that roll beyond the last position are re-introduced at the
    first.

    Args:
        x: Input tensor.
        shift: The number of places by which elements are shifted; with a
            tuple, `axis` must be a tuple of the same size (or an int, which
            each shift rolls in turn).
        axis: The axis along which elements are shifted. By default, the
            tensor is flattened before shifting, after which the original
            shape is restored.

    Returns:
        Output tensor.

    Example:

    >>> keras.ops.roll(np.array([1, 2, 3, 4]), 1)
    array([4, 1, 2, 3])
    """
    return C.rearrange(_roll, [x], shift, axis)


def _roll(x: Any, shift: Any, axis: Any) -> Any:
    shape = C.shape_of("roll", x)
    shifts = C.int_list("roll", "shift", shift)
    if axis is None:
        flat = C.flatten("roll", x)
        rolled = _roll_axis(flat, sum(shifts), 0, C.shape_of("roll", flat))
        return C.reshape("roll", rolled, shape, C.shape_of("roll", rolled))
    axes = [C.axis_of("roll", a, len(shape)) for a in C.int_list("roll", "axis", axis)]
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    elif len(axes) == 1:
        axes = axes * len(shifts)
    if len(shifts) != len(axes):
        raise InvalidArgumentError(
            "Op 'roll' expected as many shifts as axes (or one of either). "
            f"Received: shift={shift!r}, axis={axis!r}"
        )
    totals: dict[int, int] = {}
    for s, a in zip(shifts, axes):
        totals[a] = totals.get(a, 0) + s
    for a, s in totals.items():
        x = _roll_axis(x, s, a, shape)
    return x


def _roll_axis(x: Any, s: Any, axis: Any, shape: Any) -> Any:
    n = C.static_size("roll", shape, axis)
    s = s % n if n else 0
    if s == 0:
        return x
    rank = len(shape)

    def part(start: Any, size: Any) -> Any:
        starts = [start if i == axis else 0 for i in range(rank)]
        sizes = [size if i == axis else -1 for i in range(rank)]
        return run("slice", [x], start_indices=starts, shape=sizes)

    return run("concat", [part(n - s, s), part(0, n - s)], axis=axis)
