"""Per-image resampling at coordinates that are tensors (a training step's
random draws): `jax.scipy.ndimage.map_coordinates` over a channels-last
batch, for the warping layers (RandomShear, RandomPerspective,
RandomElasticTransform).

As in `_affine.warp` (which serves the affine layers), the corners are
picked by one `embedding` gather from the batch flattened to
`(N * H * W, C)`, image `n`'s offset `n * H * W` numbering the batch even
when its size is known only at run time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras.layers.preprocessing._affine import INTERPOLATIONS, batch_numbers
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run
from pykeras.ops._image_coords import _fix, _nodes

FILL_MODES = ("reflect", "wrap", "constant", "nearest", "mirror")


def sample(
    images: Any, xs: Any, ys: Any, interpolation: str, fill_mode: str, fill_value: float
) -> Any:
    """`images` `(N, H, W, C)` sampled at `(ys, xs)`, each `(N, H, W)`
    (input pixel coordinates of every output pixel)."""
    _, h, w, ch = C.shape_of("map_coordinates", images)
    first = run("reshape", [run("slice", [xs], start_indices=[0, 0, 0], shape=[-1, 1, 1])],
                shape=[-1, 1, 1])  # fmt: skip
    base = run("mul", [batch_numbers(first), np.float32(h * w)])
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


def pixel_grid(h: int, w: int) -> Any:
    """The output pixels' `(x, y)` coordinates, each `(1, H, W)` float32."""
    ys, xs = np.meshgrid(np.arange(h, dtype=np.float32), np.arange(w, dtype=np.float32),
                         indexing="ij")  # fmt: skip
    return xs[None], ys[None]
