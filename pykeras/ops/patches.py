"""Sliding windows over sequences and images: `extract_sequences` (Keras's
signal op, `keras.ops`), `unfold` and `fold` (also in `keras.ops.nn`).

Each is a gather by the `embedding` primitive with element numbers computed
in NumPy, so it runs eagerly, in Functional models (with an unknown batch)
and in traced graphs, and is differentiable: `unfold`'s gradient scatter-adds
overlapping windows back, and `fold` sums them forward with one gather of
every window covering each pixel. Eagerly, integer and bool arrays keep their
dtype and exact values (`fold` sums integers as float32, exact below 2**24).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops import _gather as G
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__ = ["extract_sequences", "fold", "unfold"]

IntOrPair = Union[int, Sequence[int]]


def extract_sequences(x: TensorLike, sequence_length: int, sequence_stride: int) -> Tensor:
    """Expands the dimension of last axis into sequences of `sequence_length`.

    Slides a window of size `sequence_length` over the last axis of the input
    with a stride of `sequence_stride`, replacing the last axis with
    `[num_sequences, sequence_length]` sequences.

    If the dimension along the last axis is N, the number of sequences can be
    computed by:

    `num_sequences = 1 + (N - sequence_length) // sequence_stride`

    Args:
        x: Input tensor; its last axis's size must be known.
        sequence_length: An integer representing the sequences length.
        sequence_stride: An integer representing the sequences hop size.

    Returns:
        A tensor of sequences with shape [..., num_sequences, sequence_length].

    Example:

    >>> keras.ops.extract_sequences(np.array([1, 2, 3, 4, 5, 6]), 3, 2)
    array([[1, 2, 3],
           [3, 4, 5]])
    """
    op = "extract_sequences"
    length = C.check_int(op, "sequence_length", sequence_length, low=1)
    stride = C.check_int(op, "sequence_stride", sequence_stride, low=1)
    return C.rearrange(lambda t: _extract_sequences(op, t, length, stride), [x])


def _extract_sequences(op: str, x: Any, length: int, stride: int) -> Any:
    shape = C.shape_of(op, x)
    if not shape:
        raise ShapeError(f"Op '{op}' expected a tensor of rank >= 1. Received: a scalar tensor")
    n = C.static_size(op, shape, len(shape) - 1)
    if n < length:
        raise ShapeError(
            f"Op '{op}' expected a last axis at least sequence_length={length} long. "
            f"Received: a tensor of shape {C.dims_text(shape)}"
        )
    count = 1 + (n - length) // stride
    ids = np.arange(count)[:, None] * stride + np.arange(length)[None, :]
    return G.gather(op, x, ids.astype(np.int64), len(shape) - 1)


def _pair(op: str, name: str, value: Any, low: int) -> Any:
    values = C.int_list(op, name, value, low=low)
    if len(values) == 1:
        values = values * 2
    if len(values) != 2:
        raise InvalidArgumentError(
            f"Op '{op}' expected {name} to be an int or a tuple of two ints. "
            f"Received: {name}={value!r}"
        )
    return values


def _window_numbers(
    op: str, padded: Any, kernel: Any, dilation: Sequence[int], stride: Sequence[int]
) -> Any:
    """Element numbers (k0 * k1, L) of each kernel position in each window
    over a padded (H, W) image, and the windows' grid (out_h, out_w)."""
    grid = []
    for i in range(2):
        span = dilation[i] * (kernel[i] - 1) + 1
        count = (padded[i] - span) // stride[i] + 1
        if padded[i] < span:
            count = 0
        grid.append(count)
    if min(grid) <= 0:
        raise ShapeError(
            f"Op '{op}' found no complete window: kernel_size={kernel} with "
            f"dilation={dilation} spans more than the padded image of size "
            f"{tuple(padded)}"
        )
    ki = np.arange(kernel[0])[:, None, None, None] * dilation[0]
    kj = np.arange(kernel[1])[None, :, None, None] * dilation[1]
    oi = np.arange(grid[0])[None, None, :, None] * stride[0]
    oj = np.arange(grid[1])[None, None, None, :] * stride[1]
    numbers = (oi + ki) * padded[1] + (oj + kj)
    return numbers.reshape(kernel[0] * kernel[1], grid[0] * grid[1]).astype(np.int64), grid


def unfold(
    x: TensorLike,
    kernel_size: IntOrPair,
    dilation: IntOrPair = 1,
    padding: IntOrPair = 0,
    stride: IntOrPair = 1,
) -> Tensor:
    """Extract sliding local blocks from a 4-D input (batched image).

    This operation is known as **im2col** when used with convolution.
    It rearranges the image into overlapping or non-overlapping patches
    and returns a tensor whose *depth* (last axis) contains the flattened
    patches.

    Args:
        x: A 4-D tensor of shape `(N, C, H, W)` (**channels-first** format);
            `C`, `H` and `W` must be known.
        kernel_size: int or tuple of two ints, the size of the sliding window
            `(kH, kW)`.  If a single int is given, it is used for both
            dimensions.
        dilation: int or tuple of two ints, the spacing between kernel points
            (a.k.a. **dilation** or **atrous** convolution). Default: 1.
        padding: int or tuple of two ints, the amount of zero-padding to apply
            to both spatial dimensions. Default: 0.
        stride: int or tuple of two ints, the step size of the sliding window.
            Default: 1.

    Returns:
        A 3-D tensor of shape `(N, C * kH * kW, L)` where
        `L = num_patches_H * num_patches_W` is the total number of patches
        extracted.

    Example:

    >>> x = np.ones((1, 2, 4, 4))
    >>> keras.ops.unfold(x, kernel_size=2, stride=2).shape
    (1, 8, 4)
    """
    op = "unfold"
    kernel = _pair(op, "kernel_size", kernel_size, 1)
    dil = _pair(op, "dilation", dilation, 1)
    pad = _pair(op, "padding", padding, 0)
    step = _pair(op, "stride", stride, 1)
    return C.rearrange(lambda t: _unfold(op, t, kernel, dil, pad, step), [x])


def _image_shape(op: str, x: Any, rank: int, what: str) -> Any:
    shape = C.shape_of(op, x)
    if len(shape) != rank:
        raise ShapeError(
            f"Op '{op}' expected a {rank}-D tensor {what}. Received: a tensor of shape "
            f"{C.dims_text(shape)}"
        )
    for i in range(1, rank):
        C.static_size(op, shape, i)
    return shape


def _unfold(op: str, x: Any, kernel: Any, dil: Any, pad: Any, step: Any) -> Any:
    n, c, h, w = _image_shape(op, x, 4, "(N, C, H, W)")
    if pad != [0, 0]:
        x = run("pad", [x], pad_width=[[0, 0], [0, 0], [pad[0]] * 2, [pad[1]] * 2])
    padded = (h + 2 * pad[0], w + 2 * pad[1])
    numbers, grid = _window_numbers(op, padded, kernel, dil, step)
    flat = C.reshape(op, x, [n, c, padded[0] * padded[1]], C.shape_of(op, x))
    picked = G.gather(op, flat, numbers, 2)
    blocks = kernel[0] * kernel[1]
    return C.reshape(op, picked, [n, c * blocks, grid[0] * grid[1]], C.shape_of(op, picked))


def fold(
    x: TensorLike,
    output_size: IntOrPair,
    kernel_size: IntOrPair,
    dilation: IntOrPair = 1,
    padding: IntOrPair = 0,
    stride: IntOrPair = 1,
) -> Tensor:
    """Combines an array of sliding local blocks into a large containing
    tensor (reverses `unfold`).

    This operation is known as **col2im** when used with convolution.
    It takes a 3-D tensor of flattened patches and reconstructs a 4-D
    image tensor by summing overlapping patches.

    Args:
        x: A 3-D tensor of shape `(N, C * kH * kW, L)` where `L` is
            the total number of blocks.
        output_size: int or tuple of two ints `(oH, oW)`, the spatial
            shape of the output tensor.
        kernel_size: int or tuple of two ints, the size of the sliding
            window `(kH, kW)`.  If a single int is given, it is used
            for both dimensions.
        dilation: int or tuple of two ints, the spacing between kernel
            points. Default: 1.
        padding: int or tuple of two ints, the amount of zero-padding
            that was applied to the input of `unfold`. Default: 0.
        stride: int or tuple of two ints, the step size of the sliding
            window. Default: 1.

    Returns:
        A 4-D tensor of shape `(N, C, oH, oW)`.

    Example:

    >>> patches = keras.ops.unfold(np.ones((1, 2, 4, 4)), kernel_size=2, stride=2)
    >>> keras.ops.fold(patches, output_size=(4, 4), kernel_size=2, stride=2).shape
    (1, 2, 4, 4)
    """
    op = "fold"
    size = _pair(op, "output_size", output_size, 1)
    kernel = _pair(op, "kernel_size", kernel_size, 1)
    dil = _pair(op, "dilation", dilation, 1)
    pad = _pair(op, "padding", padding, 0)
    step = _pair(op, "stride", stride, 1)
    if C.any_symbolic([x]):
        return _fold(op, x, size, kernel, dil, pad, step)
    a = x.numpy() if hasattr(x, "numpy") else np.asarray(x)
    out = _fold(op, a.astype(np.float32), size, kernel, dil, pad, step)
    return out.astype(a.dtype) if a.dtype.kind in "biu" else out


def _fold(op: str, x: Any, size: Any, kernel: Any, dil: Any, pad: Any, step: Any) -> Any:
    n, ckk, count = _image_shape(op, x, 3, "(N, C * kH * kW, L)")
    blocks = kernel[0] * kernel[1]
    padded = (size[0] + 2 * pad[0], size[1] + 2 * pad[1])
    numbers, grid = _window_numbers(op, padded, kernel, dil, step)
    if ckk % blocks or count != grid[0] * grid[1]:
        raise ShapeError(
            f"Op '{op}' expected a tensor of shape (N, C * {blocks}, {grid[0] * grid[1]}) "
            f"for output_size={tuple(size)}, kernel_size={tuple(kernel)}, "
            f"dilation={tuple(dil)}, padding={tuple(pad)}, stride={tuple(step)}. "
            f"Received: a tensor of shape {C.dims_text((n, ckk, count))}"
        )
    c = ckk // blocks
    # For each padded pixel, every window element that lands on it (as
    # 1 + its number; 0 picks a zero), in layers as deep as the most
    # overlapping pixel's count.
    pixels = padded[0] * padded[1]
    target = numbers.ravel()
    order = np.argsort(target, kind="stable")
    hits = np.bincount(target, minlength=pixels)
    depth = max(int(hits.max()), 1)
    first = np.concatenate([[0], np.cumsum(hits)[:-1]])
    layer = np.arange(len(order)) - first[target[order]]
    sources = np.zeros((depth, pixels), np.int64)
    sources[layer, target[order]] = order + 1
    flat = C.reshape(op, x, [n, c, blocks * count], (n, ckk, count))
    flat = run("pad", [flat], pad_width=[[0, 0], [0, 0], [1, 0]])
    picked = G.gather(op, flat, sources, 2)
    summed = run("sum", [picked], axis=[2])
    image = C.reshape(op, summed, [n, c, padded[0], padded[1]], C.shape_of(op, summed))
    if pad == [0, 0]:
        return image
    return run(
        "slice", [image], start_indices=[0, 0, pad[0], pad[1]], shape=[-1, -1, size[0], size[1]]
    )
