"""RandomRotation: rotates images by random angles while training."""

from __future__ import annotations

import math
from typing import Any

from pykeras import ops
from pykeras.layers.preprocessing import _affine
from pykeras.layers.preprocessing._affine_layer import BaseAffineLayer
from pykeras.layers.preprocessing._base import keras_factor


class RandomRotation(BaseAffineLayer):
    """A preprocessing layer which randomly rotates images during training.

    Each image turns about its centre by an angle drawn uniformly from
    `factor * 2 pi` (a fraction of a full turn); pixels from outside the
    image are filled per `fill_mode`. At inference the images pass unchanged.

    Args:
        factor: a float `f` (angles in `[-f, f]` turns) or a pair `(low, high)`,
            within [-1, 1].
        fill_mode: "reflect" (default), "wrap", "constant" or "nearest".
        interpolation: "bilinear" (default) or "nearest".
        seed: int, makes the rotations repeatable.
        fill_value: the value outside the image with `fill_mode="constant"`.
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> RandomRotation(0.1)(np.ones((2, 8, 8, 3)), training=False).shape
    (2, 8, 8, 3)
    """

    def __init__(
        self,
        factor: Any,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: int | None = None,
        fill_value: float = 0.0,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = keras_factor(factor, self.name)
        self._affine_args(fill_mode, interpolation, fill_value)

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: int | None = None
    ) -> Any:
        if not training:
            return None
        batch, h, w = self._sizes(data)
        angle = self._uniform((batch,), self.factor[0] * 360.0, self.factor[1] * 360.0, seed)
        radians = ops.reshape(ops.multiply(angle, math.pi / 180.0), (-1, 1))
        matrix = _affine.affine_matrix(radians, None, None, None, None, h, w)
        return {"angle": angle, "rotation_matrix": matrix, "image_height": h, "image_width": w}

    def transform_images(
        self, images: Any, transformation: Any, training: bool | None = True
    ) -> Any:
        if not training or transformation is None:
            return images
        return self._warp(images, transformation["rotation_matrix"])

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["factor"] = list(self.factor)
        return config
