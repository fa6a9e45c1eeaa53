"""RandomContrast: scales each image's deviation from its mean at random while training."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.layers.preprocessing._base import keras_factor
from pykeras.layers.preprocessing._random_base import BaseRandomLayer


class RandomContrast(BaseRandomLayer):
    """A preprocessing layer which randomly adjusts contrast during training.

    Each image (per channel) becomes `(x - mean) * c + mean`, with `mean`
    over its pixels and `c` drawn uniformly in `[1 - lower, 1 + upper]` of
    Keras's factor pair, then clipped to `value_range`. At inference the
    images pass unchanged.

    Args:
        factor: a float in [0, 1] or a pair (Keras 3 maps a float `f` to
            `(0, f)`, so contrast factors in `[1, 1 + f]`).
        value_range: the images' value range (default `(0, 255)`).
        seed: int, makes the draws repeatable.

    Example:

    >>> RandomContrast(0.5)(np.ones((2, 4, 4, 3)), training=False).shape
    (2, 4, 4, 3)
    """

    def __init__(
        self, factor: Any, value_range: Any = (0, 255), seed: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(seed=seed, **kwargs)
        self.factor = keras_factor(factor, self.name, bounds=(0.0, 1.0))
        self.value_range = tuple(value_range)

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: int | None = None
    ) -> Any:
        shape = ops.shape(data)
        factor_shape = (shape[0], 1, 1, 1) if len(shape) == 4 else (1, 1, 1)
        if not training:
            return {"contrast_factor": ops.zeros(factor_shape)}
        low, high = 1.0 - self.factor[0], 1.0 + self.factor[1]
        return {"contrast_factor": self._uniform(factor_shape, low, high, seed)}

    def transform_images(
        self, images: Any, transformation: Any, training: bool | None = True
    ) -> Any:
        if not training:
            return images
        ha, wa = self._hw_axes(len(ops.shape(images)))
        mean = ops.mean(ops.mean(images, axis=ha, keepdims=True), axis=wa, keepdims=True)
        factor = transformation["contrast_factor"]
        if self.data_format == "channels_first" or len(ops.shape(images)) == 3:
            factor = ops.reshape(factor, (-1,) + (1,) * (len(ops.shape(images)) - 1))
        out = ops.add(ops.multiply(ops.subtract(images, mean), factor), mean)
        return ops.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("data_format", None)
        config.update({"factor": list(self.factor), "value_range": list(self.value_range)})
        return config
