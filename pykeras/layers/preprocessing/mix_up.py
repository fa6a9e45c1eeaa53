"""MixUp: blends each image (and label) with another of the batch."""

from __future__ import annotations

from typing import Any

from pykeras import ops, random
from pykeras.errors import InvalidArgumentError
from pykeras.layers.preprocessing._augment_base import AugmentationLayer


def permutation(layer: AugmentationLayer, batch: Any, seed: Any) -> Any:
    """A random order of the batch (an argsort of uniform draws, so the
    batch size may be known only at run time)."""
    return ops.argsort(layer._uniform((batch,), 0.0, 1.0, seed))


class MixUp(AugmentationLayer):
    """MixUp implements the MixUp data augmentation technique.

    Each image becomes `w * image + (1 - w) * other`, `other` the image at
    the same place in a random permutation of the batch and `w` drawn from
    Beta(alpha, alpha); labels (one-hot or probabilities, in a dict
    `{"images": ..., "labels": ...}`) are mixed with the same weights.
    Active only while training.

    Args:
        alpha: the Beta distribution's parameter (default 0.2).
        data_format: "channels_last" (default) or "channels_first".
        seed: int, makes the draws repeatable.

    Example:

    >>> images = np.random.uniform(0, 255, (4, 8, 8, 3))
    >>> labels = np.eye(4)
    >>> out = MixUp(seed=1)({"images": images, "labels": labels})
    >>> np.asarray(out["labels"]).sum(axis=1).round(5)
    array([1., 1., 1., 1.], dtype=float32)
    """

    def __init__(
        self,
        alpha: float = 0.2,
        data_format: str | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        if not isinstance(alpha, (int, float)) or isinstance(alpha, bool) or not alpha > 0:
            raise InvalidArgumentError(
                f"Layer '{self.name}': `alpha` should be a positive number. "
                f"Received: alpha={alpha!r}"
            )
        self.alpha = alpha

    def get_random_transformation(
        self, data: Any, training: bool | None = True, seed: Any = None
    ) -> Any:
        batch = self._batch_size(data)
        seed = self._seed(seed)
        order = permutation(self, batch, seed)
        # Beta(a, a) as X / (X + Y) of two Gamma(a) draws (`random.beta`
        # takes no batch size known only at run time).
        x = random.gamma((batch,), float(self.alpha), seed=seed)
        y = random.gamma((batch,), float(self.alpha), seed=seed)
        weight = ops.divide(x, ops.add(x, y))
        return {"mix_weight": weight, "permutation_order": order}

    def transform_images(
        self, images: Any, transformation: Any = None, training: bool | None = True
    ) -> Any:
        images = ops.cast(images, "float32")
        if not training:
            return images
        weight = ops.reshape(ops.cast(transformation["mix_weight"], "float32"), (-1, 1, 1, 1))
        others = ops.take(images, transformation["permutation_order"], axis=0)
        return ops.add(
            ops.multiply(weight, images), ops.multiply(ops.subtract(1.0, weight), others)
        )

    def transform_labels(self, labels: Any, transformation: Any, training: bool = True) -> Any:
        """Labels mixed with the images' weights."""
        if not training:
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
        """Masks mixed as the images."""
        return self.transform_images(segmentation_masks, transformation, training)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"alpha": self.alpha, "seed": self.seed})
        return config
