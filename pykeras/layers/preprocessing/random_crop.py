"""RandomCrop: a random `height x width` window of each batch while training."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras import ops
from pykeras.layers.preprocessing._random_base import BaseRandomLayer
from pykeras.layers.validation import positive_int
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run


class RandomCrop(BaseRandomLayer):
    """A preprocessing layer which randomly crops images during training.

    While training, one window position is drawn per batch (as Keras) and
    every image is cropped there; an image not larger than the target is
    resized to it. At inference the images pass unchanged, as Keras 3 does.

    Args:
        height: int, the crop height.
        width: int, the crop width.
        seed: int, makes the positions repeatable.
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> RandomCrop(4, 4, seed=1)(np.ones((2, 8, 6, 3)), training=True).shape
    (2, 4, 4, 3)
    """

    def __init__(
        self,
        height: int,
        width: int,
        seed: int | None = None,
        data_format: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, name=name, **kwargs)
        self.height = positive_int(height, "height", self.name)
        self.width = positive_int(width, "width", self.name)

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: int | None = None
    ) -> Any:
        shape = C.shape_of(self.name, data)
        self._check_rank(shape)
        h, w = self._image_size(shape)
        if h is None or w is None:
            raise ValueError(
                f"Layer '{self.name}' requires the input to have a fully defined height and "
                f"width. Received: images.shape={shape}"
            )
        if training and h > self.height and w > self.width:
            starts = self._uniform((2,), 0.0, 1.0, seed)
            limits = np.array([h - self.height + 1, w - self.width + 1], np.float32)
            return ops.floor(ops.multiply(starts, limits))
        return None

    def transform_images(
        self, images: Any, transformation: Any, training: bool | None = True
    ) -> Any:
        if not training:
            return images
        shape = C.shape_of(self.name, images)
        ha, wa = self._hw_axes(len(shape))
        h, w = shape[ha], shape[wa]
        if transformation is None:
            return ops.image.resize(images, (self.height, self.width), data_format=self.data_format)
        # The window start is a tensor: select rows and columns with one-hot
        # matrices (products, so the crop traces into a graph and keeps gradients).
        out = images
        for axis, size, target, k in ((ha, h, self.height, 0), (wa, w, self.width, 1)):
            start = run("slice", [transformation], start_indices=[k], shape=[1])
            rows = np.arange(target, dtype=np.float32)[:, None]
            cols = np.arange(size, dtype=np.float32)[None, :]
            pick = ops.cast(ops.equal(ops.add(rows, start), cols), "float32")
            moved = ops.moveaxis(out, axis, -1)
            moved = ops.matmul(moved, ops.transpose(pick))
            out = ops.moveaxis(moved, -1, axis)
        return out

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = list(input_shape)
        self._check_rank(shape)
        ha, wa = self._hw_axes(len(shape))
        shape[ha], shape[wa] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"height": self.height, "width": self.width})
        return config
