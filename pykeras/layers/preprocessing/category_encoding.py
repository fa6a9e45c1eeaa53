"""CategoryEncoding: one-hot, multi-hot or count encodings of integer features."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras.errors import InvalidArgumentError
from pykeras.layers.preprocessing import _categorical
from pykeras.layers.preprocessing._data_layer import DataLayer, is_graph, to_integers

_MODES = ("count", "one_hot", "multi_hot")


class CategoryEncoding(DataLayer):
    """A preprocessing layer which encodes integer features.

    `"one_hot"` encodes each value (a trailing axis of size 1 is replaced by
    the encoding); `"multi_hot"` and `"count"` encode each sample (the last
    axis of rank 1 and 2 inputs). Values outside `[0, num_tokens)` add
    nothing. Called on arrays it computes in NumPy; inside a functional model
    it is traced into the graph.

    Args:
        num_tokens: the number of tokens (values in `[0, num_tokens)`).
        output_mode: `"multi_hot"` (default), `"one_hot"` or `"count"`.
        sparse: must be False: pykeras has no sparse tensors.
        **kwargs: `name`, `dtype` (of the output, float32 by default).

    Call arguments:
        inputs: the integer inputs.
        count_weights: weights of the same shape as `inputs`, summed instead
            of counts in `"count"` mode.

    Example:

    >>> layer = keras.layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")
    >>> layer([3, 2, 0, 1])
    array([[0., 0., 0., 1.],
           [0., 0., 1., 0.],
           [1., 0., 0., 0.],
           [0., 1., 0., 0.]], dtype=float32)
    """

    traceable = True

    def __init__(
        self,
        num_tokens: int | None = None,
        output_mode: str = "multi_hot",
        sparse: bool = False,
        **kwargs: Any,
    ) -> None:
        dtype = kwargs.pop("dtype", None)
        if isinstance(dtype, dict):
            dtype = dtype.get("config", {}).get("name")
        super().__init__(**kwargs)
        self.output_dtype = dtype or "float32"
        if output_mode == "binary":
            output_mode = "multi_hot"
        _categorical.check_mode(self.name, output_mode, _MODES)
        if num_tokens is None:
            raise InvalidArgumentError(
                f"Layer '{self.name}': num_tokens must be set to use this layer. If the "
                "number of tokens is not known beforehand, use the IntegerLookup layer "
                "instead."
            )
        if num_tokens < 1:
            raise InvalidArgumentError(
                f"Layer '{self.name}': `num_tokens` must be >= 1. Received: "
                f"num_tokens={num_tokens}."
            )
        _categorical.check_sparse(self.name, sparse)
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse
        self.built = True

    def call(self, inputs: Any, count_weights: Any = None) -> Any:
        if count_weights is not None and self.output_mode != "count":
            raise InvalidArgumentError(
                f"Layer '{self.name}': `count_weights` is not used when `output_mode` is "
                f"not 'count'. Received `count_weights={count_weights}`."
            )
        if is_graph(inputs):
            return _categorical.encode_symbolic(
                inputs, tuple(inputs.shape), self.output_mode, self.num_tokens, count_weights
            )
        ids = to_integers(inputs, self.name)
        if count_weights is not None:
            count_weights = np.asarray(count_weights, np.float32)
        out = _categorical.encode(ids, self.output_mode, self.num_tokens, np.float32, count_weights)
        return out.astype(self.output_dtype if self.output_dtype != "float64" else np.float32)

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = tuple(input_shape)
        if len(shape) == 0:
            return (self.num_tokens,)
        if self.output_mode == "one_hot":
            if shape[-1] != 1 or len(shape) == 1:
                return shape + (self.num_tokens,)
            return shape[:-1] + (self.num_tokens,)
        return shape[:-1] + (self.num_tokens,)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode})
        return config
