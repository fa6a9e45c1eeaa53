"""The base of ZeroPadding1D/2D/3D and Cropping1D/2D/3D: a fixed amount
added (zeros) or removed at both ends of each spatial axis."""

from __future__ import annotations

from typing import Any, ClassVar

from pykeras.layers.convolutional._conv_args import data_format_arg
from pykeras.layers.input_spec import InputSpec
from pykeras.layers.layer import Layer
from pykeras.layers.reshaping._spatial import pairs_arg, spatial_axes
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run


class BaseSpatialEdges(Layer):
    """Pads (sign +1) or crops (sign -1) `rank` spatial axes."""

    rank: ClassVar[int]
    sign: ClassVar[int]
    arg: ClassVar[str]
    has_data_format = True

    def __init__(self, amounts: Any, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = data_format_arg(data_format, self.name)
        if self.rank == 1 and not isinstance(amounts, int):
            # 1-D layers take one (start, end) pair, not a tuple of pairs.
            amounts = (amounts,)
        setattr(self, self.arg, pairs_arg(amounts, self.rank, self.arg, self.name))
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.built = True

    @property
    def _pairs(self) -> Any:
        return getattr(self, self.arg)

    def compute_output_shape(self, input_shape: Any) -> Any:
        out = list(input_shape)
        for axis, (lo, hi) in zip(spatial_axes(self.rank, self.data_format), self._pairs):
            if out[axis] is not None:
                out[axis] = out[axis] + self.sign * (lo + hi)
                if out[axis] <= 0 and self.sign < 0:
                    raise ValueError(
                        f"Layer '{self.name}': the cropping {self._pairs} leaves nothing of "
                        f"an input of shape {tuple(input_shape)}."
                    )
        return tuple(out)

    def call(self, inputs: Any) -> Any:
        shape = C.shape_of(self.name, inputs)
        axes = spatial_axes(self.rank, self.data_format)
        if self.sign > 0:
            widths = [[0, 0] for _ in shape]
            for axis, pair in zip(axes, self._pairs):
                widths[axis] = list(pair)
            return run("pad", [inputs], pad_width=widths)
        starts = [0] * len(shape)
        sizes = [-1] * len(shape)
        out = self.compute_output_shape(shape)
        for axis, (lo, hi) in zip(axes, self._pairs):
            if out[axis] is None and hi:
                raise ValueError(
                    f"Layer '{self.name}' needs the size of spatial axis {axis} to crop its "
                    f"end. Received: input shape {shape}"
                )
            starts[axis] = lo
            sizes[axis] = -1 if out[axis] is None else out[axis]
        return run("slice", [inputs], start_indices=starts, shape=sizes)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        pairs = [list(p) for p in self._pairs]
        config[self.arg] = pairs[0] if self.rank == 1 else pairs
        if self.has_data_format:
            config["data_format"] = self.data_format
        return config
