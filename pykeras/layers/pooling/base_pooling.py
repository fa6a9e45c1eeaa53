"""The base of the max and average pooling layers (1D, 2D and 3D)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pykeras.layers.convolutional import _conv_nd
from pykeras.layers.convolutional._conv_args import (
    conv_output_length,
    data_format_arg,
    join_shape,
    padding_arg,
    split_shape,
)
from pykeras.layers.input_spec import InputSpec
from pykeras.layers.layer import Layer
from pykeras.layers.validation import int_tuple
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run


def pool3d(
    x: Any, mode: str, pool_size: Sequence[int], strides: Sequence[int], padding: str
) -> Any:
    """Channels-last 3-D pooling as two 2-D pools of the core: over (height,
    width) with the depth folded into the batch, then over depth with the
    pooled plane flattened to one axis. Max and the average over the window's
    in-bounds elements (Keras's "same") both separate this way."""
    _, depth, height, width, channels = C.shape_of("pool3d", x)
    op = f"{mode}_pool2d"
    x = run("reshape", [x], shape=[-1, height, width, channels])
    x = run(op, [x], pool_size=list(pool_size[1:]), strides=list(strides[1:]), padding=padding)
    _, out_h, out_w, _ = C.shape_of("pool3d", x)
    x = run("reshape", [x], shape=[-1, depth, out_h * out_w, channels])
    x = run(op, [x], pool_size=[pool_size[0], 1], strides=[strides[0], 1], padding=padding)
    out_d = C.shape_of("pool3d", x)[1]
    return run("reshape", [x], shape=[-1, out_d, out_h, out_w, channels])


class BasePooling(Layer):
    """Windowed max or average over channels-last or channels-first inputs."""

    rank: ClassVar[int]
    mode: ClassVar[str]

    def __init__(
        self,
        pool_size: int | Sequence[int] = 2,
        strides: int | Sequence[int] | None = None,
        padding: Any = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        n = self.rank
        self.pool_size = int_tuple(pool_size, n, "pool_size", self.name)
        self.strides = (
            self.pool_size if strides is None else int_tuple(strides, n, "strides", self.name)
        )
        self.padding = padding_arg(padding, self.name)
        self.data_format = data_format_arg(data_format, self.name)
        self.input_spec = InputSpec(ndim=n + 2)
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> Any:
        batch, spatial, channels = split_shape(input_shape, self.data_format)
        out = [
            conv_output_length(length, p, s, 1, self.padding)
            for length, p, s in zip(spatial, self.pool_size, self.strides)
        ]
        return join_shape(batch, out, channels, self.data_format)

    def call(self, inputs: Any) -> Any:
        x = _conv_nd.to_channels_last(inputs, self.rank, self.data_format)
        if self.rank == 3:
            x = pool3d(x, self.mode, self.pool_size, self.strides, self.padding)
        else:
            x = run(
                f"{self.mode}_pool{self.rank}d",
                [x],
                pool_size=list(self.pool_size),
                strides=list(self.strides),
                padding=self.padding,
            )
        return _conv_nd.from_channels_last(x, self.rank, self.data_format)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "pool_size": list(self.pool_size),
                "strides": list(self.strides),
                "padding": self.padding,
                "data_format": self.data_format,
            }
        )
        return config
