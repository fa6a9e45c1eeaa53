"""RandomTranslation: shifts images by random offsets while training."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.layers.preprocessing import _affine
from pykeras.layers.preprocessing._affine_layer import BaseAffineLayer
from pykeras.layers.preprocessing._base import symmetric_factor
from pykeras.ops._dispatch import run


class RandomTranslation(BaseAffineLayer):
    """A preprocessing layer which randomly translates images during training.

    Each image moves by a fraction of its height and width drawn uniformly
    from the factors' ranges; uncovered pixels are filled per `fill_mode`.
    At inference the images pass unchanged.

    Args:
        height_factor: a float `f` (`[-f, f]` of the height) or a pair, in [-1, 1].
        width_factor: the same for the width.
        fill_mode: "reflect" (default), "wrap", "constant" or "nearest".
        interpolation: "bilinear" (default) or "nearest".
        seed: int, makes the shifts repeatable.
        fill_value: the value outside the image with `fill_mode="constant"`.
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> RandomTranslation(0.1, 0.1)(np.ones((2, 8, 8, 3)), training=False).shape
    (2, 8, 8, 3)
    """

    def __init__(
        self,
        height_factor: Any,
        width_factor: Any,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: int | None = None,
        fill_value: float = 0.0,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = symmetric_factor(
            height_factor, "height_factor", self.name
        )
        self.width_factor = width_factor
        self.width_lower, self.width_upper = symmetric_factor(
            width_factor, "width_factor", self.name
        )
        self._affine_args(fill_mode, interpolation, fill_value)

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: int | None = None
    ) -> Any:
        if not training:
            return None
        batch, h, w = self._sizes(data)
        dy = ops.multiply(self._uniform((batch, 1), self.height_lower, self.height_upper, seed), h)
        dx = ops.multiply(self._uniform((batch, 1), self.width_lower, self.width_upper, seed), w)
        return {"translations": ops.concatenate([dx, dy], axis=1)}

    def transform_images(
        self, images: Any, transformation: Any, training: bool | None = True
    ) -> Any:
        if not training or transformation is None:
            return images
        t = transformation["translations"]
        dx, dy = (run("slice", [t], start_indices=[0, i], shape=[-1, 1]) for i in (0, 1))
        h, w = self._image_size(tuple(ops.shape(images)))
        return self._warp(images, _affine.affine_matrix(None, dx, dy, None, None, h, w))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config
