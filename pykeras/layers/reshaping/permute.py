"""Permute: reorders the non-batch axes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pykeras import ops
from pykeras.layers.input_spec import InputSpec
from pykeras.layers.layer import Layer


class Permute(Layer):
    """Permutes the axes of each sample, e.g. `Permute((2, 1))` swaps axes 1 and 2.

    Args:
        dims: a permutation of `1..rank` (axis 0, the batch, stays in place).

    Example:

    >>> Permute((2, 1))(np.ones((2, 3, 4))).shape
    (2, 4, 3)
    """

    def __init__(self, dims: Sequence[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        dims = tuple(int(d) for d in dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                f"Layer '{self.name}' expected `dims` to be a permutation of 1..{len(dims)} "
                f"(the batch axis 0 is never moved). Received: dims={dims}"
            )
        self.dims = dims
        # Checked on every call (the layer has no weights, so it is built at
        # once and `build` would never see a later input's rank).
        self.input_spec = InputSpec(ndim=len(dims) + 1)
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> Any:
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def call(self, inputs: Any) -> Any:
        return ops.transpose(inputs, (0,) + self.dims)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["dims"] = list(self.dims)
        return config
