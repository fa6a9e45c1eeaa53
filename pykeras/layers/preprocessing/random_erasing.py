"""RandomErasing: fills a random rectangle of each image while training."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras import ops, random
from pykeras.errors import InvalidArgumentError
from pykeras.layers.preprocessing._augment_base import AugmentationLayer, unit_factor
from pykeras.layers.preprocessing._base import keras_factor


class RandomErasing(AugmentationLayer):
    """Random Erasing data augmentation technique.

    With a probability drawn in the factor range, a rectangle of each image
    (its sides `sqrt(s)` of the image's, `s` drawn in `scale` for each side)
    is replaced by `fill_value`, or by Gaussian noise scaled by
    `value_range[1]` when `fill_value` is None; the fill is clipped to
    `value_range`. Active only while training.

    Args:
        factor: a number `f` in [0, 1] (probabilities in `[0, f]`) or a pair.
        scale: the range of each side's squared fraction (default `(0.02, 0.33)`).
        fill_value: a number, three numbers (one per channel) or None (noise).
        value_range: the images' value range (default `(0, 255)`).
        seed: int, makes the draws repeatable.
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> x = np.random.uniform(0, 255, (2, 8, 8, 3))
    >>> RandomErasing(fill_value=0.0)(x).shape
    (2, 8, 8, 3)
    """

    def __init__(
        self,
        factor: Any = 1.0,
        scale: Any = (0.02, 0.33),
        fill_value: Any = None,
        value_range: Any = (0, 255),
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = keras_factor(factor, self.name, bounds=(0, 1))
        self.scale = unit_factor(scale, "scale", self.name)
        if fill_value is not None:
            numbers = list(fill_value) if isinstance(fill_value, (tuple, list)) else [fill_value]
            if (
                len(numbers) not in (1, 3)
                or (isinstance(fill_value, (tuple, list)) and len(numbers) != 3)
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers)
            ):
                raise InvalidArgumentError(
                    f"Layer '{self.name}': the `fill_value` argument should be a number (or a "
                    f"list of three numbers). Received: fill_value={fill_value!r}"
                )
        self.fill_value = fill_value
        self.value_range = self._value_range_arg(value_range, sort=False)

    def _hw(self) -> Any:
        return (-2, -1) if self.data_format == "channels_first" else (-3, -2)

    def _bounds(self, batch: Any, length: int, ratio: Any, seed: Any) -> Any:
        crop = ops.multiply(ratio, float(length))
        start = ops.multiply(
            self._uniform((batch,), 0.0, 1.0, seed), ops.subtract(float(length), crop)
        )
        return start, ops.add(start, crop)

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: Any = None
    ) -> Any:
        if not training:
            return None
        images = ops.convert_to_tensor(self._images_of(data))
        shape = tuple(ops.shape(images))
        batch = self._batch_size(images)
        ha, wa = self._hw()
        h, w = shape[ha], shape[wa]
        seed = self._seed(seed)
        weight = ops.sqrt(self._uniform((batch, 2), self.scale[0], self.scale[1], seed))
        x0, x1 = self._bounds(batch, w, ops.take(weight, 0, axis=1), seed)
        y0, y1 = self._bounds(batch, h, ops.take(weight, 1, axis=1), seed)
        gy, gx = np.meshgrid(np.arange(h, dtype=np.float32), np.arange(w, dtype=np.float32),
                             indexing="ij")  # fmt: skip
        grid_shape = (1, 1, h, w) if self.data_format == "channels_first" else (1, h, w, 1)
        gx, gy = gx.reshape(grid_shape), gy.reshape(grid_shape)
        x0, x1, y0, y1 = (ops.reshape(v, (-1, 1, 1, 1)) for v in (x0, x1, y0, y1))
        inside = ops.logical_and(
            ops.logical_and(ops.greater_equal(gx, x0), ops.less(gx, x1)),
            ops.logical_and(ops.greater_equal(gy, y0), ops.less(gy, y1)),
        )
        channels = shape[self._channels_axis()]
        masks = ops.repeat(inside, channels, axis=self._channels_axis())
        probability = self._uniform((batch,), self.factor[0], self.factor[1], seed)
        threshold = self._uniform((batch,), 0.0, 1.0, seed)
        return {
            "apply_erasing": ops.less(threshold, probability),
            "batch_masks": masks,
            "fill_value": self._fill(images, seed),
        }

    def _fill(self, images: Any, seed: Any) -> Any:
        low, high = float(self.value_range[0]), float(self.value_range[1])
        if len(ops.shape(images)) == 3:
            images = ops.expand_dims(images, 0)
        if self.fill_value is None:
            noise = random.normal(tuple(ops.shape(images)), seed=seed)
            fill = ops.multiply(noise, high)
        else:
            values = np.asarray(self.fill_value, np.float32)
            if values.ndim == 1 and self.data_format == "channels_first":
                values = values.reshape(-1, 1, 1)
            fill = ops.add(ops.zeros_like(ops.cast(images, "float32")), values)
        return ops.clip(fill, low, high)

    def transform_images(
        self, images: Any, transformation: Any = None, training: bool | None = True
    ) -> Any:
        images = ops.cast(images, "float32")
        if not training or transformation is None:
            return images
        fill = ops.cast(transformation["fill_value"], "float32")
        erased = ops.where(transformation["batch_masks"], fill, images)
        apply = ops.reshape(transformation["apply_erasing"], (-1, 1, 1, 1))
        return ops.where(apply, erased, images)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        fill = list(self.fill_value) if isinstance(self.fill_value, tuple) else self.fill_value
        config.update(
            {
                "factor": list(self.factor),
                "scale": list(self.scale),
                "fill_value": fill,
                "value_range": list(self.value_range),
                "seed": self.seed,
            }
        )
        return config
