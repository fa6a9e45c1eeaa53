"""The base of the random augmentation layers: Keras's split into
`get_random_transformation` (the draws) and `transform_images` (applying
them), so a transformation can be drawn once and inspected or replayed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pykeras import ops, random
from pykeras.layers.preprocessing._base import BaseImageLayer


class BaseRandomLayer(BaseImageLayer):
    """A random image layer: identity unless training.

    Subclasses define `get_random_transformation(data, training=True,
    seed=None)`, the random parameters for a batch (None when not training),
    and `transform_images(images, transformation, training=True)`.
    """

    random = True

    if TYPE_CHECKING:
        # What subclasses define.
        def get_random_transformation(
            self, data: Any, training: bool = True, seed: Any = None
        ) -> Any: ...
        def transform_images(
            self, images: Any, transformation: Any, training: bool = True
        ) -> Any: ...

    def _uniform(self, shape: Any, low: Any, high: Any, seed: int | None = None) -> Any:
        return random.uniform(shape, low, high, seed=self.generator if seed is None else seed)

    def _batch(self, images: Any) -> Any:
        shape = ops.shape(images)
        return shape[0] if len(shape) == 4 else 1

    def call(self, inputs: Any, training: bool | None = True) -> Any:
        if not training:
            return inputs
        transformation = self.get_random_transformation(inputs, training=True)
        return self.transform_images(inputs, transformation, training=True)
