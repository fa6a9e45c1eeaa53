"""ContrastLimitedAdaptiveHistogramEqualization (CLAHE): histogram
equalization per tile, with clipped histograms, blended between tiles."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras import ops
from pykeras.errors import InvalidArgumentError
from pykeras.layers.preprocessing._affine import batch_numbers
from pykeras.layers.preprocessing._augment_base import AugmentationLayer, transform_value_range

_LEVELS = 256


def _symmetric(size: int, pad: int) -> list[int]:
    """The indices of an axis of `size` padded at its end by `pad`
    (NumPy's "symmetric" mode: mirrored, the edge repeated)."""
    return [int(i) for i in np.pad(np.arange(size), (0, pad), mode="symmetric")]


class ContrastLimitedAdaptiveHistogramEqualization(AugmentationLayer):
    """Contrast Limited Adaptive Histogram Equalization (CLAHE).

    Each image is cut into `tile_grid_size` tiles (padded symmetrically to
    a whole number of tiles); each tile's 256-bin histogram is clipped at
    `clip_limit` times its mean bin, the excess spread over all bins, and
    its cumulative distribution maps values to [0, 255]; each pixel's value
    is interpolated bilinearly between the mappings of the four nearest
    tiles. As in Keras 3, the layer is active at training and inference.

    Args:
        value_range: the images' value range (default `(0, 255)`).
        clip_limit: the histogram clipping threshold, relative to the mean
            bin (default 4.0; 0 or less: no clipping).
        tile_grid_size: the number of tiles `(rows, columns)` (default `(8, 8)`).
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> x = np.random.uniform(0, 255, (2, 16, 16, 3))
    >>> ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2))(x).shape
    (2, 16, 16, 3)
    """

    always_on = True

    def __init__(
        self,
        value_range: Any = (0, 255),
        clip_limit: float = 4.0,
        tile_grid_size: Any = (8, 8),
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = self._value_range_arg(value_range, sort=False)
        if not isinstance(clip_limit, (int, float)) or isinstance(clip_limit, bool):
            raise InvalidArgumentError(
                f"Layer '{self.name}': `clip_limit` should be a number. "
                f"Received: clip_limit={clip_limit!r}"
            )
        grid = list(tile_grid_size) if isinstance(tile_grid_size, (tuple, list)) else []
        if len(grid) != 2 or not all(isinstance(g, int) and g > 0 for g in grid):
            raise InvalidArgumentError(
                f"Layer '{self.name}': `tile_grid_size` should be two positive integers. "
                f"Received: tile_grid_size={tile_grid_size!r}"
            )
        self.clip_limit = clip_limit
        self.tile_grid_size = tuple(grid)

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: Any = None
    ) -> Any:
        return None

    def transform_images(
        self, images: Any, transformation: Any = None, training: bool | None = True
    ) -> Any:
        x, restore = self._channels_last_batch(ops.cast(images, "float32"))
        x = transform_value_range(x, self.value_range, (0, 255))
        x = self._clahe(x)
        return restore(transform_value_range(x, (0, 255), self.value_range))

    def _histograms(self, tiles: Any, batch: Any, cells: int) -> Any:
        """Per tile histograms `(N, gh, gw, C, 256)` of `tiles` `(N, gh, gw, C, T)` int32."""
        shape = ops.shape(tiles)
        if isinstance(batch, int):
            # One bincount over ids offset per (image, tile, channel).
            offsets = np.arange(batch * cells, dtype=np.int32).reshape(shape[:-1] + (1,))
            ids = ops.add(tiles, offsets * _LEVELS)
            counts = ops.bincount(ops.reshape(ids, (-1,)), minlength=batch * cells * _LEVELS)
            return ops.reshape(ops.cast(counts, "float32"), shape[:-1] + (_LEVELS,))
        # The batch is known only at run time: Keras's one-hot sums.
        return ops.sum(ops.one_hot(tiles, _LEVELS), axis=-2)

    def _clahe(self, images: Any) -> Any:
        n, h, w, c = ops.shape(images)
        if h is None or w is None or c is None:
            raise InvalidArgumentError(
                f"Layer '{self.name}' needs known image sizes and channels. "
                f"Received: images of shape {tuple(ops.shape(images))}"
            )
        gh, gw = self.tile_grid_size
        th, tw = -(-h // gh), -(-w // gw)
        hp, wp = th * gh, tw * gw
        padded = images
        if hp != h:
            padded = ops.take(padded, _symmetric(h, hp - h), axis=1)
        if wp != w:
            padded = ops.take(padded, _symmetric(w, wp - w), axis=2)
        tiled = ops.reshape(padded, (-1, gh, th, gw, tw, c))
        tiled = ops.reshape(ops.transpose(tiled, (0, 1, 3, 5, 2, 4)), (-1, gh, gw, c, th * tw))
        tiled = ops.clip(ops.cast(tiled, "int32"), 0, _LEVELS - 1)
        hists = self._histograms(tiled, n, gh * gw * c)
        if self.clip_limit > 0:
            limit = float(np.float32(self.clip_limit * (th * tw) / 256.0))
            clipped = ops.clip(hists, 0.0, limit)
            excess = ops.sum(ops.subtract(hists, clipped), axis=-1, keepdims=True)
            hists = ops.add(clipped, ops.divide(excess, 256.0))
        cdf = ops.cumsum(hists, axis=-1)
        cdf_min = ops.min(cdf, axis=-1, keepdims=True)
        numerator = ops.multiply(ops.subtract(cdf, cdf_min), 255.0)
        denominator = ops.subtract(float(th * tw), cdf_min)
        denominator = ops.where(ops.equal(denominator, 0.0), 1.0, denominator)
        table = ops.clip(ops.divide(numerator, denominator), 0.0, 255.0)
        # The tile grid, edge tiles repeated around it.
        rows = [0, *range(gh), gh - 1]
        cols = [0, *range(gw), gw - 1]
        table = ops.take(ops.take(table, rows, axis=1), cols, axis=2)
        flat = ops.reshape(table, (-1,))
        stride_x = _LEVELS * c
        stride_y = stride_x * (gw + 2)
        stride_b = stride_y * (gh + 2)
        ys = (np.arange(hp, dtype=np.float32) - th / 2.0) / th + 1.0
        xs = (np.arange(wp, dtype=np.float32) - tw / 2.0) / tw + 1.0
        y0, x0 = np.floor(ys), np.floor(xs)
        wy = (ys - y0).reshape(1, -1, 1, 1)
        wx = (xs - x0).reshape(1, 1, -1, 1)
        y_ids = [np.clip(v, 0, gh + 1).astype(np.int32).reshape(1, -1, 1, 1) * stride_y
                 for v in (y0, y0 + 1)]  # fmt: skip
        x_ids = [np.clip(v, 0, gw + 1).astype(np.int32).reshape(1, 1, -1, 1) * stride_x
                 for v in (x0, x0 + 1)]  # fmt: skip
        images_ids: Any
        if isinstance(n, int):
            images_ids = np.arange(n, dtype=np.int32).reshape(-1, 1, 1, 1)
        else:
            corner = ops.take(ops.take(ops.take(padded, [0], axis=1), [0], axis=2), [0], axis=3)
            numbers = batch_numbers(ops.reshape(corner, (-1, 1, 1)))
            images_ids = ops.reshape(ops.cast(numbers, "int32"), (-1, 1, 1, 1))
        channel_ids = np.arange(c, dtype=np.int32).reshape(1, 1, 1, -1) * _LEVELS
        pixels = ops.cast(ops.clip(padded, 0.0, 255.0), "int32")
        base = ops.add(ops.add(ops.multiply(images_ids, stride_b), channel_ids), pixels)
        corners = [[ops.take(flat, ops.add(ops.add(base, yi), xi)) for xi in x_ids] for yi in y_ids]
        top = ops.add(ops.multiply(corners[0][0], 1.0 - wx), ops.multiply(corners[0][1], wx))
        bottom = ops.add(ops.multiply(corners[1][0], 1.0 - wx), ops.multiply(corners[1][1], wx))
        result = ops.add(ops.multiply(top, 1.0 - wy), ops.multiply(bottom, wy))
        if hp != h or wp != w:
            result = ops.take(ops.take(result, list(range(h)), axis=1), list(range(w)), axis=2)
        return result

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "value_range": list(self.value_range),
                "clip_limit": self.clip_limit,
                "tile_grid_size": list(self.tile_grid_size),
                "data_format": self.data_format,
            }
        )
        return config
