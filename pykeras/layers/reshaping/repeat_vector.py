"""RepeatVector: repeats a vector n times along a new axis."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras import ops
from pykeras.layers.input_spec import InputSpec
from pykeras.layers.layer import Layer
from pykeras.layers.validation import positive_int


class RepeatVector(Layer):
    """Repeats the input `n` times: `(batch, features)` -> `(batch, n, features)`.

    Args:
        n: how many times to repeat.

    Example:

    >>> RepeatVector(3)(np.ones((2, 4))).shape
    (2, 3, 4)
    """

    def __init__(self, n: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.n = positive_int(n, "n", self.name)
        self.input_spec = InputSpec(ndim=2)
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> Any:
        return (input_shape[0], self.n, input_shape[1])

    def call(self, inputs: Any) -> Any:
        features = inputs.shape[-1]
        expanded = ops.reshape(inputs, (-1, 1, features))
        # Broadcasting against ones repeats the vector; its gradient sums the copies.
        return ops.multiply(expanded, np.ones((1, self.n, 1), np.float32))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["n"] = self.n
        return config
