"""Rescaling: `inputs * scale + offset`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pykeras import ops
from pykeras.layers.layer import Layer


class Rescaling(Layer):
    """A preprocessing layer which rescales input values to a new range.

    Computes `inputs * scale + offset`; for example `scale=1. / 255` maps
    `[0, 255]` to `[0, 1]`, and `scale=1. / 127.5, offset=-1` to `[-1, 1]`.

    Args:
        scale: a float, or a list of floats broadcast against the last axis.
        offset: a float or a list of floats (default 0).

    Example:

    >>> Rescaling(1.0 / 255)(np.full((1, 2), 255.0))
    array([[1., 1.]], dtype=float32)
    """

    def __init__(
        self, scale: float | Sequence[float], offset: float | Sequence[float] = 0.0, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.built = True

    def call(self, inputs: Any) -> Any:
        scale = np.asarray(self.scale, np.float32)
        offset = np.asarray(self.offset, np.float32)
        return ops.add(ops.multiply(inputs, scale), offset)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"scale": self.scale, "offset": self.offset})
        return config
