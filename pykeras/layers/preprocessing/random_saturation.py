"""RandomSaturation: scales images' saturation at random while training."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.backend import epsilon
from pykeras.layers.preprocessing._augment_base import AugmentationLayer
from pykeras.layers.preprocessing._base import keras_factor


class RandomSaturation(AugmentationLayer):
    """Randomly adjusts the saturation of RGB images while training.

    A value `u` is drawn uniformly in the factor range per image and the
    saturation (in HSV) is multiplied by `u / (1 - u)`: `u = 0.5` keeps the
    image, `u = 0` makes it gray, `u` near 1 saturates it. As in Keras 3, the
    HSV conversion runs on the images as given and the scaled saturation is
    clipped to `value_range`. Active only while training.

    Args:
        factor: a number `f` (draws in `[-f, f]`) or a pair, within [-1, 1].
        value_range: the images' value range (default `(0, 255)`).
        data_format: "channels_last" (default) or "channels_first".
        seed: int, makes the draws repeatable.

    Example:

    >>> x = np.random.uniform(0, 255, (2, 4, 4, 3))
    >>> RandomSaturation((0.2, 0.8))(x).shape
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
        self.factor = keras_factor(factor, self.name)
        self.value_range = self._value_range_arg(value_range)

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: Any = None
    ) -> Any:
        batch = self._batch_size(data)
        u = self._uniform((batch,), self.factor[0], self.factor[1], self._seed(seed))
        return {"factor": ops.divide(u, ops.add(ops.subtract(1.0, u), epsilon()))}

    def transform_images(
        self, images: Any, transformation: Any = None, training: bool | None = True
    ) -> Any:
        if not training:
            return images
        images = ops.cast(images, "float32")
        self._needs_rgb(images)
        scale = ops.reshape(ops.cast(transformation["factor"], "float32"), (-1, 1, 1))
        hsv = ops.image.rgb_to_hsv(images, data_format=self.data_format)
        axis = self._channels_axis()
        h, s, v = ops.unstack(hsv, num=3, axis=axis)
        s = ops.clip(ops.multiply(s, scale), self.value_range[0], self.value_range[1])
        return ops.image.hsv_to_rgb(ops.stack([h, s, v], axis=axis), data_format=self.data_format)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {"factor": list(self.factor), "value_range": list(self.value_range), "seed": self.seed}
        )
        return config
