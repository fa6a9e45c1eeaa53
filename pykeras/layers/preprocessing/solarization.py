"""Solarization: inverts the pixels above a threshold, after adding a value."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.errors import InvalidArgumentError
from pykeras.layers.preprocessing._augment_base import AugmentationLayer, transform_value_range


class Solarization(AugmentationLayer):
    """Applies `(max_value - pixel + min_value)` for each pixel above a threshold.

    Each image (in `value_range`, seen as `[0, 255]`) gets an addition drawn
    from `addition_factor`, is clipped to `[0, 255]`, and every value at or
    above a threshold drawn from `threshold_factor` becomes `255 - value`.
    As in Keras 3, a factor `f` gives draws in `[0, 255 f]` and a pair
    `(a, b)` draws in `[a, 255 b]` (its low end unscaled). Active only while
    training.

    Args:
        addition_factor: a number in [0, 1] or a pair (default 0: no addition).
        threshold_factor: a number in [0, 1] or a pair (default 0: threshold 0,
            so every pixel is inverted).
        value_range: the images' value range (default `(0, 255)`).
        seed: int, makes the draws repeatable.

    Example:

    >>> x = np.array([[[[0.0], [100.0]]]])
    >>> np.asarray(Solarization()(x)).ravel()
    array([255., 155.], dtype=float32)
    """

    def __init__(
        self,
        addition_factor: Any = 0.0,
        threshold_factor: Any = 0.0,
        value_range: Any = (0, 255),
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(seed=seed, **kwargs)
        self.addition_factor = self._factor(addition_factor, "addition_factor")
        self.threshold_factor = self._factor(threshold_factor, "threshold_factor")
        self.value_range = self._value_range_arg(value_range)

    def _factor(self, value: Any, name: str) -> Any:
        message = (
            f"Layer '{self.name}': the `addition_factor` and `threshold_factor` arguments "
            f"should be a number (or a list of two numbers) in the range [0, 1]. "
            f"Received: {name}={value!r}"
        )
        numbers = list(value) if isinstance(value, (tuple, list)) else [value]
        if isinstance(value, (tuple, list)) and len(value) != 2:
            raise InvalidArgumentError(message)
        for v in numbers:
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not 0 <= v <= 1:
                raise InvalidArgumentError(message)
        if isinstance(value, (tuple, list)):
            return tuple(sorted(value))
        return (0, value)

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: Any = None
    ) -> Any:
        if not training:
            return None
        batch = self._batch_size(data)
        shape = (batch, 1, 1, 1) if len(ops.shape(self._images_of(data))) == 4 else (1, 1, 1)
        seed = self._seed(seed)
        add, thr = self.addition_factor, self.threshold_factor
        return {
            "additions": self._uniform(shape, add[0], add[1] * 255, seed),
            "thresholds": self._uniform(shape, thr[0], thr[1] * 255, seed),
        }

    def transform_images(
        self, images: Any, transformation: Any, training: bool | None = True
    ) -> Any:
        images = ops.cast(images, "float32")
        if not training or transformation is None:
            return images
        x = transform_value_range(images, self.value_range, (0, 255))
        x = ops.clip(ops.add(x, transformation["additions"]), 0, 255)
        x = ops.where(ops.less(x, transformation["thresholds"]), x, ops.subtract(255.0, x))
        return transform_value_range(x, (0, 255), self.value_range)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "value_range": list(self.value_range),
                "addition_factor": list(self.addition_factor),
                "threshold_factor": list(self.threshold_factor),
                "seed": self.seed,
            }
        )
        return config
