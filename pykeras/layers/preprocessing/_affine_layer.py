"""The base of RandomRotation, RandomZoom and RandomTranslation: a random
affine resampling of each image while training."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.layers.preprocessing import _affine
from pykeras.layers.preprocessing._random_base import BaseRandomLayer


class BaseAffineLayer(BaseRandomLayer):
    """Resamples each image by a drawn transform (Keras's `(N, 8)` rows)."""

    def _affine_args(self, fill_mode: str, interpolation: str, fill_value: float) -> None:
        if fill_mode not in _affine.FILL_MODES:
            raise ValueError(
                f"Layer '{self.name}': unknown `fill_mode` {fill_mode!r}. Expected one of "
                f"{_affine.FILL_MODES}."
            )
        if interpolation not in _affine.INTERPOLATIONS:
            raise ValueError(
                f"Layer '{self.name}': unknown `interpolation` {interpolation!r}. Expected "
                f"one of {tuple(_affine.INTERPOLATIONS)}."
            )
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = float(fill_value)

    def _warp(self, images: Any, matrix: Any) -> Any:
        x, restore = self._channels_last_batch(images)
        y = _affine.warp(x, matrix, self.interpolation, self.fill_mode, self.fill_value)
        return restore(y)

    def _sizes(self, data: Any) -> Any:
        shape = tuple(ops.shape(data))
        self._check_rank(shape)
        h, w = self._image_size(shape)
        if h is None or w is None:
            raise ValueError(
                f"Layer '{self.name}' needs known image sizes. Received: inputs.shape={shape}"
            )
        return self._batch(data), h, w

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "fill_mode": self.fill_mode,
                "interpolation": self.interpolation,
                "fill_value": self.fill_value,
            }
        )
        return config
