"""The base of the random augmentation layers: Keras's split into
`get_random_transformation` (the draws) and `transform_images` (applying
them), so a transformation can be drawn once and inspected or replayed."""

from pykeras import ops, random
from pykeras.layers.preprocessing._base import BaseImageLayer


class BaseRandomLayer(BaseImageLayer):
    """A random image layer: identity unless training.

    Subclasses define `get_random_transformation(data, training=True,
    seed=None)`, the random parameters for a batch (None when not training),
    and `transform_images(images, transformation, training=True)`.
    """

    random = True

    def _uniform(self, shape, low, high, seed=None):
        return random.uniform(shape, low, high, seed=self.generator if seed is None else seed)

    def _batch(self, images):
        shape = ops.shape(images)
        return shape[0] if len(shape) == 4 else 1

    def call(self, inputs, training=True):
        if not training:
            return inputs
        transformation = self.get_random_transformation(inputs, training=True)
        return self.transform_images(inputs, transformation, training=True)
