"""SpatialDropout1D/2D/3D: drops whole feature maps while training."""

from __future__ import annotations

from typing import Any, ClassVar

from pykeras import random
from pykeras.layers.convolutional._conv_args import data_format_arg
from pykeras.layers.input_spec import InputSpec
from pykeras.layers.layer import Layer
from pykeras.layers.regularization._noise import rate_arg, seed_generator


class BaseSpatialDropout(Layer):
    """Dropout of entire channels: one keep/drop draw per (sample, channel)."""

    rank: ClassVar[int]

    def __init__(
        self,
        rate: float,
        seed: int | None = None,
        name: str | None = None,
        dtype: Any = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, dtype=dtype, **kwargs)
        self.rate = rate_arg(rate, self.name, upper_open=False)
        self.seed = seed
        self.seed_generator = seed_generator(seed)
        self.data_format = data_format_arg(data_format, self.name)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.built = True

    def _noise_shape(self, shape: Any) -> Any:
        ones = (1,) * self.rank
        if self.data_format == "channels_first" and self.rank > 1:
            return (shape[0], shape[1], *ones)
        return (shape[0], *ones, shape[-1])

    def call(self, inputs: Any, training: bool | None = False) -> Any:
        if not training or self.rate == 0:
            return inputs
        shape = tuple(inputs.shape)
        return random.dropout(
            inputs, self.rate, noise_shape=self._noise_shape(shape), seed=self.seed_generator
        )

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(BaseSpatialDropout):
    """Spatial 1D version of Dropout: drops entire 1D feature maps (channels).

    Args:
        rate: float in [0, 1], the fraction of channels to drop.
        seed: int, makes the masks repeatable.

    Example:

    >>> SpatialDropout1D(0.5)(np.ones((1, 2, 3)), training=False).shape
    (1, 2, 3)
    """

    rank = 1

    def __init__(
        self,
        rate: float,
        seed: int | None = None,
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)


class SpatialDropout2D(BaseSpatialDropout):
    """Spatial 2D version of Dropout: drops entire 2D feature maps (channels).

    Args:
        rate: float in [0, 1], the fraction of channels to drop.
        data_format: "channels_last" (default) or "channels_first".
        seed: int, makes the masks repeatable.

    Example:

    >>> SpatialDropout2D(0.5)(np.ones((1, 2, 2, 3)), training=False).shape
    (1, 2, 2, 3)
    """

    rank = 2

    def __init__(
        self,
        rate: float,
        data_format: str | None = None,
        seed: int | None = None,
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(rate, seed=seed, name=name, dtype=dtype, data_format=data_format, **kwargs)


class SpatialDropout3D(BaseSpatialDropout):
    """Spatial 3D version of Dropout: drops entire 3D feature maps (channels).

    Args:
        rate: float in [0, 1], the fraction of channels to drop.
        data_format: "channels_last" (default) or "channels_first".
        seed: int, makes the masks repeatable.

    Example:

    >>> SpatialDropout3D(0.5)(np.ones((1, 2, 2, 2, 3)), training=False).shape
    (1, 2, 2, 2, 3)
    """

    rank = 3

    def __init__(
        self,
        rate: float,
        data_format: str | None = None,
        seed: int | None = None,
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(rate, seed=seed, name=name, dtype=dtype, data_format=data_format, **kwargs)
