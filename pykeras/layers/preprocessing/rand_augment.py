"""RandAugment: applies randomly chosen augmentations while training."""

from __future__ import annotations

from typing import Any

from pykeras import ops, random
from pykeras.errors import InvalidArgumentError
from pykeras.layers.preprocessing import _augment_ops
from pykeras.layers.preprocessing._augment_base import AugmentationLayer
from pykeras.layers.preprocessing._base import keras_factor

_OPS = (
    "random_shear",
    "random_translation",
    "random_rotation",
    "random_brightness",
    "random_color_degeneration",
    "random_contrast",
    "random_sharpness",
    "random_posterization",
    "solarization",
    "auto_contrast",
    "equalization",
)


class RandAugment(AugmentationLayer):
    """RandAugment performs the Rand Augment operation on input images.

    `num_ops` times, one of eleven operations (shear, translation, rotation,
    brightness, colour degeneration, contrast, sharpness, posterization,
    solarization, auto contrast, equalization), drawn at random, is applied
    to the whole batch; each operation's strength comes from `factor`. As
    in Keras 3, each operation draws its parameters once per call (an
    operation drawn twice repeats them), and every candidate is computed so
    the choice can be made inside a compiled step. Active only while
    training.

    Args:
        value_range: the images' value range (default `(0, 255)`).
        num_ops: the number of operations applied (default 2).
        factor: a number `f` in [0, 1] (strengths in `[0, f]`) or a pair (default 0.5).
        interpolation: "bilinear" (default) or "nearest", for the geometric operations.
        seed: int, makes the draws repeatable.
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> x = np.random.uniform(0, 255, (2, 8, 8, 3))
    >>> RandAugment(seed=1)(x).shape
    (2, 8, 8, 3)
    """

    def __init__(
        self,
        value_range: Any = (0, 255),
        num_ops: int = 2,
        factor: Any = 0.5,
        interpolation: str = "bilinear",
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.value_range = self._value_range_arg(value_range, sort=False)
        if not isinstance(num_ops, int) or isinstance(num_ops, bool) or num_ops < 0:
            raise InvalidArgumentError(
                f"Layer '{self.name}': `num_ops` should be a non-negative integer. "
                f"Received: num_ops={num_ops!r}"
            )
        self.num_ops = num_ops
        self.factor = keras_factor(factor, self.name, bounds=(0, 1))
        self.interpolation = interpolation
        for name in _OPS:
            layer = _augment_ops.make(name, self.factor, self.value_range, interpolation, seed,
                                      self.data_format)  # fmt: skip
            setattr(self, name, layer)

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: Any = None
    ) -> Any:
        if not training:
            return None
        images = ops.convert_to_tensor(self._images_of(data))
        generator = self._seed(seed)
        picks = random.randint((self.num_ops,), 0, len(_OPS), seed=generator)
        transforms = {
            name: getattr(self, name).get_random_transformation(
                images, training=True, seed=generator
            )  # fmt: skip
            for name in _OPS
        }
        return {"transforms": transforms, "layer_idxes": picks}

    def transform_images(
        self, images: Any, transformation: Any = None, training: bool | None = True
    ) -> Any:
        images = ops.cast(images, "float32")
        if not training or transformation is None:
            return images
        picks = ops.cast(transformation["layer_idxes"], "int32")
        transforms = transformation["transforms"]
        for i in range(self.num_ops):
            pick = ops.take(picks, i)
            for index, name in enumerate(transforms):
                out = getattr(self, name).transform_images(images, transforms[name])
                images = ops.where(ops.equal(pick, index), out, images)
        return images

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "value_range": list(self.value_range),
                "num_ops": self.num_ops,
                "factor": list(self.factor),
                "interpolation": self.interpolation,
                "seed": self.seed,
            }
        )
        return config
