"""Resizing: resizes images to a fixed height and width."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.layers.preprocessing._base import BaseImageLayer
from pykeras.layers.validation import positive_int


class Resizing(BaseImageLayer):
    """A preprocessing layer which resizes images.

    Resizes a batch of images (or a single image) to `(height, width)` with
    `ops.image.resize`, optionally cropping or padding to the target's aspect
    ratio first, as Keras.

    Args:
        height: int, the output height.
        width: int, the output width.
        interpolation: "bilinear" (default), "nearest", "bicubic",
            "lanczos3", "lanczos5" or "area".
        crop_to_aspect_ratio: crop the largest centred window of the
            target's aspect ratio first (no distortion).
        pad_to_aspect_ratio: pad with `fill_value` to the target's aspect
            ratio first (no distortion).
        fill_mode: "constant" only, for the padding.
        fill_value: the padding value.
        antialias: filter when downsampling.
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> Resizing(4, 6)(np.ones((1, 8, 12, 3))).shape
    (1, 4, 6, 3)
    """

    def __init__(
        self,
        height: int,
        width: int,
        interpolation: str = "bilinear",
        crop_to_aspect_ratio: bool = False,
        pad_to_aspect_ratio: bool = False,
        fill_mode: str = "constant",
        fill_value: float = 0.0,
        antialias: bool = False,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.height = positive_int(height, "height", self.name)
        self.width = positive_int(width, "width", self.name)
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(
                f"Layer '{self.name}': only one of `crop_to_aspect_ratio` and "
                "`pad_to_aspect_ratio` can be True."
            )
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def call(self, inputs: Any) -> Any:
        self._check_rank(ops.shape(inputs))
        return ops.image.resize(
            inputs,
            (self.height, self.width),
            interpolation=self.interpolation,
            antialias=self.antialias,
            crop_to_aspect_ratio=self.crop_to_aspect_ratio,
            pad_to_aspect_ratio=self.pad_to_aspect_ratio,
            fill_mode=self.fill_mode,
            fill_value=self.fill_value,
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
        config.update(
            {
                "height": self.height,
                "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
                "fill_mode": self.fill_mode,
                "fill_value": self.fill_value,
                "antialias": self.antialias,
            }
        )
        return config
