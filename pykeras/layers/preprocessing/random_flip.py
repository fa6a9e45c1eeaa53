"""RandomFlip: flips images horizontally and/or vertically at random while training."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.layers.preprocessing._random_base import BaseRandomLayer

_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class RandomFlip(BaseRandomLayer):
    """A preprocessing layer which randomly flips images during training.

    Each image is flipped with probability 1/2; with
    "horizontal_and_vertical" one draw flips both axes or neither, as in
    Keras 3. At inference the images pass unchanged.

    Args:
        mode: "horizontal", "vertical" or "horizontal_and_vertical" (default).
        seed: int, makes the flips repeatable.
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> RandomFlip("horizontal")(np.ones((2, 4, 4, 3)), training=False).shape
    (2, 4, 4, 3)
    """

    def __init__(
        self,
        mode: str = "horizontal_and_vertical",
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        if mode not in _MODES:
            raise ValueError(
                f"Layer '{self.name}': RandomFlip layer {self.name} received an unknown mode "
                f"argument {mode!r}. Expected one of {_MODES}."
            )
        self.mode = mode

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: int | None = None
    ) -> Any:
        if not training:
            return None
        shape = ops.shape(data)
        flips_shape = (shape[0], 1, 1, 1) if len(shape) == 4 else (1, 1, 1)
        return {"flips": ops.less_equal(self._uniform(flips_shape, 0.0, 1.0, seed), 0.5)}

    def transform_images(
        self, images: Any, transformation: Any, training: bool | None = True
    ) -> Any:
        if not training or transformation is None:
            return images
        flips = transformation["flips"]
        rank = len(ops.shape(images))
        ha, wa = self._hw_axes(rank)
        out = images
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            out = ops.where(flips, ops.flip(out, axis=wa), out)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            out = ops.where(flips, ops.flip(out, axis=ha), out)
        return out

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["mode"] = self.mode
        return config
