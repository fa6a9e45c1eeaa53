"""RandomElasticTransform: displaces pixels by smoothed random noise."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras import ops, random
from pykeras.layers.preprocessing._augment_base import unit_factor
from pykeras.layers.preprocessing._base import keras_factor
from pykeras.layers.preprocessing._sample import pixel_grid
from pykeras.layers.preprocessing._warp_base import WarpLayer

_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


class RandomElasticTransform(WarpLayer):
    """A preprocessing layer that applies random elastic transformations.

    A distortion `d` is drawn in the `scale` range per call; with
    `sigma = 0.05 d min(H, W)` and `alpha = 0.1 d max(H, W)`, a Gaussian
    noise field (scaled by `sigma`) is smoothed by a Gaussian filter of
    width `int(6 sigma) | 1` and each pixel samples the input displaced by
    `alpha` times it. As in Keras 3 on JAX, one noise field serves both
    axes (the displacement runs along the diagonal). Each image is
    transformed with a probability drawn in the factor range, and the
    result is clipped to `value_range`. Active only while training.

    Args:
        factor: a number `f` in [0, 1] (probabilities in `[0, f]`) or a pair.
        scale: a number `s` in [0, 1] (distortions in `[0, s]`) or a pair.
        interpolation: "bilinear" (default) or "nearest".
        fill_mode: "reflect" (default), "mirror", "wrap", "constant" or "nearest".
        fill_value: the value outside the image with `fill_mode="constant"`.
        value_range: the images' value range (default `(0, 255)`).
        seed: int, makes the draws repeatable.
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> x = np.random.uniform(0, 255, (2, 16, 16, 3))
    >>> RandomElasticTransform(scale=0.5)(x).shape
    (2, 16, 16, 3)
    """

    def __init__(
        self,
        factor: Any = 1.0,
        scale: Any = 1.0,
        interpolation: str = "bilinear",
        fill_mode: str = "reflect",
        fill_value: float = 0.0,
        value_range: Any = (0, 255),
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = keras_factor(factor, self.name, bounds=(0, 1))
        self.scale = unit_factor(scale, "scale", self.name)
        self._warp_args(interpolation, fill_mode, fill_value, fill_modes=_FILL_MODES)
        self.value_range = self._value_range_arg(value_range, sort=False)

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: Any = None
    ) -> Any:
        if not training or self.scale[1] == 0 or self.factor[1] == 0:
            return None
        batch = self._batch_size(data)
        h, w = self._sizes(data)
        seed = self._seed(seed)
        probability = self._uniform((batch,), self.factor[0], self.factor[1], seed)
        threshold = self._uniform((batch,), 0.0, 1.0, seed)
        distortion = self._uniform((), self.scale[0], self.scale[1], seed)
        return {
            "apply_transform": ops.less(threshold, probability),
            "distortion_factor": distortion,
            "noise": random.normal((batch, h, w), seed=seed),
        }

    def _smooth(self, field: Any, sigma: Any) -> Any:
        """`field` `(N, H, W)` filtered by Keras's Gaussian of `sigma` (a
        tensor): the widest filter the scale allows, with the taps beyond
        Keras's `int(6 sigma) | 1` zeroed (zero padding, so the same sums)."""
        h, w = ops.shape(field)[1:]
        widest = int(6 * 0.05 * min(h, w) * self.scale[1]) | 1
        offsets = np.arange(widest, dtype=np.float32) - np.float32((widest - 1) / 2)
        half = ops.floor(ops.divide(ops.floor(ops.multiply(sigma, 6.0)), 2.0))
        kept = ops.less_equal(np.abs(offsets), half)
        safe = ops.maximum(sigma, 1e-12)
        taps = ops.exp(ops.multiply(-0.5, ops.square(ops.divide(offsets, safe))))
        taps = ops.where(kept, taps, 0.0)
        taps = ops.divide(taps, ops.sum(taps))
        kernel = ops.reshape(ops.multiply(ops.reshape(taps, (-1, 1)), ops.reshape(taps, (1, -1))),
                             (widest, widest, 1, 1))  # fmt: skip
        out = ops.depthwise_conv(ops.expand_dims(field, -1), kernel, strides=1, padding="same")
        return ops.squeeze(out, -1)

    def _transform(self, images: Any, transformation: Any, interpolation: str) -> Any:
        h, w = self._sizes(images)
        distortion = ops.cast(transformation["distortion_factor"], "float32")
        alpha = ops.multiply(float(max(h, w)) * 0.1, distortion)
        sigma = ops.multiply(float(min(h, w)) * 0.05, distortion)
        noise = ops.multiply(ops.cast(transformation["noise"], "float32"), sigma)
        shift = ops.multiply(alpha, self._smooth(noise, sigma))
        gx, gy = pixel_grid(h, w)
        warped = self._sample(images, ops.add(gx, shift), ops.add(gy, shift), interpolation)
        apply = ops.reshape(transformation["apply_transform"], (-1, 1, 1, 1))
        out = ops.where(apply, warped, ops.cast(images, "float32"))
        return ops.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "factor": list(self.factor),
                "scale": list(self.scale),
                "fill_mode": self.fill_mode,
                "value_range": list(self.value_range),
                "seed": self.seed,
            }
        )
        return config
