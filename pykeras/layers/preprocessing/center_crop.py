"""CenterCrop: the central `height x width` window of each image."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.layers.preprocessing._base import BaseImageLayer
from pykeras.layers.validation import positive_int
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run


class CenterCrop(BaseImageLayer):
    """A preprocessing layer which crops images.

    Returns the central `height x width` window of each image. An image
    smaller than the target is instead cropped to the target's aspect ratio
    and resized (Keras's `smart_resize`).

    Args:
        height: int, the output height.
        width: int, the output width.
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> CenterCrop(2, 2)(np.ones((1, 4, 5, 3))).shape
    (1, 2, 2, 3)
    """

    def __init__(
        self, height: int, width: int, data_format: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.height = positive_int(height, "height", self.name)
        self.width = positive_int(width, "width", self.name)

    def call(self, inputs: Any) -> Any:
        shape = C.shape_of(self.name, inputs)
        self._check_rank(shape)
        h, w = self._image_size(shape)
        if h is None or w is None:
            raise ValueError(
                f"Layer '{self.name}' needs known image sizes. Received: inputs.shape={shape}"
            )
        if h >= self.height and w >= self.width:
            ha, wa = self._hw_axes(len(shape))
            starts = [0] * len(shape)
            sizes = [-1] * len(shape)
            starts[ha], starts[wa] = (h - self.height) // 2, (w - self.width) // 2
            sizes[ha], sizes[wa] = self.height, self.width
            return run("slice", [inputs], start_indices=starts, shape=sizes)
        return ops.image.resize(
            inputs,
            (self.height, self.width),
            crop_to_aspect_ratio=True,
            data_format=self.data_format,
        )

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
