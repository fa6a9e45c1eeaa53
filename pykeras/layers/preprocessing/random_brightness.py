"""RandomBrightness: adds a random offset to each image while training."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.layers.preprocessing._base import keras_factor
from pykeras.layers.preprocessing._random_base import BaseRandomLayer


class RandomBrightness(BaseRandomLayer):
    """A preprocessing layer which randomly adjusts brightness during training.

    Each image gets `delta * (value_range[1] - value_range[0])` added, with
    `delta` drawn uniformly from the factor's range, and is clipped to
    `value_range`. At inference the images pass unchanged.

    Args:
        factor: a float `f` in [0, 1] (`delta` in `[-f, f]`) or a pair in [-1, 1].
        value_range: the images' value range (default `(0, 255)`).
        seed: int, makes the draws repeatable.

    Example:

    >>> RandomBrightness(0.2)(np.ones((2, 4, 4, 3)), training=False).shape
    (2, 4, 4, 3)
    """

    def __init__(
        self, factor: Any, value_range: Any = (0, 255), seed: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(seed=seed, **kwargs)
        self.factor = keras_factor(factor, self.name)
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError(
                f"Layer '{self.name}': the `value_range` argument should be a list of two "
                f"numbers. Received: value_range={value_range!r}"
            )
        self.value_range = tuple(sorted(value_range))

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: int | None = None
    ) -> Any:
        shape = ops.shape(data)
        delta_shape = (shape[0], 1, 1, 1) if len(shape) == 4 else (1, 1, 1)
        if not training:
            return {"rgb_delta": ops.zeros(delta_shape)}
        delta = self._uniform(delta_shape, self.factor[0], self.factor[1], seed)
        span = self.value_range[1] - self.value_range[0]
        return {"rgb_delta": ops.multiply(delta, float(span))}

    def transform_images(
        self, images: Any, transformation: Any, training: bool | None = True
    ) -> Any:
        if not training:
            return images
        out = ops.add(images, transformation["rgb_delta"])
        return ops.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("data_format", None)
        config.update({"factor": list(self.factor), "value_range": list(self.value_range)})
        return config
