"""Per-image affine resampling inside models: `ops.image.affine_transform`
for transforms that are tensors (random draws of a training step), not
constants.

Each output pixel `(x, y)` of image `n` samples the input at
`(a0 x + a1 y + a2, b0 x + b1 y + b2)` (row `n` of the `(N, 8)` transform,
as Keras's JAX backend, which ignores `c0, c1`), with the corners' indices
fixed by the fill mode as `jax.scipy.ndimage.map_coordinates` does. The
corners are picked by one `embedding` gather from the batch flattened to
`(N * H * W, C)`; image `n`'s offset `n * H * W` comes from a stable
`argsort` of zeros, which numbers the batch even when its size is known
only at run time (inside a traced training step).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras import ops
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run
from pykeras.ops._image_coords import _fix, _nodes

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = {"nearest": 0, "bilinear": 1}


def _column(t: Any, i: int) -> Any:
    """Column `i` of an `(N, 8)` tensor as `(N, 1, 1)`."""
    col = run("slice", [t], start_indices=[0, i], shape=[-1, 1])
    return run("reshape", [col], shape=[-1, 1, 1])


def batch_numbers(like: Any) -> Any:
    """`[0, 1, ..., N - 1]` as float32 `(N, 1, 1)` for an `(N, 1, 1)` tensor."""
    zeros = run("reshape", [run("mul", [like, np.float32(0.0)])], shape=[-1])
    order = run("argsort", [zeros], axis=0)
    return run("reshape", [order], shape=[-1, 1, 1])


def warp(images: Any, transform: Any, interpolation: str, fill_mode: str, fill_value: float) -> Any:
    """Channels-last `images` `(N, H, W, C)` resampled by per-image `transform` `(N, 8)`."""
    _, h, w, ch = C.shape_of("affine_transform", images)
    rows, cols = np.meshgrid(np.arange(h, dtype=np.float32), np.arange(w, dtype=np.float32),
                             indexing="ij")  # fmt: skip
    a0, a1, a2, b0, b1, b2 = (_column(transform, i) for i in range(6))
    xs = run("add", [run("add", [run("mul", [a0, cols]), run("mul", [a1, rows])]), a2])
    ys = run("add", [run("add", [run("mul", [b0, cols]), run("mul", [b1, rows])]), b2])
    base = run("mul", [batch_numbers(a0), np.float32(h * w)])
    table = run("reshape", [images], shape=[-1, ch])
    order = INTERPOLATIONS[interpolation]
    per_axis = []
    for c, size in ((ys, h), (xs, w)):
        nodes = []
        for index, weight in _nodes(c, order):
            valid = None
            if fill_mode == "constant":
                inside = run("greater_equal", [index, np.float32(0.0)])
                valid = run("mul", [inside, run("less", [index, np.float32(size)])])
            fixed = run("clip", [_fix(index, size, fill_mode)], min=0.0, max=float(size - 1))
            nodes.append((fixed, valid, weight))
        per_axis.append(nodes)
    total = None
    for yi, yv, yw in per_axis[0]:
        for xi, xv, xw in per_axis[1]:
            flat = run("add", [run("add", [base, run("mul", [yi, np.float32(w)])]), xi])
            ids = run("cast", [run("stop_gradient", [flat])], dtype="int64")
            picked = run("embedding", [ids, table], index_inputs=(0,))
            valid = yv if xv is None else (xv if yv is None else run("mul", [yv, xv]))
            if valid is not None:
                mask = run("reshape", [valid], shape=[-1, h, w, 1])
                picked = run("where", [mask, picked, np.float32(fill_value)])
            weight = yw if xw is None else (xw if yw is None else run("mul", [yw, xw]))
            if weight is not None:
                picked = run("mul", [picked, run("reshape", [weight], shape=[-1, h, w, 1])])
            total = picked if total is None else run("add", [total, picked])
    return total


def affine_matrix(
    angle: Any,
    translate_x: Any,
    translate_y: Any,
    zoom_x: Any,
    zoom_y: Any,
    height: int,
    width: int,
) -> Any:
    """Keras's `(N, 8)` transform for rotations about the centre (radians),
    translations (pixels) and zooms about the centre, each `(N, 1)`; None
    for a part that is absent."""
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    if angle is not None:
        cos, sin = ops.cos(angle), ops.sin(angle)
        a0, a1, b0, b1 = cos, ops.negative(sin), sin, cos
        a2 = ops.subtract(ops.subtract(cx, ops.multiply(cx, a0)), ops.multiply(cy, a1))
        b2 = ops.subtract(ops.subtract(cy, ops.multiply(cx, b0)), ops.multiply(cy, b1))
        parts = [a0, a1, a2, b0, b1, b2]
    elif zoom_x is not None:
        a2 = ops.multiply(ops.subtract(1.0, zoom_x), cx)
        b2 = ops.multiply(ops.subtract(1.0, zoom_y), cy)
        zero = ops.multiply(zoom_x, 0.0)
        parts = [zoom_x, zero, a2, zero, zoom_y, b2]
    else:
        zero = ops.multiply(translate_x, 0.0)
        one = ops.add(zero, 1.0)
        parts = [one, zero, ops.negative(translate_x), zero, one, ops.negative(translate_y)]
    zero = ops.multiply(parts[0], 0.0)
    return ops.concatenate([*parts, zero, zero], axis=1)
