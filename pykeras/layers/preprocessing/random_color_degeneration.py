"""RandomColorDegeneration: blends images with their grayscale at random."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.layers.preprocessing._augment_base import AugmentationLayer
from pykeras.layers.preprocessing._base import keras_factor


class RandomColorDegeneration(AugmentationLayer):
    """Randomly performs the color degeneration operation on given images.

    Each image becomes `image + f * (gray - image)`, `gray` its grayscale
    version and `f` drawn uniformly in the factor range (`f = 1` is fully
    gray), then is clipped to `value_range`. Active only while training.

    Args:
        factor: a number `f` (draws in `[-f, f]`) or a pair, within [-1, 1].
        value_range: the images' value range (default `(0, 255)`).
        data_format: "channels_last" (default) or "channels_first".
        seed: int, makes the draws repeatable.

    Example:

    >>> x = np.random.uniform(0, 255, (2, 4, 4, 3))
    >>> RandomColorDegeneration(0.5)(x).shape
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
        shape = (batch, 1, 1, 1)
        return {"factor": self._uniform(shape, self.factor[0], self.factor[1], self._seed(seed))}

    def transform_images(
        self, images: Any, transformation: Any = None, training: bool | None = True
    ) -> Any:
        if not training:
            return images
        images = ops.cast(images, "float32")
        self._needs_rgb(images)
        factor = ops.cast(transformation["factor"], "float32")
        gray = ops.image.rgb_to_grayscale(images, data_format=self.data_format)
        out = ops.add(images, ops.multiply(factor, ops.subtract(gray, images)))
        return ops.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {"factor": list(self.factor), "value_range": list(self.value_range), "seed": self.seed}
        )
        return config
