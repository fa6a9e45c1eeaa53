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

    def _check_axis(self, shape):
        if shape is not None and not -len(shape) <= self.axis < len(shape):
            raise ValueError(
                f"Layer '{self.name}' got axis={self.axis}, out of range for inputs of rank "
                f"{len(shape)}. Received: input_shape={tuple(shape)}"
            )

    def call(self, inputs, mask=None):
        if mask is not None:
            raise ValueError(f"Layer '{self.name}' does not support masks yet.")
        self._check_axis(getattr(inputs, "shape", None))
        return run("softmax", [inputs], axis=self.axis)

    def compute_output_shape(self, input_shape):
        self._check_axis(input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
