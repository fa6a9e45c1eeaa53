"""AlphaDropout: dropout that keeps SELU's self-normalising statistics."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras import ops, random
from pykeras.layers.layer import Layer
from pykeras.layers.regularization._noise import rate_arg, seed_generator

_ALPHA = 1.6732632423543772848170429916717
_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(Layer):
    """Applies Alpha Dropout to the input.

    Dropped units are set to SELU's negative saturation value, and an affine
    correction keeps the inputs' mean and variance (Klambauer et al., 2017).
    Only active at training time.

    Args:
        rate: float in [0, 1), the drop probability.
        noise_shape: the mask's shape (None sizes take the inputs' size);
            default the inputs' shape.
        seed: int, makes the mask repeatable.

    Example:

    >>> AlphaDropout(0.2)(np.ones((1, 3)), training=False)
    array([[1., 1., 1.]], dtype=float32)
    """

    def __init__(
        self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.rate = rate_arg(rate, self.name, upper_open=False)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.seed_generator = seed_generator(seed)
        self.built = True

    def call(self, inputs: Any, training: bool | None = False) -> Any:
        if not training or not 0 < self.rate < 1:
            return inputs
        shape = tuple(ops.shape(inputs))
        if self.noise_shape is not None:
            shape = tuple(d if n is None else n for n, d in zip(self.noise_shape, shape))
        alpha_p = -_ALPHA * _SCALE
        kept = ops.cast(
            ops.greater_equal(random.uniform(shape, seed=self.seed_generator), self.rate),
            "float32",
        )
        a = ((1 - self.rate) * (1 + self.rate * alpha_p**2)) ** -0.5
        b = -a * alpha_p * self.rate
        x = ops.add(ops.multiply(inputs, kept), ops.multiply(np.float32(alpha_p), 1.0 - kept))
        return ops.add(ops.multiply(x, np.float32(a)), np.float32(b))

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "rate": self.rate,
                "noise_shape": None if self.noise_shape is None else list(self.noise_shape),
                "seed": self.seed,
            }
        )
        return config
