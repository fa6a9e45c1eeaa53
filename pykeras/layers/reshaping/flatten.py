"""Flatten: merges every axis but the batch axis into one."""

from __future__ import annotations

import math
from typing import Any

from pykeras import ops
from pykeras.errors import ShapeError
from pykeras.layers.layer import Layer


class Flatten(Layer):
    """Flattens the input; does not affect the batch size.

    Args:
        data_format: only "channels_last" (the default) is supported.

    Example:

    >>> Flatten()(np.ones((2, 3, 4))).shape
    (2, 12)
    """

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(
                f"Layer '{self.name}' supports data_format='channels_last' only. "
                f"Received: data_format={data_format!r}"
            )
        self.data_format = data_format
        self.built = True

    def _flat_size(self, shape: Any) -> Any:
        rest = tuple(shape[1:])
        if any(d is None for d in rest):
            return None
        return math.prod(rest)

    def call(self, inputs: Any) -> Any:
        shape = inputs.shape
        if shape is None:
            raise ShapeError(f"Layer '{self.name}' needs to know its input's shape to flatten it.")
        size = self._flat_size(shape)
        if size is None:
            raise ShapeError(
                f"Layer '{self.name}' cannot flatten an input whose non-batch sizes are not all "
                f"known. Received: input_shape={tuple(shape)}"
            )
        return ops.reshape(inputs, (-1, size))

    def compute_output_shape(self, input_shape: Any) -> Any:
        return (input_shape[0], self._flat_size(input_shape))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["data_format"] = "channels_last"
        return config
