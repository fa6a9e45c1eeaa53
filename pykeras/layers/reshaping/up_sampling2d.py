"""UpSampling2D: enlarges images by repeating (nearest) or interpolating rows and columns."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.layers.convolutional import _conv_nd
from pykeras.layers.convolutional._conv_args import data_format_arg
from pykeras.layers.input_spec import InputSpec
from pykeras.layers.layer import Layer
from pykeras.layers.reshaping._spatial import repeat_axes, scaled, spatial_axes
from pykeras.layers.validation import int_tuple

_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5")


class UpSampling2D(Layer):
    """Upsampling layer for 2D inputs.

    "nearest" repeats each row `size[0]` times and each column `size[1]`
    times; the other interpolations resize with `ops.image.resize`, as Keras.

    Args:
        size: an int or a pair of ints, the upsampling factors.
        data_format: "channels_last" (default) or "channels_first".
        interpolation: "nearest" (default), "bilinear", "bicubic",
            "lanczos3" or "lanczos5".

    Example:

    >>> UpSampling2D(2)(np.ones((1, 2, 3, 4))).shape
    (1, 4, 6, 4)
    """

    def __init__(
        self,
        size: Any = (2, 2),
        data_format: str | None = None,
        interpolation: str = "nearest",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if interpolation not in _INTERPOLATIONS:
            raise ValueError(
                f"Layer '{self.name}': `interpolation` must be one of {_INTERPOLATIONS}. "
                f"Received: interpolation={interpolation!r}"
            )
        self.size = int_tuple(size, 2, "size", self.name)
        self.data_format = data_format_arg(data_format, self.name)
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> Any:
        return scaled(input_shape, spatial_axes(2, self.data_format), self.size)

    def call(self, inputs: Any) -> Any:
        if self.interpolation == "nearest":
            return repeat_axes(inputs, list(self.size), spatial_axes(2, self.data_format))
        x = _conv_nd.to_channels_last(inputs, 2, self.data_format)
        _, h, w, _ = x.shape
        x = ops.image.resize(
            x,
            (h * self.size[0], w * self.size[1]),
            interpolation=self.interpolation,
            data_format="channels_last",
        )
        return _conv_nd.from_channels_last(x, 2, self.data_format)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "size": list(self.size),
                "data_format": self.data_format,
                "interpolation": self.interpolation,
            }
        )
        return config
