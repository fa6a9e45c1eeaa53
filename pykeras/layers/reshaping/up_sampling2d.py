"""UpSampling2D: repeats rows and columns of images (nearest neighbour)."""

import numpy as np

from pykeras import ops
from pykeras.layers.input_spec import InputSpec
from pykeras.layers.layer import Layer
from pykeras.layers.validation import int_tuple


class UpSampling2D(Layer):
    """Repeats each row `size[0]` times and each column `size[1]` times.

    Args:
        size: an int or a pair of ints, the upsampling factors.
        data_format: only "channels_last" is supported.
        interpolation: only "nearest" is supported.

    Example:

    >>> UpSampling2D(2)(np.ones((1, 2, 3, 4))).shape
    (1, 4, 6, 4)
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last") or interpolation != "nearest":
            raise ValueError(
                f"Layer '{self.name}' supports data_format='channels_last' and "
                f"interpolation='nearest' only. Received: data_format={data_format!r}, "
                f"interpolation={interpolation!r}"
            )
        self.size = int_tuple(size, 2, "size", self.name)
        self.data_format = data_format
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)
        self.built = True

    def compute_output_shape(self, input_shape):
        h, w = input_shape[1], input_shape[2]
        return (
            input_shape[0],
            None if h is None else h * self.size[0],
            None if w is None else w * self.size[1],
            input_shape[3],
        )

    def call(self, inputs):
        _, h, w, c = inputs.shape
        sh, sw = self.size
        x = ops.reshape(inputs, (-1, h, 1, w, 1, c))
        # Broadcasting against ones repeats; the gradient sums over the copies.
        x = ops.multiply(x, np.ones((1, 1, sh, 1, sw, 1), np.float32))
        return ops.reshape(x, (-1, h * sh, w * sw, c))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "size": list(self.size),
                "data_format": "channels_last",
                "interpolation": self.interpolation,
            }
        )
        return config
