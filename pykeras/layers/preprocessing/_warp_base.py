"""The base of the warping augmentation layers (RandomShear,
RandomPerspective, RandomElasticTransform): interpolation and fill
arguments, image sizes, and segmentation masks warped as the images."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pykeras import ops
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.layers.preprocessing import _sample
from pykeras.layers.preprocessing._augment_base import AugmentationLayer


class WarpLayer(AugmentationLayer):
    """Resamples each image at coordinates computed from a random draw."""

    geometric = True

    def _warp_args(
        self,
        interpolation: str,
        fill_mode: str,
        fill_value: float,
        fill_modes: Any = ("reflect", "wrap", "constant", "nearest"),
    ) -> None:
        if interpolation not in ("nearest", "bilinear"):
            raise InvalidArgumentError(
                f"Layer '{self.name}': unknown `interpolation` {interpolation!r}. Expected one "
                "of ('nearest', 'bilinear')."
            )
        if fill_mode not in fill_modes:
            raise InvalidArgumentError(
                f"Layer '{self.name}': unknown `fill_mode` {fill_mode!r}. Expected one of "
                f"{tuple(fill_modes)}."
            )
        self.interpolation = interpolation
        self.fill_mode = fill_mode
        self.fill_value = fill_value

    def _sizes(self, data: Any) -> Any:
        shape = tuple(ops.shape(self._images_of(data)))
        self._check_rank(shape)
        h, w = self._image_size(shape)
        if h is None or w is None:
            raise ShapeError(
                f"Layer '{self.name}' needs known image sizes. Received: images.shape={shape}"
            )
        return h, w

    def _sample(self, images: Any, xs: Any, ys: Any, interpolation: str) -> Any:
        """A batch resampled at `(ys, xs)` `(N, H, W)`, in the layer's data format."""
        x, restore = self._channels_last_batch(ops.cast(images, "float32"))
        fill = float(self.fill_value)
        return restore(_sample.sample(x, xs, ys, interpolation, self.fill_mode, fill))

    if TYPE_CHECKING:
        # What subclasses define: a batch warped by `transformation`.
        def _transform(self, images: Any, transformation: Any, interpolation: str) -> Any: ...

    def transform_images(
        self, images: Any, transformation: Any = None, training: bool | None = True
    ) -> Any:
        images = ops.cast(images, "float32")
        if not training or transformation is None:
            return images
        return self._transform(images, transformation, self.interpolation)

    def transform_segmentation_masks(
        self, segmentation_masks: Any, transformation: Any, training: bool = True
    ) -> Any:
        """Masks warped as the images, with nearest-neighbour sampling."""
        if not training or transformation is None:
            return segmentation_masks
        return self._transform(segmentation_masks, transformation, "nearest")

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"interpolation": self.interpolation, "fill_value": self.fill_value})
        return config
