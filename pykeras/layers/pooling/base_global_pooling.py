"""The base of the global pooling layers: one value per channel."""

from __future__ import annotations

from typing import Any, ClassVar

from pykeras.layers.convolutional import _conv_nd
from pykeras.layers.convolutional._conv_args import data_format_arg
from pykeras.layers.input_spec import InputSpec
from pykeras.layers.layer import Layer
from pykeras.ops._dispatch import run


class BaseGlobalPooling(Layer):
    """Max or average over all spatial axes, channels last or first."""

    rank: ClassVar[int]
    mode: ClassVar[str]

    def __init__(
        self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.data_format = data_format_arg(data_format, self.name)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> Any:
        channels_first = self.data_format == "channels_first"
        channels = input_shape[1] if channels_first else input_shape[-1]
        if not self.keepdims:
            return (input_shape[0], channels)
        ones = (1,) * self.rank
        return (
            (input_shape[0], channels, *ones)
            if channels_first
            else (input_shape[0], *ones, channels)
        )

    def call(self, inputs: Any) -> Any:
        n = self.rank
        if n == 3:
            # No 3-D primitive: a plain reduction over the spatial axes.
            first = self.data_format == "channels_first"
            axes = [2, 3, 4] if first else [1, 2, 3]
            op = "mean" if self.mode == "avg" else "max"
            return run(op, [inputs], axis=axes, keepdims=self.keepdims)
        x = _conv_nd.to_channels_last(inputs, n, self.data_format)
        x = run(f"global_{self.mode}_pool{n}d", [x], keepdims=self.keepdims)
        if self.keepdims:
            return _conv_nd.from_channels_last(x, n, self.data_format)
        return x

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config
