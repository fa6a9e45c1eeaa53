"""RandomInvert: inverts images' values at random while training."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.layers.preprocessing._augment_base import AugmentationLayer
from pykeras.layers.preprocessing._base import keras_factor


class RandomInvert(AugmentationLayer):
    """Preprocessing layer for random inversion of image colors.

    Each image becomes `value_range[1] - image` with a probability drawn
    uniformly in the `factor` range (so `factor=1.0`, the default, inverts
    with a probability in `[0, 1]`, and `factor=(1, 1)` always inverts).
    Active only while training.

    Args:
        factor: a number `f` in [0, 1] (probabilities in `[0, f]`) or a pair.
        value_range: the images' value range (default `(0, 255)`).
        seed: int, makes the draws repeatable.
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> x = np.full((1, 2, 2, 3), 5.0)
    >>> float(np.asarray(RandomInvert(factor=(1.0, 1.0))(x)).max())
    250.0
    """

    def __init__(
        self,
        factor: Any = 1.0,
        value_range: Any = (0, 255),
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = keras_factor(factor, self.name, bounds=(0, 1))
        self.value_range = self._value_range_arg(value_range, sort=False)

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: Any = None
    ) -> Any:
        if not training:
            return None
        batch = self._batch_size(data)
        seed = self._seed(seed)
        probability = self._uniform((batch,), self.factor[0], self.factor[1], seed)
        threshold = self._uniform((batch,), 0.0, 1.0, seed)
        return {"apply_inversion": ops.less(threshold, probability)}

    def transform_images(
        self, images: Any, transformation: Any, training: bool | None = True
    ) -> Any:
        if not training:
            return images
        images = ops.cast(images, "float32")
        apply = ops.reshape(transformation["apply_inversion"], (-1, 1, 1, 1))
        return ops.where(apply, ops.subtract(float(self.value_range[1]), images), images)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {"factor": list(self.factor), "value_range": list(self.value_range), "seed": self.seed}
        )
        return config
