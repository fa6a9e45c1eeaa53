"""RandomPerspective: moves images' corners at random (a homography)."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras import ops
from pykeras.errors import InvalidArgumentError
from pykeras.layers.preprocessing._base import keras_factor
from pykeras.layers.preprocessing._sample import pixel_grid
from pykeras.layers.preprocessing._warp_base import WarpLayer


def homography(start: Any, end: Any) -> Any:
    """Keras's `compute_homography_matrix`: the `(N, 8)` projective
    transforms taking each of `end`'s four points `(N, 4, 2)` to `start`'s."""
    sx, sy = ops.take(start, 0, axis=-1), ops.take(start, 1, axis=-1)
    ex, ey = ops.take(end, 0, axis=-1), ops.take(end, 1, axis=-1)
    zeros, ones = ops.zeros_like(ex), ops.ones_like(ex)
    neg_sx, neg_sy = ops.negative(sx), ops.negative(sy)
    x_rows = ops.stack([ex, ey, ones, zeros, zeros, zeros,
                        ops.multiply(neg_sx, ex), ops.multiply(neg_sx, ey)], axis=-1)  # fmt: skip
    y_rows = ops.stack([zeros, zeros, zeros, ex, ey, ones,
                        ops.multiply(neg_sy, ex), ops.multiply(neg_sy, ey)], axis=-1)  # fmt: skip
    coefficients = ops.concatenate([x_rows, y_rows], axis=1)
    target = ops.expand_dims(ops.concatenate([sx, sy], axis=-1), -1)
    return ops.squeeze(ops.linalg.solve(coefficients, target), -1)


class RandomPerspective(WarpLayer):
    """A preprocessing layer that applies random perspective transformations.

    Each image's four corners move by up to `scale / 2` of the image size
    (a draw per coordinate), and the image is warped by the homography
    taking them there; pixels from outside are `fill_value`. Each image is
    transformed with a probability drawn in the factor range. Active only
    while training.

    Args:
        factor: a number `f` in [0, 1] (probabilities in `[0, f]`) or a pair.
        scale: the largest corner displacement, in [0, 1] (default 1.0).
        interpolation: "bilinear" (default) or "nearest".
        fill_value: the value of pixels from outside the image.
        seed: int, makes the draws repeatable.
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> x = np.random.uniform(0, 255, (2, 8, 8, 3))
    >>> RandomPerspective(scale=0.3)(x).shape
    (2, 8, 8, 3)
    """

    def __init__(
        self,
        factor: Any = 1.0,
        scale: float = 1.0,
        interpolation: str = "bilinear",
        fill_value: float = 0.0,
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = keras_factor(factor, self.name, bounds=(0, 1))
        if not isinstance(scale, (int, float)) or isinstance(scale, bool) or not 0 <= scale <= 1:
            raise InvalidArgumentError(
                f"Layer '{self.name}': the `scale` argument should be a number in the range "
                f"[0,1]. Received: scale={scale!r}"
            )
        self.scale = scale
        self._warp_args(interpolation, "constant", fill_value)

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: Any = None
    ) -> Any:
        if not training:
            return None
        batch = self._batch_size(data)
        h, w = self._sizes(data)
        seed = self._seed(seed)
        probability = self._uniform((batch,), self.factor[0], self.factor[1], seed)
        threshold = self._uniform((batch,), 0.0, 1.0, seed)
        half = 0.5 * self.scale
        factor = self._uniform((batch, 4, 2), -half, half, seed)
        corners = np.array([[[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]]], np.float32)
        start = ops.add(corners, ops.zeros_like(factor))
        return {
            "apply_perspective": ops.less(threshold, probability),
            "start_points": start,
            "end_points": ops.add(start, ops.multiply(start, factor)),
            "input_shape": tuple(ops.shape(self._images_of(data))),
        }

    def _transform(self, images: Any, transformation: Any, interpolation: str) -> Any:
        h, w = self._sizes(images)
        start = ops.cast(transformation["start_points"], "float32")
        end = ops.cast(transformation["end_points"], "float32")
        t = homography(start, end)
        a0, a1, a2, b0, b1, b2, c0, c1 = (
            ops.reshape(ops.take(t, i, axis=1), (-1, 1, 1)) for i in range(8)
        )
        gx, gy = pixel_grid(h, w)
        denominator = ops.add(ops.add(ops.multiply(c0, gx), ops.multiply(c1, gy)), 1.0)
        xs = ops.add(ops.add(ops.multiply(a0, gx), ops.multiply(a1, gy)), a2)
        ys = ops.add(ops.add(ops.multiply(b0, gx), ops.multiply(b1, gy)), b2)
        xs, ys = ops.divide(xs, denominator), ops.divide(ys, denominator)
        warped = self._sample(images, xs, ys, interpolation)
        apply = ops.reshape(transformation["apply_perspective"], (-1, 1, 1, 1))
        return ops.where(apply, warped, ops.cast(images, "float32"))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"factor": list(self.factor), "scale": self.scale, "seed": self.seed})
        return config
