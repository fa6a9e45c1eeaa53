"""RandomGaussianBlur: blurs images with a Gaussian filter at random."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras import ops
from pykeras.errors import InvalidArgumentError
from pykeras.layers.preprocessing._augment_base import AugmentationLayer, unit_factor
from pykeras.layers.preprocessing._base import keras_factor


class RandomGaussianBlur(AugmentationLayer):
    """Applies random Gaussian blur to images for data augmentation.

    Each image is blurred with probability drawn in the factor range; the
    two standard deviations (along x and y, shared by the batch) are drawn
    uniformly in the `sigma` range. The filter is `kernel_size` wide (x,
    then y for a pair), zero padded so the size is kept; the result is
    clipped to `value_range`. Active only while training.

    Args:
        factor: a number `f` in [0, 1] (blur probabilities in `[0, f]`) or a pair.
        kernel_size: an odd integer, or a pair of odd integers (x, y).
        sigma: a number `s` in [0, 1] (sigmas in `[0, s]`) or a pair.
        value_range: the images' value range (default `(0, 255)`).
        data_format: "channels_last" (default) or "channels_first".
        seed: int, makes the draws repeatable.

    Example:

    >>> x = np.random.uniform(0, 255, (2, 8, 8, 3))
    >>> RandomGaussianBlur(kernel_size=3, sigma=0.8)(x).shape
    (2, 8, 8, 3)
    """

    def __init__(
        self,
        factor: Any = 1.0,
        kernel_size: Any = 3,
        sigma: Any = 1.0,
        value_range: Any = (0, 255),
        data_format: str | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = keras_factor(factor, self.name, bounds=(0, 1))
        self.kernel_size = self._kernel_size(kernel_size)
        self.sigma = unit_factor(sigma, "sigma", self.name)
        self.value_range = self._value_range_arg(value_range, sort=False)

    def _kernel_size(self, value: Any) -> Any:
        sizes = list(value) if isinstance(value, (tuple, list)) else [value, value]
        if len(sizes) != 2 or not all(
            isinstance(s, int) and not isinstance(s, bool) and s > 0 and s % 2 == 1 for s in sizes
        ):
            raise InvalidArgumentError(
                f"Layer '{self.name}': `kernel_size` must be an odd number (or a list of two "
                f"odd numbers). Received: kernel_size={value!r}"
            )
        return tuple(sizes)

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: Any = None
    ) -> Any:
        if not training:
            return None
        batch = self._batch_size(data)
        seed = self._seed(seed)
        probability = self._uniform((batch,), self.factor[0], self.factor[1], seed)
        threshold = self._uniform((batch,), 0.0, 1.0, seed)
        sigmas = ops.add(self._uniform((2,), self.sigma[0], self.sigma[1], seed), 1e-6)
        return {"should_apply_blur": ops.less(threshold, probability), "blur_factor": sigmas}

    def _taps(self, size: int, sigma: Any) -> Any:
        x = np.arange(size, dtype=np.float32) - np.float32((size - 1) / 2)
        taps = ops.exp(ops.multiply(-0.5, ops.square(ops.divide(x, sigma))))
        return ops.divide(taps, ops.sum(taps))

    def transform_images(
        self, images: Any, transformation: Any = None, training: bool | None = True
    ) -> Any:
        images = ops.cast(images, "float32")
        if not training or transformation is None:
            return images
        x, restore = self._channels_last_batch(images)
        channels = ops.shape(x)[-1]
        if channels is None:
            raise InvalidArgumentError(
                f"Layer '{self.name}' needs a known number of channels. "
                f"Received: images of shape {tuple(ops.shape(images))}"
            )
        sigma = ops.cast(transformation["blur_factor"], "float32")
        size_x, size_y = self.kernel_size
        taps_x = self._taps(size_x, ops.take(sigma, 0))
        taps_y = self._taps(size_y, ops.take(sigma, 1))
        kernel = ops.multiply(ops.reshape(taps_y, (-1, 1)), ops.reshape(taps_x, (1, -1)))
        kernel = ops.reshape(kernel, (size_y, size_x, 1, 1))
        kernel = ops.concatenate([kernel] * channels, axis=2)
        blurred = restore(ops.depthwise_conv(x, kernel, strides=1, padding="same"))
        apply = ops.reshape(transformation["should_apply_blur"], (-1, 1, 1, 1))
        out = ops.where(apply, blurred, images)
        return ops.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "factor": list(self.factor),
                "kernel_size": list(self.kernel_size),
                "sigma": list(self.sigma),
                "value_range": list(self.value_range),
                "seed": self.seed,
            }
        )
        return config
