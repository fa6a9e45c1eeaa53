"""The base of the global pooling layers: one value per channel."""

from pykeras.layers.input_spec import InputSpec
from pykeras.layers.layer import Layer
from pykeras.ops._dispatch import run


class BaseGlobalPooling(Layer):
    """Max or average over all spatial axes of channels-last inputs."""

    rank = None
    mode = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(
                f"Layer '{self.name}' supports data_format='channels_last' only. "
                f"Received: data_format={data_format!r}"
            )
        self.data_format = data_format
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.built = True

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            return (input_shape[0],) + (1,) * self.rank + (input_shape[-1],)
        return (input_shape[0], input_shape[-1])

    def call(self, inputs):
        return run(f"global_{self.mode}_pool{self.rank}d", [inputs], keepdims=self.keepdims)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": "channels_last", "keepdims": self.keepdims})
        return config
