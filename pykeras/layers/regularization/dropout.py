"""Dropout: zeroes a random fraction of its input while training."""

from __future__ import annotations

import itertools
from typing import Any

from pykeras import random
from pykeras.layers.layer import Layer
from pykeras.ops._dispatch import run
from pykeras.random import _stream
from pykeras.random.seed_generator import SeedGenerator

# Eager calls draw a fresh mask each time from this counter; traced graphs get
# their step seed from the training loop instead.
_eager_steps = itertools.count(1)


class Dropout(Layer):
    """Applies dropout: while training, each input unit is set to 0 with
    probability `rate`, and the others are scaled by `1 / (1 - rate)`.

    Args:
        rate: float in [0, 1), the fraction of units to drop.
        noise_shape: the shape of the binary mask, broadcast against the
            inputs (None entries take the inputs' size): `(batch, 1, features)`
            drops the same features at every timestep. Default: the inputs' shape.
        seed: int, makes the masks repeatable.

    Example:

    >>> layer = Dropout(0.5, seed=1)
    >>> layer(np.ones((2, 2)), training=False)
    array([[1., 1.],
           [1., 1.]], dtype=float32)
    """

    # Passes a Keras mask on unchanged, as in Keras.
    supports_masking = True

    def __init__(
        self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(
                f"Layer '{self.name}' received an invalid value for `rate`, expected a float "
                f"in the range [0, 1). Received: rate={rate!r}"
            )
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        if seed is None:
            seed = int(_stream.make_rng().integers(0, 2**31 - 1))
        self._op_seed = int(seed)
        if self.noise_shape is not None:
            self._seed_generator = SeedGenerator(self._op_seed)
        self.built = True

    def call(self, inputs: Any, training: bool | None = False) -> Any:
        if not training or self.rate == 0:
            return inputs
        if self.noise_shape is not None:
            # A broadcast mask: drawn from this layer's SeedGenerator, so
            # each compiled step draws a new one.
            return random.dropout(
                inputs, self.rate, noise_shape=self.noise_shape, seed=self._seed_generator
            )
        return run(
            "dropout",
            [inputs],
            training_mode=True,
            step_seed=next(_eager_steps),
            rate=self.rate,
            seed=self._op_seed,
            # Explicit, so `layer(x, training=True)` drops out even in a graph run for inference.
            training=True,
        )

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        noise = None if self.noise_shape is None else list(self.noise_shape)
        config.update({"rate": self.rate, "noise_shape": noise, "seed": self.seed})
        return config
