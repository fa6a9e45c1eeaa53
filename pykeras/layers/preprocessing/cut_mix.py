"""CutMix: pastes a rectangle of another image of the batch into each image."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras import ops
from pykeras.layers.preprocessing._augment_base import AugmentationLayer
from pykeras.layers.preprocessing._base import keras_factor
from pykeras.layers.preprocessing._gamma import symmetric_beta
from pykeras.layers.preprocessing.mix_up import permutation


class CutMix(AugmentationLayer):
    """CutMix data augmentation technique.

    A parameter `a` is drawn in the factor range, then per image a weight
    `w` from Beta(a, a); a rectangle with sides `sqrt(1 - w)` of the
    image's, at a random place, is replaced by the same rectangle of the
    image at that place in a random permutation of the batch. Labels (in a
    dict `{"images": ..., "labels": ...}`) mix in proportion to the areas.
    Single images pass unchanged, as in Keras 3. Active only while training.

    Args:
        factor: a number `f` in [0, 1] (`a` in `[0, f]`) or a pair.
        seed: int, makes the draws repeatable.
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> images = np.random.uniform(0, 255, (4, 8, 8, 3))
    >>> out = CutMix(seed=1)({"images": images, "labels": np.eye(4)})
    >>> out["images"].shape
    (4, 8, 8, 3)
    """

    def __init__(
        self,
        factor: Any = 1.0,
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = keras_factor(factor, self.name, bounds=(0, 1))

    def _hw(self) -> Any:
        return (-2, -1) if self.data_format == "channels_first" else (-3, -2)

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: Any = None
    ) -> Any:
        if not training:
            return None
        images = ops.convert_to_tensor(self._images_of(data))
        shape = tuple(ops.shape(images))
        if len(shape) == 3:
            return None
        batch = shape[0]
        ha, wa = self._hw()
        h, w = shape[ha], shape[wa]
        seed = self._seed(seed)
        alpha = ops.add(self._uniform((), self.factor[0], self.factor[1], seed), 1e-6)
        ratio = ops.sqrt(ops.subtract(1.0, symmetric_beta(batch, alpha, seed)))
        bounds = []
        for length in (w, h):
            crop = ops.multiply(ratio, float(length))
            start = ops.multiply(self._uniform((batch,), 0.0, 1.0, seed),
                                 ops.subtract(float(length), crop))  # fmt: skip
            bounds += [ops.reshape(v, (-1, 1, 1, 1)) for v in (start, ops.add(start, crop))]
        x0, x1, y0, y1 = bounds
        gy, gx = np.meshgrid(np.arange(h, dtype=np.float32), np.arange(w, dtype=np.float32),
                             indexing="ij")  # fmt: skip
        grid_shape = (1, 1, h, w) if self.data_format == "channels_first" else (1, h, w, 1)
        gx, gy = gx.reshape(grid_shape), gy.reshape(grid_shape)
        inside = ops.logical_and(
            ops.logical_and(ops.greater_equal(gx, x0), ops.less(gx, x1)),
            ops.logical_and(ops.greater_equal(gy, y0), ops.less(gy, y1)),
        )
        channels = shape[self._channels_axis()]
        masks = ops.repeat(inside, channels, axis=self._channels_axis())
        area = ops.multiply(ops.subtract(x1, x0), ops.subtract(y1, y0))
        mix_weight = ops.subtract(1.0, ops.divide(area, float(w * h)))
        return {
            "permutation_order": permutation(self, batch, seed),
            "batch_masks": masks,
            "mix_weight": mix_weight,
        }

    def transform_images(
        self, images: Any, transformation: Any = None, training: bool | None = True
    ) -> Any:
        images = ops.cast(images, "float32")
        if not training or transformation is None:
            return images
        others = ops.take(images, transformation["permutation_order"], axis=0)
        return ops.where(transformation["batch_masks"], others, images)

    def transform_labels(self, labels: Any, transformation: Any, training: bool = True) -> Any:
        """Labels mixed in proportion to the pasted area."""
        if not training or transformation is None:
            return labels
        labels = ops.cast(labels, "float32")
        weight = ops.reshape(ops.cast(transformation["mix_weight"], "float32"), (-1, 1))
        others = ops.take(labels, transformation["permutation_order"], axis=0)
        return ops.add(
            ops.multiply(weight, labels), ops.multiply(ops.subtract(1.0, weight), others)
        )

    def transform_segmentation_masks(
        self, segmentation_masks: Any, transformation: Any, training: bool = True
    ) -> Any:
        """Masks cut and pasted as the images."""
        if not training or transformation is None:
            return segmentation_masks
        masks = ops.convert_to_tensor(segmentation_masks)
        # One rectangle per image, whatever the masks' channels.
        box = ops.any(transformation["batch_masks"], axis=self._channels_axis(), keepdims=True)
        others = ops.take(masks, transformation["permutation_order"], axis=0)
        return ops.where(box, others, masks)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"factor": list(self.factor), "seed": self.seed})
        return config
