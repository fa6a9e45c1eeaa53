"""ReLU: the rectified linear unit as a layer, with Keras's options."""

from __future__ import annotations

from typing import Any

from pykeras.layers.layer import Layer
from pykeras.ops._dispatch import run


class ReLU(Layer):
    """`max_value` if x >= max_value; x if threshold <= x < max_value;
    `negative_slope * (x - threshold)` otherwise.

    Args:
        max_value: the largest output, or None for no cap.
        negative_slope: the slope below the threshold (>= 0).
        threshold: where the unit switches on.

    Example:

    >>> ReLU(max_value=6.0)(np.array([-1.0, 3.0, 9.0])).tolist() == [0.0, 3.0, 6.0]
    True
    """

    def __init__(
        self,
        max_value: float | None = None,
        negative_slope: float = 0.0,
        threshold: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(
                f"Layer '{self.name}' expected max_value >= 0. Received: max_value={max_value}"
            )
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                f"Layer '{self.name}' expected negative_slope >= 0. "
                f"Received: negative_slope={negative_slope}"
            )
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope = float(negative_slope)
        self.threshold = float(threshold)
        self.built = True

    def call(self, inputs: Any) -> Any:
        return run(
            "relu",
            [inputs],
            negative_slope=self.negative_slope,
            max_value=self.max_value,
            threshold=self.threshold,
        )

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "max_value": self.max_value,
                "negative_slope": self.negative_slope,
                "threshold": self.threshold,
            }
        )
        return config
