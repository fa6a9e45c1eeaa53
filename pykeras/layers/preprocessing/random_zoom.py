"""RandomZoom: zooms images in or out by random factors while training."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.layers.preprocessing import _affine
from pykeras.layers.preprocessing._affine_layer import BaseAffineLayer
from pykeras.layers.preprocessing._base import symmetric_factor


class RandomZoom(BaseAffineLayer):
    """A preprocessing layer which randomly zooms images during training.

    Each image is scaled about its centre: a factor `f` drawn in
    `[lower, upper]` samples `1 + f` times the image's extent, so a
    positive `f` zooms out and a negative one zooms in, as in Keras. At
    inference the images pass unchanged.

    Args:
        height_factor: a float `f` (`[-f, f]`) or a pair `(lower, upper)`, in (-1, 1].
        width_factor: the same for the width; None (default) keeps the
            aspect ratio (the height's draw is used).
        fill_mode: "reflect" (default), "wrap", "constant" or "nearest".
        interpolation: "bilinear" (default) or "nearest".
        seed: int, makes the zooms repeatable.
        fill_value: the value outside the image with `fill_mode="constant"`.
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> RandomZoom(0.2)(np.ones((2, 8, 8, 3)), training=False).shape
    (2, 8, 8, 3)
    """

    def __init__(
        self,
        height_factor: Any,
        width_factor: Any = None,
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
            height_factor, "height_factor", self.name, low_open=True
        )
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = symmetric_factor(
                width_factor, "width_factor", self.name, low_open=True
            )
        self._affine_args(fill_mode, interpolation, fill_value)

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: int | None = None
    ) -> Any:
        if not training:
            return None
        batch, h, w = self._sizes(data)
        height_zoom = self._uniform(
            (batch, 1), 1.0 + self.height_lower, 1.0 + self.height_upper, seed
        )
        width_zoom = height_zoom
        if self.width_factor is not None:
            width_zoom = self._uniform(
                (batch, 1), 1.0 + self.width_lower, 1.0 + self.width_upper, seed
            )
        return {"height_zoom": height_zoom, "width_zoom": width_zoom, "size": (h, w)}

    def transform_images(
        self, images: Any, transformation: Any, training: bool | None = True
    ) -> Any:
        if not training or transformation is None:
            return images
        h, w = self._image_size(tuple(ops.shape(images)))
        matrix = _affine.affine_matrix(
            None, None, None, transformation["width_zoom"], transformation["height_zoom"], h, w
        )
        return self._warp(images, matrix)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config
