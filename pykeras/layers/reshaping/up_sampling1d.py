"""UpSampling1D: repeats each step of a sequence."""

from __future__ import annotations

from typing import Any

from pykeras.layers.input_spec import InputSpec
from pykeras.layers.layer import Layer
from pykeras.layers.reshaping._spatial import repeat_axes, scaled
from pykeras.layers.validation import positive_int


class UpSampling1D(Layer):
    """Upsampling layer for 1D inputs: repeats each temporal step `size` times.

    Args:
        size: int, the upsampling factor (default 2).

    Example:

    >>> UpSampling1D(2)(np.ones((2, 3, 4))).shape
    (2, 6, 4)
    """

    def __init__(self, size: Any = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.size = positive_int(size, "size", self.name)
        self.input_spec = InputSpec(ndim=3)
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> Any:
        return scaled(input_shape, [1], [self.size])

    def call(self, inputs: Any) -> Any:
        return repeat_axes(inputs, [self.size], [1])

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"size": self.size})
        return config
