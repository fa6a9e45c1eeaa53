"""Multiply: multiplies a list of inputs elementwise."""

from pykeras import ops
from pykeras.layers.merging.base_merge import Merge


class Multiply(Merge):
    """Multiplies a list of inputs elementwise.

    The inputs must have the same shape, or shapes that broadcast.

    Example:

    >>> Multiply()([np.ones((2, 3)), np.ones((2, 3))]).shape
    (2, 3)
    """

    def _merge_two(self, a, b):
        return ops.multiply(a, b)
