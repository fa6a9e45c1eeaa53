"""Activation: applies an activation function to its input."""

from pykeras import activations
from pykeras.layers.layer import Layer


class Activation(Layer):
    """Applies an activation function to an output.

    Args:
        activation: an activation name (e.g. `"relu"`) or a callable.

    Example:

    >>> Activation("relu")(np.array([-1.0, 2.0]))
    array([0., 2.], dtype=float32)
    """

    # Passes a Keras mask on unchanged, as in Keras.
    supports_masking = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.built = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
