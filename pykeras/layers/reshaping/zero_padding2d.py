"""ZeroPadding2D: adds rows and columns of zeros around images."""

from pykeras import ops
from pykeras.layers.input_spec import InputSpec
from pykeras.layers.layer import Layer


def _pairs(padding, name):
    if isinstance(padding, int):
        return ((padding, padding), (padding, padding))
    padding = tuple(padding)
    if len(padding) == 2 and all(isinstance(p, int) for p in padding):
        return ((padding[0], padding[0]), (padding[1], padding[1]))
    if len(padding) == 2 and all(len(tuple(p)) == 2 for p in padding):
        return tuple(tuple(int(v) for v in p) for p in padding)
    raise ValueError(
        f"Layer '{name}' expected `padding` as an int, a pair of ints, or a pair of pairs. "
        f"Received: padding={padding}"
    )


class ZeroPadding2D(Layer):
    """Pads the height and width of `(batch, height, width, channels)` inputs with zeros.

    Args:
        padding: an int (the same on all four sides), `(symmetric_height,
            symmetric_width)`, or `((top, bottom), (left, right))`.
        data_format: only "channels_last" is supported.

    Example:

    >>> ZeroPadding2D(1)(np.ones((1, 2, 2, 3))).shape
    (1, 4, 4, 3)
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(
                f"Layer '{self.name}' supports data_format='channels_last' only. "
                f"Received: data_format={data_format!r}"
            )
        self.padding = _pairs(padding, self.name)
        if any(v < 0 for p in self.padding for v in p):
            raise ValueError(
                f"Layer '{self.name}' expected non-negative padding. Received: padding={padding}"
            )
        self.data_format = data_format
        self.input_spec = InputSpec(ndim=4)
        self.built = True

    def compute_output_shape(self, input_shape):
        (top, bottom), (left, right) = self.padding
        h, w = input_shape[1], input_shape[2]
        return (
            input_shape[0],
            None if h is None else h + top + bottom,
            None if w is None else w + left + right,
            input_shape[3],
        )

    def call(self, inputs):
        (top, bottom), (left, right) = self.padding
        return ops.pad(inputs, [[0, 0], [top, bottom], [left, right], [0, 0]])

    def get_config(self):
        config = super().get_config()
        config.update({"padding": [list(p) for p in self.padding], "data_format": "channels_last"})
        return config
