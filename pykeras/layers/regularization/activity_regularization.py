"""ActivityRegularization: adds an L1/L2 penalty on its input to the loss."""

from __future__ import annotations

from typing import Any

from pykeras import regularizers
from pykeras.layers.layer import Layer


class ActivityRegularization(Layer):
    """Layer that applies an update to the cost function based on input activity.

    The input passes unchanged; `l1 * sum(|x|) + l2 * sum(x ** 2)`, divided by
    the batch size as in Keras 3, joins the model's losses.

    Args:
        l1: L1 regularization factor (positive float).
        l2: L2 regularization factor (positive float).

    Example:

    >>> layer = ActivityRegularization(l1=0.1)
    >>> _ = layer(np.ones((2, 3)))
    >>> round(float(layer.losses[0]), 4)
    0.3
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs: Any) -> None:
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1 = float(l1)
        self.l2 = float(l2)
        self.built = True

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update({"l1": self.l1, "l2": self.l2})
        return config
