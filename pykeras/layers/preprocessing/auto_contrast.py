"""AutoContrast: stretches each image's values over the whole value range."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.layers.preprocessing._augment_base import AugmentationLayer, transform_value_range


class AutoContrast(AugmentationLayer):
    """Performs the auto-contrast operation on an image.

    Each image's channels are stretched linearly so their lowest value maps
    to `value_range[0]` and their highest to `value_range[1]`. The layer is
    active at both training and inference time.

    As in Keras 3, the minimum and maximum are taken over axes 1 and 2 of
    the batch: height and width for channels-last images (one pair per
    channel); for channels-first batches Keras reduces over channels and
    height instead (one pair per column), and pykeras does the same.

    Args:
        value_range: the images' value range `(low, high)` (default `(0, 255)`).

    Example:

    >>> x = np.array([[[[10.0], [20.0]], [[30.0], [40.0]]]])
    >>> np.asarray(AutoContrast()(x)).ravel()
    array([  0.,  85., 170., 255.], dtype=float32)
    """

    always_on = True

    def __init__(self, value_range: Any = (0, 255), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.value_range = self._value_range_arg(value_range)

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: Any = None
    ) -> Any:
        return None

    def transform_images(
        self, images: Any, transformation: Any = None, training: bool | None = True
    ) -> Any:
        original = ops.cast(images, "float32")
        x = transform_value_range(original, self.value_range, (0, 255))
        low = ops.min(x, axis=(1, 2), keepdims=True)
        high = ops.max(x, axis=(1, 2), keepdims=True)
        scale = ops.divide(255.0, ops.subtract(high, low))
        offset = ops.multiply(ops.negative(low), scale)
        out = ops.clip(ops.add(ops.multiply(x, scale), offset), 0.0, 255.0)
        out = transform_value_range(out, (0, 255), self.value_range)
        # A constant channel gives 0/0: Keras keeps the input there.
        return ops.where(ops.isnan(out), original, out)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["value_range"] = list(self.value_range)
        return config
