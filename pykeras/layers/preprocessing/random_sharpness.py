"""RandomSharpness: sharpens or blurs images at random while training."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras import ops
from pykeras.errors import InvalidArgumentError
from pykeras.layers.preprocessing._augment_base import AugmentationLayer
from pykeras.layers.preprocessing._base import keras_factor

# PIL's SMOOTH filter, as Keras's layer uses it.
_A, _B = 1.0 / 13.0, 5.0 / 13.0
_SMOOTH = np.array([[_A, _A, _A], [_A, _B, _A], [_A, _A, _A]], np.float32)


class RandomSharpness(AugmentationLayer):
    """Randomly performs the sharpness operation on given images.

    Each image is blended with a smoothed copy (a 3x3 filter, zero padded):
    `image + (1 - 2 f) * (smooth - image)`, `f` drawn uniformly in the
    factor range, so `f = 0.5` keeps the image, smaller `f` blurs and larger
    `f` sharpens; the result is clipped to `value_range`. Active only while
    training.

    Args:
        factor: a number `f` in [0, 1] (draws in `[0, f]`) or a pair.
        value_range: the images' value range (default `(0, 255)`).
        data_format: "channels_last" (default) or "channels_first".
        seed: int, makes the draws repeatable.

    Example:

    >>> x = np.random.uniform(0, 255, (2, 4, 4, 3))
    >>> RandomSharpness(0.5)(x).shape
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
        self.value_range = self._value_range_arg(value_range)

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: Any = None
    ) -> Any:
        batch = self._batch_size(data)
        return {"factor": self._uniform((batch,), self.factor[0], self.factor[1], self._seed(seed))}

    def transform_images(
        self, images: Any, transformation: Any = None, training: bool | None = True
    ) -> Any:
        images = ops.cast(images, "float32")
        if not training:
            return images
        x, restore = self._channels_last_batch(images)
        channels = ops.shape(x)[-1]
        if channels is None:
            raise InvalidArgumentError(
                f"Layer '{self.name}' needs a known number of channels. "
                f"Received: images of shape {tuple(ops.shape(images))}"
            )
        factor = ops.reshape(ops.multiply(ops.cast(transformation["factor"], "float32"), 2.0),
                             (-1, 1, 1, 1))  # fmt: skip
        kernel = np.tile(_SMOOTH.reshape(3, 3, 1, 1), (1, 1, channels, 1))
        smooth = ops.depthwise_conv(x, kernel, strides=1, padding="same")
        out = ops.add(x, ops.multiply(ops.subtract(1.0, factor), ops.subtract(smooth, x)))
        return restore(ops.clip(out, self.value_range[0], self.value_range[1]))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {"factor": list(self.factor), "value_range": list(self.value_range), "seed": self.seed}
        )
        return config
