"""Softmax: the softmax activation as a layer."""

from pykeras.layers.layer import Layer
from pykeras.ops._dispatch import run


class Softmax(Layer):
    """exp(x) / sum(exp(x)) along `axis`.

    Args:
        axis: the axis to normalise over (default -1).

    Example:

    >>> Softmax()(np.array([[0.0, 0.0]]))
    array([[0.5, 0.5]], dtype=float32)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)
        self.built = True

    def call(self, inputs, mask=None):
        if mask is not None:
            raise ValueError(f"Layer '{self.name}' does not support masks yet.")
        return run("softmax", [inputs], axis=self.axis)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
