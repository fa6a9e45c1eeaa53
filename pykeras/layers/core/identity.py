"""Identity: returns its inputs unchanged."""

from __future__ import annotations

from typing import Any

from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.tree import map_structure
from pykeras.layers.layer import Layer


class Identity(Layer):
    """Identity layer.

    This layer should be used as a placeholder when no operation is to be
    performed. The layer just returns its `inputs` argument as output (any
    structure of tensors, of any dtype, with its mask).

    Example:

    >>> Identity()(np.arange(3)).tolist()
    [0, 1, 2]
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        # Nothing to build: built from the start, as in Keras.
        self.built = True

    def _eager_call(self, inputs: Any, args: Any, kwargs: Any, training: bool | None) -> Any:
        # Returned as given: no conversion to float32 (ids stay ids).
        return self._call_with_training(inputs, args, kwargs, training)

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def compute_output_spec(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        return map_structure(lambda x: KerasTensor(x.shape, dtype=x.dtype), inputs)
