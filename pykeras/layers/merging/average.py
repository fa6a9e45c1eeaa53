"""Average: elementwise average of a list of inputs."""

from pykeras import ops
from pykeras.layers.merging.base_merge import Merge


class Average(Merge):
    """Elementwise average of a list of inputs.

    The inputs must have the same shape, or shapes that broadcast.

    Example:

    >>> Average()([np.ones((2, 3)), np.ones((2, 3))]).shape
    (2, 3)
    """

    def _merge_two(self, a, b):
        return ops.add(a, b)

    def _finish(self, result, count):
        return ops.multiply(result, 1.0 / count)
