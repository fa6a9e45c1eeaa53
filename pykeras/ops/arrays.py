"""Array manipulation ops, as `keras.ops` has them: adding and removing
axes, stacking, splitting, broadcasting, gathering, and masking to
triangles (tiling, repeating, flipping and rolling are in `reordering`).

Each is a composite of the core's primitives (reshape, transpose, concat,
slice, embedding, one_hot, where, add), so it runs eagerly, in Functional
models and in traced graphs, with gradients from the primitives' rules:
gathers go through `embedding`, whose backward pass scatter-adds.

On symbolic and traced tensors at most one size may be unknown (the batch);
an op that needs a size it cannot know before run time (flipping or rolling
the batch axis, say) raises a `ShapeError` naming itself. Eagerly, bool and
integer arrays keep their dtype and exact values; anything else gives
float32, the core's type.
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
    "append",
    "broadcast_to",
    "expand_dims",
    "hstack",
    "moveaxis",
    "ravel",
    "split",
    "squeeze",
    "stack",
    "swapaxes",
    "take",
    "take_along_axis",
    "tril",
    "triu",
    "vstack",
]

# ---------------------------------------------------------------- axes and shapes


def expand_dims(x: TensorLike, axis: int | Sequence[int]) -> Tensor:
    """Expand the shape of a tensor.

    Insert new axes of size 1 at the `axis` positions of the result.

    Args:
        x: Input tensor.
        axis: Position (or positions) in the expanded axes where the new
            axes are placed; negative values count from the end.

    Returns:
        Output tensor with the number of dimensions increased.

    Example:

    >>> keras.ops.expand_dims(np.ones((3, 4)), axis=(0, -1)).shape
    (1, 3, 4, 1)
    """
    return C.rearrange(_expand_dims, [x], axis)


def _expand_dims(x: Any, axis: Any) -> Any:
    shape = C.shape_of("expand_dims", x)
    ndim = len(shape) + len(C.int_list("expand_dims", "axis", axis))
    axes = C.axes_of("expand_dims", axis, ndim)
    sizes = iter(shape)
    return C.reshape(
        "expand_dims", x, [1 if i in axes else next(sizes) for i in range(ndim)], shape
    )


def squeeze(x: TensorLike, axis: int | Sequence[int] | None = None) -> Tensor:
    """Remove axes of length one from `x`.

    Args:
        x: Input tensor.
        axis: The axis or axes to remove, each of size 1; by default every
            axis of size 1 (sizes unknown until run time are kept).

    Returns:
        The input tensor with the axes of length 1 removed.

    Example:

    >>> keras.ops.squeeze(np.ones((1, 3, 1))).shape
    (3,)
    """
    return C.rearrange(_squeeze, [x], axis)


def _squeeze(x: Any, axis: Any) -> Any:
    shape = C.shape_of("squeeze", x)
    if axis is None:
        axes = [i for i, d in enumerate(shape) if d == 1]
    else:
        axes = C.axes_of("squeeze", axis, len(shape))
        for a in axes:
            if shape[a] != 1:
                size = "a size unknown until run time" if shape[a] is None else f"size {shape[a]}"
                raise ShapeError(
                    f"Op 'squeeze' can only remove axes of size 1; axis {a} has {size}. "
                    f"Received: axis={axis!r} for a tensor of shape {C.dims_text(shape)}"
                )
    return C.reshape("squeeze", x, [d for i, d in enumerate(shape) if i not in axes], shape)


def ravel(x: TensorLike) -> Tensor:
    """Return a contiguous flattened tensor.

    Args:
        x: Input tensor.

    Returns:
        A 1-D tensor with the elements of `x` in row-major order.

    Example:

    >>> keras.ops.ravel(np.array([[1, 2], [3, 4]]))
    array([1, 2, 3, 4])
    """
    return C.rearrange(lambda t: C.flatten("ravel", t), [x])


def swapaxes(x: TensorLike, axis1: int, axis2: int) -> Tensor:
    """Interchange two axes of a tensor.

    Args:
        x: Input tensor.
        axis1: First axis.
        axis2: Second axis.

    Returns:
        A tensor with the two axes swapped.

    Example:

    >>> keras.ops.swapaxes(np.ones((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    return C.rearrange(_swapaxes, [x], axis1, axis2)


def _swapaxes(x: Any, axis1: int, axis2: int) -> Any:
    ndim = len(C.shape_of("swapaxes", x))
    a = C.axis_of("swapaxes", axis1, ndim, "axis1")
    b = C.axis_of("swapaxes", axis2, ndim, "axis2")
    perm = list(range(ndim))
    perm[a], perm[b] = perm[b], perm[a]
    return C.transpose(x, perm)


def moveaxis(
    x: TensorLike, source: int | Sequence[int], destination: int | Sequence[int]
) -> Tensor:
    """Move axes of a tensor to new positions.

    Other axes remain in their original order.

    Args:
        x: Tensor whose axes should be reordered.
        source: Original positions of the axes to move. These must be unique.
        destination: Destination positions for each of the original axes.
            These must also be unique.

    Returns:
        Tensor with moved axes.

    Example:

    >>> keras.ops.moveaxis(np.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    return C.rearrange(_moveaxis, [x], source, destination)


def _moveaxis(x: Any, source: Any, destination: Any) -> Any:
    ndim = len(C.shape_of("moveaxis", x))
    src = C.axes_of("moveaxis", source, ndim, "source")
    dst = C.axes_of("moveaxis", destination, ndim, "destination")
    if len(src) != len(dst):
        raise InvalidArgumentError(
            "Op 'moveaxis' expected as many destination axes as source axes. "
            f"Received: source={source!r}, destination={destination!r}"
        )
    order = [i for i in range(ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return C.transpose(x, order)


def broadcast_to(x: TensorLike, shape: Sequence[int]) -> Tensor:
    """Broadcast a tensor to a new shape.

    Args:
        x: The tensor to broadcast.
        shape: The shape of the desired tensor. A single integer `i` is
            interpreted as `(i,)`.

    Returns:
        A tensor with the desired shape.

    Example:

    >>> keras.ops.broadcast_to(np.array([1, 2, 3]), (2, 3))
    array([[1, 2, 3],
           [1, 2, 3]])
    """
    if _dynamic.has_size_tensor(shape):
        # Sizes known at run time only (`ops.shape(x)[0]`).
        return _dynamic.broadcast("broadcast_to", x, shape)
    return C.rearrange(_broadcast_to, [x], shape)


def _broadcast_to(x: Any, shape: Any) -> Any:
    if C.is_symbolic(shape):
        raise InvalidArgumentError(
            f"Op 'broadcast_to' needs a shape of concrete ints. Received: shape={shape!r}"
        )
    target = C.int_list("broadcast_to", "shape", shape, low=0)
    have = C.shape_of("broadcast_to", x)
    padded = [1] * (len(target) - len(have)) + list(have)
    if len(have) > len(target) or any(
        d is not None and d not in (1, t) for d, t in zip(padded, target)
    ):
        raise ShapeError(
            f"Op 'broadcast_to' cannot broadcast a tensor of shape {C.dims_text(have)} to "
            f"shape {C.dims_text(target)}: each size must be 1 or the target's. "
            f"Received: shape={shape!r}"
        )
    if padded == target:
        return C.reshape("broadcast_to", x, target, have)
    # One small zero constant per broadcast axis: adding it copies x along
    # that axis, and its gradient sums the copies.
    for i, (d, t) in enumerate(zip(padded, target)):
        if d != t:
            x = run("add", [x, C.zeros([t if j == i else 1 for j in range(len(target))])])
    return C.reshape("broadcast_to", x, target, C.shape_of("broadcast_to", x))


# ---------------------------------------------------------------- joining and splitting


def _tensor_list(op: str, xs: Any) -> Any:
    if C.is_symbolic(xs) or not isinstance(xs, (list, tuple, np.ndarray)):
        raise InvalidArgumentError(
            f"Op '{op}' expected a list or tuple of tensors. Received: {xs!r}"
        )
    xs = list(xs)
    if not xs:
        raise InvalidArgumentError(f"Op '{op}' needs at least one tensor. Received: []")
    return xs


def stack(x: Sequence[TensorLike], axis: int = 0) -> Tensor:
    """Join a sequence of tensors along a new axis.

    Args:
        x: A sequence of tensors, all of the same shape.
        axis: Axis of the result along which to stack. Defaults to `0`.

    Returns:
        The stacked tensor, one rank above the inputs.

    Example:

    >>> keras.ops.stack([np.ones(3), np.zeros(3)], axis=1).shape
    (3, 2)
    """
    tensors = _tensor_list("stack", x)
    return C.rearrange(lambda *ts: _stack(ts, axis), tensors)


def _stack(tensors: Any, axis: Any) -> Any:
    shapes = [C.shape_of("stack", t) for t in tensors]
    first = shapes[0]
    for s in shapes[1:]:
        if len(s) != len(first) or any(
            a is not None and b is not None and a != b for a, b in zip(first, s)
        ):
            raise ShapeError(
                "Op 'stack' expected tensors of the same shape. Received: shapes "
                + ", ".join(C.dims_text(t) for t in shapes)
            )
    axis = C.axis_of("stack", axis, len(first) + 1)
    return C.concat("stack", [_expand_dims(t, axis) for t in tensors], axis)


def hstack(xs: Sequence[TensorLike]) -> Tensor:
    """Stack tensors in sequence horizontally (column wise).

    This is concatenation along the first axis for 1-D tensors, and along
    the second axis for all other tensors (scalars become 1-D).

    Args:
        xs: Sequence of tensors.

    Returns:
        The tensor formed by stacking the given tensors.

    Example:

    >>> keras.ops.hstack([np.ones((2, 1)), np.zeros((2, 3))]).shape
    (2, 4)
    """
    tensors = _tensor_list("hstack", xs)
    return C.rearrange(lambda *ts: _hstack(ts), tensors)


def _hstack(tensors: Any) -> Any:
    tensors = [_at_least(t, 1, "hstack") for t in tensors]
    axis = 0 if len(C.shape_of("hstack", tensors[0])) == 1 else 1
    return C.concat("hstack", tensors, axis)


def vstack(xs: Sequence[TensorLike]) -> Tensor:
    """Stack tensors in sequence vertically (row wise).

    This is concatenation along the first axis after 1-D tensors of shape
    `(N,)` have been reshaped to `(1, N)` (and scalars to `(1, 1)`).

    Args:
        xs: Sequence of tensors.

    Returns:
        The tensor formed by stacking the given tensors.

    Example:

    >>> keras.ops.vstack([np.ones(3), np.zeros(3)]).shape
    (2, 3)
    """
    tensors = _tensor_list("vstack", xs)
    return C.rearrange(
        lambda *ts: C.concat("vstack", [_at_least(t, 2, "vstack") for t in ts], 0), tensors
    )


def _at_least(x: Any, rank: int, op: str) -> Any:
    shape = C.shape_of(op, x)
    if len(shape) >= rank:
        return x
    return C.reshape(op, x, [1] * (rank - len(shape)) + list(shape), shape)


def append(x1: TensorLike, x2: TensorLike, axis: int | None = None) -> Tensor:
    """Append tensor `x2` to the end of tensor `x1`.

    Args:
        x1: First input tensor.
        x2: Second input tensor.
        axis: Axis along which tensor `x2` is appended to tensor `x1`. If
            `None`, both tensors are flattened before use.

    Returns:
        A tensor with the values of `x2` appended to `x1`.

    Example:

    >>> keras.ops.append(np.array([1, 2]), np.array([[3], [4]]))
    array([1, 2, 3, 4])
    """
    return C.rearrange(_append, [x1, x2], axis)


def _append(x1: Any, x2: Any, axis: Any) -> Any:
    if axis is None:
        return C.concat("append", [C.flatten("append", x1), C.flatten("append", x2)], 0)
    axis = C.axis_of("append", axis, len(C.shape_of("append", x1)))
    return C.concat("append", [x1, x2], axis)


def split(x: TensorLike, indices_or_sections: int | Sequence[int], axis: int = 0) -> list:
    """Split a tensor into chunks.

    Args:
        x: Input tensor.
        indices_or_sections: If an integer, N, the tensor is split into N
            equal sections along `axis` (which must divide evenly). If a
            list of sorted integers, the entries are the indices along
            `axis` where the tensor is split.
        axis: Axis along which to split. Defaults to `0`.

    Returns:
        A list of tensors.

    Example:

    >>> [p.shape for p in keras.ops.split(np.ones((6, 2)), [1, 4])]
    [(1, 2), (3, 2), (2, 2)]
    """
    return C.rearrange(_split, [x], indices_or_sections, axis)


def _split(x: Any, indices_or_sections: Any, axis: Any) -> Any:
    shape = C.shape_of("split", x)
    if not shape:
        raise ShapeError("Op 'split' expected a tensor of rank >= 1. Received: a scalar")
    axis = C.axis_of("split", axis, len(shape))
    n = C.static_size("split", shape, axis)
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = C.check_int("split", "indices_or_sections", indices_or_sections, low=1)
        if n % sections:
            raise ShapeError(
                f"Op 'split' cannot split axis {axis} of size {n} into {sections} equal "
                f"sections. Received: indices_or_sections={sections} for a tensor of shape "
                f"{C.dims_text(shape)}"
            )
        bounds = [n // sections * i for i in range(1, sections)]
    else:
        bounds = C.int_list("split", "indices_or_sections", indices_or_sections)
    edges = [0, *bounds, n]
    pieces = []
    for a, b in zip(edges[:-1], edges[1:]):
        # NumPy's pieces are x[a:b] along the axis, with Python's slicing rules.
        start, stop, _ = slice(a, b).indices(n)
        starts = [start if i == axis else 0 for i in range(len(shape))]
        sizes = [max(stop - start, 0) if i == axis else -1 for i in range(len(shape))]
        pieces.append(run("slice", [x], start_indices=starts, shape=sizes))
    return pieces


# ---------------------------------------------------------------- gathering


def take(x: TensorLike, indices: TensorLike, axis: int | None = None) -> Tensor:
    """Take elements from a tensor along an axis.

    Args:
        x: Source tensor.
        indices: The indices of the values to extract (an int, a list, an
            integer array or an integer symbolic tensor); negative indices
            count from the end when they are not symbolic.
        axis: The axis over which to select values. By default, the
            flattened input tensor is used.

    Returns:
        The corresponding tensor of values: the shape of `x` with `axis`
        replaced by the shape of `indices`.

    Example:

    >>> keras.ops.take(np.array([[1, 2], [3, 4]]), [1, 0, 1], axis=1)
    array([[2, 1, 2],
           [4, 3, 4]])
    """
    if C.any_symbolic([indices]):
        return G.take(x, indices, axis)
    return C.rearrange(G.take, [x], indices, axis)


def take_along_axis(x: TensorLike, indices: TensorLike, axis: int | None = None) -> Tensor:
    """Select values from `x` at the 1-D `indices` along the given axis.

    Args:
        x: Source tensor.
        indices: The indices of the values to extract: a tensor of the same
            rank as `x` that broadcasts against it except along `axis`.
        axis: The axis over which to select values. By default, the
            flattened input tensor is used (and `indices` must be 1-D).

    Returns:
        The corresponding tensor of values.

    Example:

    >>> x = np.array([[10, 30, 20], [60, 40, 50]])
    >>> keras.ops.take_along_axis(x, np.array([[0], [2]]), axis=1)
    array([[10],
           [50]])
    """
    if C.any_symbolic([indices]):
        return G.take_along_axis(x, indices, axis)
    return C.rearrange(G.take_along_axis, [x], indices, axis)


# ---------------------------------------------------------------- triangles


def tril(x: TensorLike, k: int = 0) -> Tensor:
    """Return lower triangle of a tensor.

    For tensors with `ndim` exceeding 2, `tril` will apply to the final two
    axes.

    Args:
        x: Input tensor, of rank >= 2.
        k: Diagonal above which to zero elements. Defaults to `0`, the main
            diagonal. `k < 0` is below it, and `k > 0` is above it.

    Returns:
        Lower triangle of `x`, of same shape and data type as `x`.

    Example:

    >>> keras.ops.tril(np.ones((3, 3)), k=-1)
    array([[0., 0., 0.],
           [1., 0., 0.],
           [1., 1., 0.]])
    """
    return C.rearrange(_triangle, [x], k, "tril")


def triu(x: TensorLike, k: int = 0) -> Tensor:
    """Return upper triangle of a tensor.

    For tensors with `ndim` exceeding 2, `triu` will apply to the final two
    axes.

    Args:
        x: Input tensor, of rank >= 2.
        k: Diagonal below which to zero elements. Defaults to `0`, the main
            diagonal. `k < 0` is below it, and `k > 0` is above it.

    Returns:
        Upper triangle of `x`, of same shape and data type as `x`.

    Example:

    >>> keras.ops.triu(np.ones((3, 3)), k=1)
    array([[0., 1., 1.],
           [0., 0., 1.],
           [0., 0., 0.]])
    """
    return C.rearrange(_triangle, [x], k, "triu")


def _triangle(x: Any, k: int, op: str) -> Any:
    shape = C.shape_of(op, x)
    if len(shape) < 2:
        raise ShapeError(
            f"Op '{op}' expected a tensor of rank >= 2. Received: a tensor of shape "
            f"{C.dims_text(shape)}"
        )
    k = C.check_int(op, "k", k)
    rows = C.static_size(op, shape, len(shape) - 2)
    cols = C.static_size(op, shape, len(shape) - 1)
    lower = np.tri(rows, cols, k, dtype=np.float32)
    mask = lower if op == "tril" else 1.0 - np.tri(rows, cols, k - 1, dtype=np.float32)
    # where, not a product: inf and NaN outside the triangle become 0 too.
    return run("where", [mask, x, np.float32(0.0)])
