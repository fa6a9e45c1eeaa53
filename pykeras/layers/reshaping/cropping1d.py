"""Cropping1D: removes steps at both ends of sequences."""

from __future__ import annotations

from typing import Any

from pykeras.layers.reshaping.base_padding import BaseSpatialEdges


class Cropping1D(BaseSpatialEdges):
    """Cropping layer for 1D input (e.g. temporal sequence).

    Args:
        cropping: an int (both ends) or a pair `(start, end)`.


    Example:

    >>> Cropping1D((1, 2))(np.ones((1, 6, 2))).shape
    (1, 3, 2)
    """

    rank = 1
    sign = -1
    arg = "cropping"
    has_data_format = False

    def __init__(self, cropping: Any = (1, 1), **kwargs: Any) -> None:
        super().__init__(cropping, **kwargs)
