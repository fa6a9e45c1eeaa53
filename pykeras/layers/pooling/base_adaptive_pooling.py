"""The base of the adaptive pooling layers: a fixed output size, whatever the input's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pykeras import config, ops
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.layers.input_spec import InputSpec
from pykeras.layers.layer import Layer

if TYPE_CHECKING:
    from typing_extensions import Self

_AXES = {1: "(length,)", 2: "(height, width)", 3: "(depth, height, width)"}


def output_size_tuple(layer: str, output_size: Any, rank: int) -> tuple[int, ...]:
    """`output_size` as a tuple of `rank` positive ints (an int is repeated)."""
    if isinstance(output_size, int) and not isinstance(output_size, bool):
        sizes: tuple[Any, ...] = (output_size,) * rank
    elif isinstance(output_size, (tuple, list)):
        if len(output_size) != rank:
            raise InvalidArgumentError(
                f"Layer {layer} expected `output_size` to be an integer or a tuple of "
                f"{rank} integers {_AXES[rank]}. Received: output_size={output_size!r}"
            )
        sizes = tuple(output_size)
    else:
        raise TypeError(
            f"Layer {layer} expected `output_size` to be an integer or a tuple of {rank} "
            f"integers {_AXES[rank]}. Received: {output_size!r} of type {type(output_size)}"
        )
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise InvalidArgumentError(
                f"Layer {layer} expected `output_size` to hold positive integers. "
                f"Received: output_size={output_size!r}"
            )
    return tuple(int(s) for s in sizes)


class BaseAdaptivePooling(Layer):
    """Pools each spatial axis into `output_size` bins, PyTorch's bins as Keras's:
    bin `i` of an axis of size `L` into `O` covers `[floor(i*L/O), ceil((i+1)*L/O))`.

    Subclasses set `rank` (1, 2 or 3) and `mode` ("average" or "max").
    """

    rank = 0
    mode = ""

    def __init__(self, output_size: Any, data_format: str | None = None, **kwargs: Any) -> None:
        sizes = output_size_tuple(type(self).__name__, output_size, self.rank)
        super().__init__(**kwargs)
        self.output_size = sizes
        self.data_format = config.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs: Any) -> Any:
        pool = ops.adaptive_average_pool if self.mode == "average" else ops.adaptive_max_pool
        if self.rank < 3:
            return pool(inputs, output_size=self.output_size, data_format=self.data_format)
        # The ops pool 1-D and 2-D inputs; bins are products of per-axis bins
        # (and means of equal-size parts are means of means), so a 3-D pool is
        # a 2-D pool of each depth slice, then one along depth.
        x = inputs
        if self.data_format == "channels_first":
            x = ops.transpose(x, [0, 2, 3, 4, 1])
        shape = tuple(x.shape)
        depth, height, width, channels = shape[1:]
        if None in (depth, height, width, channels):
            raise ShapeError(
                f"Layer '{self.name}' ({type(self).__name__}) needs the spatial and channel "
                f"sizes before run time. Received: inputs.shape={tuple(inputs.shape)}"
            )
        out_d, out_h, out_w = self.output_size
        x = ops.reshape(x, [-1, height, width, channels])
        x = pool(x, output_size=(out_h, out_w), data_format="channels_last")
        x = ops.reshape(x, [-1, depth, out_h * out_w, channels])
        x = pool(x, output_size=(out_d, out_h * out_w), data_format="channels_last")
        x = ops.reshape(x, [-1, out_d, out_h, out_w, channels])
        if self.data_format == "channels_first":
            x = ops.transpose(x, [0, 4, 1, 2, 3])
        return x

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = tuple(input_shape)
        if self.data_format == "channels_last":
            return (shape[0], *self.output_size, shape[-1])
        return (shape[0], shape[1], *self.output_size)

    def get_config(self) -> dict[str, Any]:
        config_dict = super().get_config()
        config_dict.update({"output_size": self.output_size, "data_format": self.data_format})
        return config_dict

    @classmethod
    def from_config(cls, config_dict: dict[str, Any]) -> Self:
        return cls(**config_dict)
