"""LeakyReLU: x if x >= 0, else negative_slope * x."""

from __future__ import annotations

from typing import Any

from pykeras.layers.layer import Layer
from pykeras.ops._dispatch import run


class LeakyReLU(Layer):
    """Leaky version of the rectified linear unit.

    Args:
        negative_slope: the slope for x < 0 (Keras's default 0.3). Keras 2's
            `alpha=` is accepted too.

    Example:

    >>> LeakyReLU(negative_slope=0.5)(np.array([-2.0, 1.0]))
    array([-1.,  1.], dtype=float32)
    """

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                f"Layer '{self.name}' expected negative_slope >= 0. "
                f"Received: negative_slope={negative_slope}"
            )
        self.negative_slope = float(negative_slope)
        self.built = True

    def call(self, inputs: Any) -> Any:
        return run("leaky_relu", [inputs], negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config
