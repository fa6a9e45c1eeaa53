"""RandomPosterization: keeps only the high bits of each value at random."""

from __future__ import annotations

from typing import Any

from pykeras import ops, random
from pykeras.layers.preprocessing._augment_base import AugmentationLayer, transform_value_range
from pykeras.layers.preprocessing._base import keras_factor

_MAX_BITS = 8


class RandomPosterization(AugmentationLayer):
    """Reduces the number of bits for each color channel at random.

    Each image, seen as 8-bit values (in `value_range` mapped to [0, 255]
    and truncated), keeps its `b` highest bits, `b` drawn per image as an
    integer in `[factor[0], factor[1])` (or `factor[0]` when the two meet).
    Active only while training.

    Args:
        factor: a number `f` in [1, 8] (bits in `[1, f)`) or a pair.
        value_range: the images' value range (default `(0, 255)`).
        data_format: "channels_last" (default) or "channels_first".
        seed: int, makes the draws repeatable.

    Example:

    >>> x = np.array([[[[200.0, 77.0, 13.0]]]])
    >>> np.asarray(RandomPosterization((2, 2))(x)).ravel()
    array([192.,  64.,   0.], dtype=float32)
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
        self.factor = tuple(int(f) for f in keras_factor(factor, self.name, bounds=(1, 8)))
        self.value_range = self._value_range_arg(value_range)

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: Any = None
    ) -> Any:
        batch = self._batch_size(data)
        low, high = self.factor
        if low != high:
            bits = random.randint((batch,), low, high, seed=self._seed(seed))
            bits = ops.cast(bits, "float32")
        elif batch is not None:
            bits = ops.full((batch,), float(low))
        else:
            # A zero per image: the batch size is known only at run time.
            zeros = ops.zeros_like(ops.sum(self._images_of(data), axis=(1, 2, 3)))
            bits = ops.add(zeros, float(low))
        return {"shift_factor": ops.subtract(float(_MAX_BITS), bits)}

    def transform_images(
        self, images: Any, transformation: Any = None, training: bool | None = True
    ) -> Any:
        images = ops.cast(images, "float32")
        if not training:
            return images
        shift = ops.reshape(ops.cast(transformation["shift_factor"], "float32"), (-1, 1, 1, 1))
        x = transform_value_range(images, self.value_range, (0, 255))
        # Keras casts to uint8 (truncation) and shifts the bits right then
        # left: for values in [0, 255] that is floor(floor(x) / 2^s) * 2^s.
        x = ops.floor(ops.clip(x, 0.0, 255.0))
        step = ops.power(2.0, shift)
        x = ops.multiply(ops.floor(ops.divide(x, step)), step)
        return transform_value_range(x, (0, 255), self.value_range)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {"factor": list(self.factor), "value_range": list(self.value_range), "seed": self.seed}
        )
        return config
