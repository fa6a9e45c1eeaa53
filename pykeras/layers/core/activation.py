"""Activation: applies an activation function to its input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pykeras import activations
from pykeras.layers.layer import Layer


class Activation(Layer):
    """Applies an activation function to an output.

    Args:
        activation: an activation name (e.g. `"relu"`) or a callable.

    Example:

    >>> Activation("relu")(np.array([-1.0, 2.0])).tolist() == [0.0, 2.0]
    True
    """

    # Passes a Keras mask on unchanged, as in Keras.
    supports_masking = True

    def __init__(self, activation: str | Callable[..., Any] | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.built = True

    def call(self, inputs: Any) -> Any:
        return self.activation(inputs)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
