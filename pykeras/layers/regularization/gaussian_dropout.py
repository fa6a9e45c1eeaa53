"""GaussianDropout: multiplies by Gaussian noise of mean 1 while training."""

from __future__ import annotations

import math
from typing import Any

from pykeras import ops, random
from pykeras.layers.layer import Layer
from pykeras.layers.regularization._noise import rate_arg, seed_generator


class GaussianDropout(Layer):
    """Apply multiplicative 1-centered Gaussian noise.

    The noise's standard deviation is `sqrt(rate / (1 - rate))`. Only active
    at training time.

    Args:
        rate: float in [0, 1), the drop probability (as in `Dropout`).
        seed: int, makes the noise repeatable.

    Example:

    >>> GaussianDropout(0.2)(np.ones((1, 3)), training=False)
    array([[1., 1., 1.]], dtype=float32)
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rate = rate_arg(rate, self.name, upper_open=False)
        self.seed = seed
        self.seed_generator = seed_generator(seed)
        self.built = True

    def call(self, inputs: Any, training: bool | None = False) -> Any:
        if not training or not 0 < self.rate < 1:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = random.normal(ops.shape(inputs), 1.0, stddev, seed=self.seed_generator)
        return ops.multiply(inputs, noise)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config
