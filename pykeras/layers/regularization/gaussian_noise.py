"""GaussianNoise: adds zero-centred Gaussian noise while training."""

from __future__ import annotations

from typing import Any

from pykeras import ops, random
from pykeras.layers.layer import Layer
from pykeras.layers.regularization._noise import seed_generator


class GaussianNoise(Layer):
    """Apply additive zero-centered Gaussian noise.

    Only active at training time (`training=True`), as a regularizer;
    at inference the inputs pass unchanged.

    Args:
        stddev: float, the standard deviation of the noise.
        seed: int, makes the noise repeatable.

    Example:

    >>> GaussianNoise(0.1)(np.ones((2, 2)), training=False)
    array([[1., 1.],
           [1., 1.]], dtype=float32)
    """

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or stddev < 0:
            raise ValueError(
                f"Layer '{self.name}': invalid value received for argument `stddev`. Expected "
                f"a float value >= 0. Received: stddev={stddev!r}"
            )
        self.stddev = float(stddev)
        self.seed = seed
        self.seed_generator = seed_generator(seed)
        self.built = True

    def call(self, inputs: Any, training: bool | None = False) -> Any:
        if not training or self.stddev == 0:
            return inputs
        noise = random.normal(ops.shape(inputs), 0.0, self.stddev, seed=self.seed_generator)
        return ops.add(inputs, noise)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config
