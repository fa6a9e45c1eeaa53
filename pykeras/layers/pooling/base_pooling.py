"""The base of the max and average pooling layers (1D and 2D)."""

from pykeras.layers.convolutional.base_conv import conv_output_length
from pykeras.layers.input_spec import InputSpec
from pykeras.layers.layer import Layer
from pykeras.layers.validation import int_tuple
from pykeras.ops._dispatch import run


class BasePooling(Layer):
    """Windowed max or average over channels-last inputs."""

    rank = None
    mode = None

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        n = self.rank
        self.pool_size = int_tuple(pool_size, n, "pool_size", self.name)
        self.strides = (
            self.pool_size if strides is None else int_tuple(strides, n, "strides", self.name)
        )
        padding = str(padding).lower()
        if padding not in ("valid", "same"):
            raise ValueError(
                f"Layer '{self.name}' expected padding 'valid' or 'same'. "
                f"Received: padding={padding!r}"
            )
        if data_format not in (None, "channels_last"):
            raise ValueError(
                f"Layer '{self.name}' supports data_format='channels_last' only. "
                f"Received: data_format={data_format!r}"
            )
        self.padding = padding
        self.data_format = data_format
        self.input_spec = InputSpec(ndim=n + 2)
        self.built = True

    def compute_output_shape(self, input_shape):
        spatial = [
            conv_output_length(length, p, s, 1, self.padding)
            for length, p, s in zip(input_shape[1:-1], self.pool_size, self.strides)
        ]
        return (input_shape[0], *spatial, input_shape[-1])

    def call(self, inputs):
        return run(
            f"{self.mode}_pool{self.rank}d",
            [inputs],
            pool_size=list(self.pool_size),
            strides=list(self.strides),
            padding=self.padding,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "pool_size": list(self.pool_size),
                "strides": list(self.strides),
                "padding": self.padding,
                "data_format": "channels_last",
            }
        )
        return config
