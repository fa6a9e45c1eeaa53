"""RandomColorJitter: random brightness, contrast, saturation and hue in turn."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.layers.preprocessing._augment_base import AugmentationLayer
from pykeras.layers.preprocessing.random_brightness import RandomBrightness
from pykeras.layers.preprocessing.random_contrast import RandomContrast
from pykeras.layers.preprocessing.random_hue import RandomHue
from pykeras.layers.preprocessing.random_saturation import RandomSaturation

_PARTS = ("brightness", "contrast", "saturation", "hue")


class RandomColorJitter(AugmentationLayer):
    """Randomly jitters the brightness, contrast, saturation and hue of images.

    Applies, in this order, `RandomBrightness`, `RandomContrast`,
    `RandomSaturation` and `RandomHue` for each factor that is given (None
    skips that step), each with its own draw from this layer's seed
    generator. As in Keras 3, the inner layers work on channels-last
    images. Active only while training.

    Args:
        value_range: the images' value range (default `(0, 255)`).
        brightness_factor: `RandomBrightness`'s factor, or None.
        contrast_factor: `RandomContrast`'s factor, or None.
        saturation_factor: `RandomSaturation`'s factor, or None.
        hue_factor: `RandomHue`'s factor, or None.
        seed: int, makes the draws repeatable.
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> x = np.random.uniform(0, 255, (2, 4, 4, 3))
    >>> RandomColorJitter(brightness_factor=0.2, hue_factor=0.1)(x).shape
    (2, 4, 4, 3)
    """

    def __init__(
        self,
        value_range: Any = (0, 255),
        brightness_factor: Any = None,
        contrast_factor: Any = None,
        saturation_factor: Any = None,
        hue_factor: Any = None,
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.value_range = self._value_range_arg(value_range, sort=False)
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        makers = {
            "brightness": RandomBrightness,
            "contrast": RandomContrast,
            "saturation": RandomSaturation,
            "hue": RandomHue,
        }
        self._parts = {}
        for part in _PARTS:
            factor = getattr(self, f"{part}_factor")
            if factor is not None:
                self._parts[part] = makers[part](
                    factor=factor, value_range=self.value_range, seed=seed
                )

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: Any = None
    ) -> Any:
        # Each step's draw depends only on the batch size, so all are drawn here.
        images = ops.convert_to_tensor(self._images_of(data))
        seed = self._seed(seed)
        return {
            part: layer.get_random_transformation(images, training=True, seed=seed)
            for part, layer in self._parts.items()
        }

    def transform_images(
        self, images: Any, transformation: Any = None, training: bool | None = True
    ) -> Any:
        images = ops.cast(images, "float32")
        if not training:
            return images
        if transformation is None:
            transformation = self.get_random_transformation(images)
        for part, layer in self._parts.items():
            images = layer.transform_images(images, transformation[part], training=True)
        return images

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "value_range": list(self.value_range),
                "brightness_factor": self.brightness_factor,
                "contrast_factor": self.contrast_factor,
                "saturation_factor": self.saturation_factor,
                "hue_factor": self.hue_factor,
                "seed": self.seed,
            }
        )
        return config
