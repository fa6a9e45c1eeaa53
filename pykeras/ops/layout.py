"""Rearranging tensors: rot90, flips, splits, stacks, unstack, meshgrid, rearrange.

Each only moves or copies elements, as a composite of the core's primitives
(transpose, reshape, slice, concat, and the gathers of `reordering.flip`), so it
runs eagerly, in Functional models and in traced graphs, and its gradient
routes each output's gradient back to where the element came from. Eagerly,
integer and bool inputs keep their dtype and exact values; float inputs
give float32, the core's type. Sizes that an op needs (the axis it splits
or unstacks, say) must be known before run time: on the unknown batch axis
of a symbolic tensor such an op raises a `ShapeError` naming itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops import arrays as A
from pykeras.ops import reordering as R
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__ = [
    "array_split",
    "dsplit",
    "dstack",
    "fliplr",
    "flipud",
    "hsplit",
    "meshgrid",
    "rearrange",
    "rot90",
    "unstack",
    "vsplit",
]


def _at_least_rank(op: str, x: Any, rank: int) -> Any:
    shape = C.shape_of(op, x)
    if len(shape) < rank:
        raise ShapeError(
            f"Op '{op}' expected a tensor of rank >= {rank}. Received: a tensor of shape "
            f"{C.dims_text(shape)}"
        )
    return shape


# ---------------------------------------------------------------- rotating and flipping


def rot90(array: Any, k: int = 1, axes: tuple[int, int] = (0, 1)) -> Tensor:
    """Rotate an array by 90 degrees in the plane specified by axes.

    This function rotates an array counterclockwise by 90 degrees `k`
    times in the plane specified by `axes`. Supports arrays of two or more
    dimensions.

    Args:
        array: Input array to rotate.
        k: Number of times the array is rotated by 90 degrees.
        axes: A tuple of two integers specifying the plane of rotation
            (defaults to `(0, 1)`).

    Returns:
        Rotated array.

    Example:

    >>> keras.ops.rot90(np.array([[1, 2], [3, 4]]))
    array([[2, 4],
           [1, 3]])
    """
    return C.rearrange(_rot90, [array], k, axes)


def _rot90(x: Any, k: int, axes: Any) -> Any:
    op = "rot90"
    shape = _at_least_rank(op, x, 2)
    if C.is_symbolic(axes) or not isinstance(axes, (list, tuple)) or len(axes) != 2:
        raise InvalidArgumentError(
            f"Op '{op}' expected axes as a pair of ints. Received: axes={axes!r}"
        )
    a0, a1 = (C.axis_of(op, a, len(shape), "axes") for a in axes)
    if a0 == a1:
        raise InvalidArgumentError(
            f"Op '{op}' expected two different axes. Received: axes={tuple(axes)!r}"
        )
    k = C.check_int(op, "k", k) % 4
    if k == 0:
        return x
    # Flipping needs the flipped sizes before run time; say so as rot90.
    for a in (a0, a1) if k == 2 else (a1,):
        C.static_size(op, shape, a)
    if k == 2:
        return R.flip(x, (a0, a1))
    perm = list(range(len(shape)))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return C.transpose(R.flip(x, a1), perm)
    return R.flip(C.transpose(x, perm), a1)


def fliplr(x: TensorLike) -> Tensor:
    """Reverse the order of elements along axis 1 (left/right).

    Args:
        x: Input tensor, of rank >= 2.

    Returns:
        The tensor with its columns reversed.

    Example:

    >>> keras.ops.fliplr(np.array([[1, 2, 3]]))
    array([[3, 2, 1]])
    """
    return C.rearrange(_flip_axis, [x], "fliplr", 1)


def flipud(x: TensorLike) -> Tensor:
    """Reverse the order of elements along axis 0 (up/down).

    Args:
        x: Input tensor, of rank >= 1.

    Returns:
        The tensor with its rows reversed.

    Example:

    >>> keras.ops.flipud(np.array([1, 2, 3]))
    array([3, 2, 1])
    """
    return C.rearrange(_flip_axis, [x], "flipud", 0)


def _flip_axis(x: Any, op: str, axis: Any) -> Any:
    C.static_size(op, _at_least_rank(op, x, axis + 1), axis)
    return R.flip(x, axis)


# ---------------------------------------------------------------- splitting


def array_split(x: TensorLike, indices_or_sections: int, axis: int = 0) -> list:
    """Splits an array into multiple sub-arrays (unevenly).

    This is similar to `keras.ops.split`, but it allows for unequal
    splits: of `n` elements in `k` sections, the first `n % k` sections
    have `n // k + 1` elements and the rest `n // k`.

    Args:
        x: Input tensor.
        indices_or_sections: The number of sections, a positive int.
        axis: The axis along which to split. Defaults to `0`.

    Returns:
        A list of sub-tensors.

    Example:

    >>> [p.shape for p in keras.ops.array_split(np.arange(7), 3)]
    [(3,), (2,), (2,)]
    """
    op = "array_split"
    if isinstance(indices_or_sections, bool) or not isinstance(
        indices_or_sections, (int, np.integer)
    ):
        raise InvalidArgumentError(
            f"Op '{op}' expected indices_or_sections as an int (the number of sections). "
            f"Received: indices_or_sections={indices_or_sections!r}"
        )
    sections = C.check_int(op, "indices_or_sections", indices_or_sections, low=1)
    return C.rearrange(_array_split, [x], sections, axis)


def _array_split(x: Any, sections: Any, axis: Any) -> Any:
    op = "array_split"
    shape = _at_least_rank(op, x, 1)
    axis = C.axis_of(op, axis, len(shape))
    n = C.static_size(op, shape, axis)
    each, extra = divmod(n, sections)
    pieces, start = [], 0
    for i in range(sections):
        size = each + (1 if i < extra else 0)
        starts = [start if j == axis else 0 for j in range(len(shape))]
        sizes = [size if j == axis else -1 for j in range(len(shape))]
        pieces.append(run("slice", [x], start_indices=starts, shape=sizes))
        start += size
    return pieces


def _split_along(op: str, x: Any, indices_or_sections: Any, axis: Any, rank: int) -> Any:
    """`split` along `axis` of a tensor of rank >= `rank`, naming `op`."""

    def fn(t: Any) -> Any:
        _at_least_rank(op, t, rank)
        try:
            return A.split(t, indices_or_sections, axis=axis)
        except (ShapeError, InvalidArgumentError) as e:
            raise type(e)(str(e).replace("Op 'split'", f"Op '{op}'")) from None

    return C.rearrange(fn, [x])


def hsplit(x: TensorLike, indices_or_sections: int | Sequence[int]) -> list:
    """Split a tensor into multiple tensors horizontally (column-wise).

    Along axis 1, or axis 0 for a 1-D tensor.

    Args:
        x: Input tensor.
        indices_or_sections: An int N (N equal sections, which must divide
            the axis evenly) or a list of the indices where to split.

    Returns:
        A list of tensors.

    Example:

    >>> [p.shape for p in keras.ops.hsplit(np.ones((2, 4)), 2)]
    [(2, 2), (2, 2)]
    """
    rank = len(C.shape_of("hsplit", x))
    return _split_along("hsplit", x, indices_or_sections, 0 if rank == 1 else 1, 1)


def vsplit(x: TensorLike, indices_or_sections: int | Sequence[int]) -> list:
    """Split a tensor into multiple tensors vertically (row-wise), along axis 0.

    Args:
        x: Input tensor.
        indices_or_sections: An int N (N equal sections, which must divide
            the axis evenly) or a list of the indices where to split.

    Returns:
        A list of tensors.

    Example:

    >>> [p.shape for p in keras.ops.vsplit(np.ones((4, 2)), [1])]
    [(1, 2), (3, 2)]
    """
    return _split_along("vsplit", x, indices_or_sections, 0, 1)


def dsplit(x: TensorLike, indices_or_sections: int | Sequence[int]) -> list:
    """Split a tensor into multiple tensors along the third axis (depth).

    Args:
        x: Input tensor, of rank >= 3.
        indices_or_sections: An int N (N equal sections, which must divide
            the axis evenly) or a list of the indices where to split.

    Returns:
        A list of tensors.

    Example:

    >>> [p.shape for p in keras.ops.dsplit(np.ones((2, 2, 4)), 2)]
    [(2, 2, 2), (2, 2, 2)]
    """
    return _split_along("dsplit", x, indices_or_sections, 2, 3)


# ---------------------------------------------------------------- stacking and unstacking


def dstack(xs: Sequence[TensorLike]) -> Tensor:
    """Stack tensors in sequence depth wise (along the third axis).

    1-D tensors of shape `(N,)` become `(1, N, 1)`, 2-D tensors of shape
    `(M, N)` become `(M, N, 1)` and scalars `(1, 1, 1)` before joining.

    Args:
        xs: Sequence of tensors.

    Returns:
        The tensor formed by stacking the given tensors.

    Example:

    >>> keras.ops.dstack([np.array([1, 2]), np.array([3, 4])])
    array([[[1, 3],
            [2, 4]]])
    """
    op = "dstack"
    if C.is_symbolic(xs) or not isinstance(xs, (list, tuple)) or not xs:
        raise InvalidArgumentError(
            f"Op '{op}' expected a non-empty list or tuple of tensors. Received: {xs!r}"
        )
    return C.rearrange(lambda *ts: C.concat(op, [_at_least_3d(t) for t in ts], 2), list(xs))


def _at_least_3d(x: Any) -> Any:
    shape = C.shape_of("dstack", x)
    if len(shape) >= 3:
        return x
    dims = {0: [1, 1, 1], 1: [1, shape[0] if shape else 1, 1]}.get(len(shape))
    if dims is None:
        dims = [*shape, 1]
    return C.reshape("dstack", x, dims, shape)


def unstack(x: TensorLike, num: int | None = None, axis: int = 0) -> list:
    """Unpack the given dimension of a rank-R tensor into rank-(R-1) tensors.

    Args:
        x: The input tensor.
        num: The length of the dimension axis, used when it is unknown
            until run time (the batch of a symbolic tensor); otherwise, as
            in Keras, the axis's own size is used.
        axis: The axis along which to unpack.

    Returns:
        A list of tensors unpacked along the given axis.

    Example:

    >>> [t.tolist() for t in keras.ops.unstack(np.array([[1, 2], [3, 4]]))]
    [[1, 2], [3, 4]]
    """
    if num is not None:
        num = C.check_int("unstack", "num", num, low=0)
    return C.rearrange(_unstack, [x], num, axis)


def _unstack(x: Any, num: int, axis: Any) -> Any:
    op = "unstack"
    shape = _at_least_rank(op, x, 1)
    axis = C.axis_of(op, axis, len(shape))
    n = shape[axis] if shape[axis] is not None or num is None else num
    n = C.static_size(op, [n], 0, "axis")
    rest = [d for i, d in enumerate(shape) if i != axis]
    pieces = []
    for i in range(n):
        starts = [i if j == axis else 0 for j in range(len(shape))]
        sizes = [1 if j == axis else -1 for j in range(len(shape))]
        piece = run("slice", [x], start_indices=starts, shape=sizes)
        pieces.append(C.reshape(op, piece, rest, C.shape_of(op, piece)))
    return pieces


def meshgrid(*x: Any, indexing: str = "xy") -> list:
    """Creates grids of coordinates from coordinate vectors.

    Given `N` 1-D tensors `T0, T1, ..., TN-1` as inputs with corresponding
    lengths `S0, S1, ..., SN-1`, this creates `N` N-D tensors
    `G0, G1, ..., GN-1` each with shape `(S0, ..., SN-1)` where the output
    `Gi` is constructed by expanding `Ti` to the result shape.

    Args:
        x: 1-D tensors representing the coordinates of a grid.
        indexing: `"xy"` or `"ij"`. "xy" is cartesian; `"ij"` is matrix
            indexing of output. Defaults to `"xy"`.

    Returns:
        Sequence of N tensors.

    Example:

    >>> xs, ys = keras.ops.meshgrid(np.array([1, 2, 3]), np.array([4, 5]))
    >>> xs.shape
    (2, 3)
    """
    op = "meshgrid"
    if indexing not in ("xy", "ij"):
        raise InvalidArgumentError(
            f"Op '{op}': indexing must be 'xy' or 'ij'. Received: indexing={indexing!r}"
        )
    shapes = [C.shape_of(op, t) for t in x]
    if any(len(s) != 1 for s in shapes):
        raise ShapeError(
            f"Op '{op}' expected 1-D tensors. Received: shapes "
            + ", ".join(C.dims_text(s) for s in shapes)
        )
    sizes = [C.static_size(op, s, 0) for s in shapes]
    order = list(range(len(x)))
    if indexing == "xy" and len(x) >= 2:
        order[0], order[1] = 1, 0
    full = [sizes[i] for i in order]
    grids = []
    for i, t in enumerate(x):
        place = order.index(i)
        dims = [sizes[i] if j == place else 1 for j in range(len(x))]
        grids.append(
            C.rearrange(
                lambda v, d=dims: A.broadcast_to(C.reshape(op, v, d, C.shape_of(op, v)), full),
                [t],
            )
        )
    return grids


# ---------------------------------------------------------------- rearrange (einops)

_TOKEN = re.compile(r"\w+|\([^()]*\)")


def rearrange(tensor: Any, pattern: str, **axes_lengths: int) -> Tensor:
    """Rearranges the axes of a Keras tensor according to a specified pattern,
    einops-style.

    The grammar is Keras's: each side of `->` lists axis names (words) and
    parenthesised groups of names. A group on the left splits an axis (the
    sizes of all but at most one of its names given in `axes_lengths`); a
    group on the right merges axes. The right side must use each name of the
    left side exactly once (no ellipsis, no new or unit axes).

    Args:
        tensor: Input Keras tensor.
        pattern: String describing the rearrangement in einops notation.
        **axes_lengths: Keyword arguments specifying lengths of axes
            when axes decomposition is used.

    Returns:
        Tensor: A Keras tensor with rearranged axes.

    Example:

    >>> keras.ops.rearrange(np.ones((32, 30, 40, 3)), "b h w c -> b c h w").shape
    (32, 3, 30, 40)
    >>> keras.ops.rearrange(np.ones((2, 12)), "b (h w) -> b w h", h=3).shape
    (2, 4, 3)
    """
    return C.rearrange(_rearrange, [tensor], pattern, axes_lengths)


def _groups(side: str, pattern: str) -> Any:
    """[[names]] of one side of the pattern, one list per axis."""
    if _TOKEN.sub(" ", side).strip():
        raise InvalidArgumentError(
            "Op 'rearrange': a pattern side may only hold axis names and parenthesised "
            f"groups of names. Received: pattern={pattern!r}"
        )
    groups = []
    for token in _TOKEN.findall(side):
        names = token.strip("()").split() if token.startswith("(") else [token]
        if not names or not all(re.fullmatch(r"\w+", n) for n in names):
            raise InvalidArgumentError(
                f"Op 'rearrange': groups must hold one or more axis names. Received: "
                f"pattern={pattern!r}"
            )
        groups.append(names)
    return groups


def _rearrange(x: Any, pattern: str, axes_lengths: Any) -> Any:
    op = "rearrange"
    if not isinstance(pattern, str) or len(re.split(r"\s*->\s*", pattern)) != 2:
        raise InvalidArgumentError(
            f"Op '{op}' expected a pattern of the form 'inputs -> outputs'. Received: "
            f"pattern={pattern!r}"
        )
    left, right = re.split(r"\s*->\s*", pattern)
    ins, outs = _groups(left, pattern), _groups(right, pattern)
    shape = C.shape_of(op, x)
    if len(ins) != len(shape):
        raise ShapeError(
            f"Op '{op}': the pattern's input side names {len(ins)} axes, but the tensor has "
            f"rank {len(shape)}. Received: pattern={pattern!r}, shape {C.dims_text(shape)}"
        )
    flat_in = [n for g in ins for n in g]
    flat_out = [n for g in outs for n in g]
    if len(set(flat_in)) != len(flat_in) or sorted(flat_in) != sorted(flat_out):
        raise InvalidArgumentError(
            f"Op '{op}': the output side must use each input axis name exactly once "
            f"(no new, repeated or dropped axes). Received: pattern={pattern!r}"
        )
    sizes = {}
    for names, dim in zip(ins, shape):
        sizes.update(_group_sizes(names, dim, axes_lengths, pattern))
    decomposed = [sizes[n] for n in flat_in]
    x = C.reshape(op, x, decomposed, shape)
    x = C.transpose(x, [flat_in.index(n) for n in flat_out])
    out = []
    for names in outs:
        dims = [sizes[n] for n in names]
        out.append(None if None in dims else int(np.prod(dims, dtype=np.int64)))
    return C.reshape(op, x, out, C.shape_of(op, x))


def _group_sizes(names: Any, dim: Any, axes_lengths: Any, pattern: str) -> Any:
    """{name: size} for one input axis of size `dim` split into `names`."""
    op = "rearrange"
    given: dict[str, Any] = {}
    for n in names:
        if n in axes_lengths:
            given[n] = C.check_int(op, n, axes_lengths[n], low=1)
    if len(names) == 1:
        name = names[0]
        if name in given and dim is not None and given[name] != dim:
            raise ShapeError(
                f"Op '{op}': axis {name!r} has size {dim}, not {given[name]}. Received: "
                f"pattern={pattern!r}"
            )
        return {name: dim}
    unknown = [n for n in names if n not in given]
    if len(unknown) > 1:
        raise InvalidArgumentError(
            f"Op '{op}' can infer one size per group; give the sizes of "
            f"{', '.join(repr(n) for n in unknown[1:])} in axes_lengths. Received: "
            f"pattern={pattern!r}"
        )
    known = int(np.prod(list(given.values()), dtype=np.int64))
    if unknown:
        if dim is not None and dim % known:
            raise ShapeError(
                f"Op '{op}' cannot split an axis of size {dim} into ({' '.join(names)}): "
                f"{dim} is not a multiple of {known}. Received: pattern={pattern!r}"
            )
        given[unknown[0]] = None if dim is None else dim // known
    elif dim is not None and known != dim:
        raise ShapeError(
            f"Op '{op}' cannot split an axis of size {dim} into ({' '.join(names)}) of "
            f"sizes {[given[n] for n in names]}. Received: pattern={pattern!r}"
        )
    return {n: given[n] for n in names}
