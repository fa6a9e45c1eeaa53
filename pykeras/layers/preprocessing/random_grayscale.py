"""RandomGrayscale: turns images to grayscale at random while training."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.errors import InvalidArgumentError
from pykeras.layers.preprocessing._augment_base import AugmentationLayer


class RandomGrayscale(AugmentationLayer):
    """Preprocessing layer for random conversion of RGB images to grayscale.

    Each image is replaced, with probability `factor`, by its grayscale
    version (luma `0.2989 R + 0.587 G + 0.114 B`) repeated over the three
    channels, so the shape is kept. Active only while training.

    Args:
        factor: the probability of converting an image, in [0, 1] (default 0.5).
        data_format: "channels_last" (default) or "channels_first".
        seed: int, makes the draws repeatable.

    Example:

    >>> x = np.random.uniform(0, 255, (2, 4, 4, 3))
    >>> out = np.asarray(RandomGrayscale(factor=1.0)(x))
    >>> bool(np.allclose(out[..., 0], out[..., 2]))
    True
    """

    def __init__(
        self,
        factor: float = 0.5,
        data_format: str | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        if not isinstance(factor, (int, float)) or isinstance(factor, bool) or not 0 <= factor <= 1:
            raise InvalidArgumentError(
                f"Layer '{self.name}': `factor` should be between 0 and 1. "
                f"Received: factor={factor!r}"
            )
        self.factor = factor

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: Any = None
    ) -> Any:
        batch = self._batch_size(data)
        draws = self._uniform((batch,), 0.0, 1.0, self._seed(seed))
        return ops.reshape(ops.less(draws, float(self.factor)), (-1, 1, 1, 1))

    def transform_images(
        self, images: Any, transformation: Any, training: bool | None = True
    ) -> Any:
        if not training:
            return images
        images = ops.cast(images, "float32")
        self._needs_rgb(images)
        if transformation is None:
            transformation = self.get_random_transformation(images)
        gray = ops.image.rgb_to_grayscale(images, data_format=self.data_format)
        # Keras's where broadcasts the one gray channel over the three.
        gray = ops.concatenate([gray, gray, gray], axis=self._channels_axis())
        return ops.where(transformation, gray, images)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["factor"] = self.factor
        return config
