"""RandomHue: shifts images' hue at random while training."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.layers.preprocessing._augment_base import AugmentationLayer, transform_value_range
from pykeras.layers.preprocessing._base import keras_factor


class RandomHue(AugmentationLayer):
    """Randomly adjusts the hue of RGB images while training.

    Each image's hue (in HSV, hue in [0, 1)) is shifted by `±f / 2` with `f`
    drawn uniformly in the factor range and the sign drawn at random; the
    hue wraps around. Active only while training.

    Args:
        factor: a number `f` in [0, 1] (shifts up to `f / 2`) or a pair.
        value_range: the images' value range (default `(0, 255)`).
        data_format: "channels_last" (default) or "channels_first".
        seed: int, makes the draws repeatable.

    Example:

    >>> x = np.random.uniform(0, 255, (2, 4, 4, 3))
    >>> RandomHue(0.2)(x).shape
    (2, 4, 4, 3)
    """

    def __init__(
        self,
        factor: Any,
        value_range: Any = (0, 255),
        data_format: str | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = keras_factor(factor, self.name, bounds=(0, 1))
        self.value_range = self._value_range_arg(value_range, sort=False)

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: Any = None
    ) -> Any:
        batch = self._batch_size(data)
        seed = self._seed(seed)
        invert = ops.where(ops.greater(self._uniform((batch,), 0.0, 1.0, seed), 0.5), -1.0, 1.0)
        factor = self._uniform((batch,), self.factor[0], self.factor[1], seed)
        return {"factor": ops.multiply(ops.multiply(invert, factor), 0.5)}

    def transform_images(
        self, images: Any, transformation: Any = None, training: bool | None = True
    ) -> Any:
        if not training:
            return images
        images = ops.cast(images, "float32")
        self._needs_rgb(images)
        x = transform_value_range(images, self.value_range, (0, 1))
        shift = ops.reshape(ops.cast(transformation["factor"], "float32"), (-1, 1, 1))
        hsv = ops.image.rgb_to_hsv(x, data_format=self.data_format)
        axis = self._channels_axis()
        h, s, v = ops.unstack(hsv, num=3, axis=axis)
        h = ops.add(h, shift)
        h = ops.where(ops.greater(h, 1.0), ops.subtract(h, 1.0), h)
        h = ops.where(ops.less(h, 0.0), ops.add(h, 1.0), h)
        rgb = ops.image.hsv_to_rgb(ops.stack([h, s, v], axis=axis), data_format=self.data_format)
        return transform_value_range(ops.clip(rgb, 0, 1), (0, 1), self.value_range)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {"factor": list(self.factor), "value_range": list(self.value_range), "seed": self.seed}
        )
        return config
