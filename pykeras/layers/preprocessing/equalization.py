"""Equalization: histogram equalization of each channel."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.errors import InvalidArgumentError
from pykeras.layers.preprocessing._augment_base import AugmentationLayer, transform_value_range


class Equalization(AugmentationLayer):
    """Preprocessing layer for histogram equalization on image channels.

    Each channel's values are remapped through the cumulative histogram of
    that channel so that intensities spread over the value range. As in
    Keras 3, a channel's histogram is taken over the whole batch (not image
    by image), and the layer, whose `call` default is `training=True`,
    passes images unchanged when called with `training=False` (so inside
    `predict`).

    Args:
        value_range: the images' value range `(low, high)` (default `(0, 255)`).
        bins: the number of histogram bins (default 256).
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> x = np.random.uniform(0, 100, (2, 8, 8, 3))
    >>> out = Equalization()(x)
    >>> float(np.asarray(out).max())
    255.0
    """

    def __init__(
        self,
        value_range: Any = (0, 255),
        bins: int = 256,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        if not isinstance(bins, int) or isinstance(bins, bool) or bins < 2:
            raise InvalidArgumentError(
                f"Layer '{self.name}': `bins` should be an integer of at least 2. "
                f"Received: bins={bins!r}"
            )
        self.bins = bins
        self.value_range = self._value_range_arg(value_range)

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: Any = None
    ) -> Any:
        return None

    def _equalize_channel(self, channel: Any) -> Any:
        x = transform_value_range(channel, self.value_range, (0, 255))
        bins = self.bins
        # Keras's histogram: truncated (not floored) bin indices, clipped.
        scaled = ops.divide(ops.multiply(x, float(bins - 1)), 255.0)
        hist_ids = ops.clip(ops.cast(scaled, "int32"), 0, bins - 1)
        # Counts by a scatter-add (segment_sum of ones): linear in the pixels,
        # where a symbolic bincount would build a one-hot row per pixel.
        flat_ids = ops.reshape(hist_ids, (-1,))
        ones = ops.ones_like(ops.cast(flat_ids, "float32"))
        hist = ops.segment_sum(ones, flat_ids, num_segments=bins)
        cdf = ops.cumsum(hist)
        # The first non-zero value of the cumulative histogram.
        cdf_min = ops.min(ops.where(ops.greater(cdf, 0.0), cdf, ops.max(cdf)))
        denominator = ops.subtract(ops.max(cdf), cdf_min)
        denominator = ops.where(ops.equal(denominator, 0.0), 1.0, denominator)
        # Keras on JAX (XLA on the CPU) divides by multiplying with the
        # reciprocal; doing the same keeps ties (x.5) rounding as Keras's do.
        reciprocal = ops.divide(1.0, denominator)
        table = ops.multiply(ops.multiply(ops.subtract(cdf, cdf_min), 255.0), reciprocal)
        table = ops.clip(ops.round(table), 0.0, 255.0)
        lookup = ops.multiply(ops.divide(x, 255.0), float(bins - 1))
        ids = ops.cast(ops.clip(lookup, 0.0, float(bins - 1)), "int32")
        equalized = ops.take(table, ids)
        occupied = ops.count_nonzero(hist)
        equalized = ops.where(ops.less_equal(occupied, 1), x, equalized)
        return transform_value_range(equalized, (0, 255), self.value_range)

    def transform_images(
        self, images: Any, transformation: Any = None, training: bool | None = True
    ) -> Any:
        if not training:
            return images
        images = ops.cast(images, "float32")
        axis = self._channels_axis()
        channels = ops.shape(images)[axis]
        if channels is None:
            raise InvalidArgumentError(
                f"Layer '{self.name}' needs a known number of channels. "
                f"Received: images of shape {tuple(ops.shape(images))}"
            )
        planes = ops.unstack(images, num=channels, axis=axis)
        return ops.stack([self._equalize_channel(p) for p in planes], axis=axis)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"bins": self.bins, "value_range": list(self.value_range)})
        return config
