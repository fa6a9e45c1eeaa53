"""UpSampling3D: repeats each voxel along depth, height and width."""

from __future__ import annotations

from typing import Any

from pykeras.layers.convolutional._conv_args import data_format_arg
from pykeras.layers.input_spec import InputSpec
from pykeras.layers.layer import Layer
from pykeras.layers.reshaping._spatial import repeat_axes, scaled, spatial_axes
from pykeras.layers.validation import int_tuple


class UpSampling3D(Layer):
    """Upsampling layer for 3D inputs (nearest neighbour).

    Args:
        size: an int or a 3-tuple, the factors for depth, height and width.
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> UpSampling3D(2)(np.ones((1, 2, 2, 2, 3))).shape
    (1, 4, 4, 4, 3)
    """

    def __init__(
        self, size: Any = (2, 2, 2), data_format: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.size = int_tuple(size, 3, "size", self.name)
        self.data_format = data_format_arg(data_format, self.name)
        self.input_spec = InputSpec(ndim=5)
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> Any:
        return scaled(input_shape, spatial_axes(3, self.data_format), self.size)

    def call(self, inputs: Any) -> Any:
        return repeat_axes(inputs, list(self.size), spatial_axes(3, self.data_format))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"size": list(self.size), "data_format": self.data_format})
        return config
