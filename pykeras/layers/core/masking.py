"""Masking: skips the time steps whose features all equal `mask_value`."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.layers.layer import Layer


class Masking(Layer):
    """Masks a sequence by using a mask value to skip timesteps.

    For each timestep of the input (axis 1), if every value of its features
    equals `mask_value`, the timestep is masked (skipped) in every layer
    downstream that supports masking; its values are set to 0.

    Args:
        mask_value: the value that marks padding (default 0.0).

    Example:

    >>> x = np.array([[[1.0], [0.0], [2.0]]])
    >>> Masking()(x)._keras_mask
    array([[ True, False,  True]])
    """

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs: Any) -> Any:
        boolean_mask = ops.any(ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return ops.multiply(inputs, ops.cast(boolean_mask, "float32"))

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
