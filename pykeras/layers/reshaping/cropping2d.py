"""Cropping2D: removes rows and columns at the edges of images."""

from __future__ import annotations

from typing import Any

from pykeras.layers.reshaping.base_padding import BaseSpatialEdges


class Cropping2D(BaseSpatialEdges):
    """Cropping layer for 2D input (e.g. picture).

    Args:
        cropping: an int (all four sides), `(symmetric_height,
            symmetric_width)` or `((top, bottom), (left, right))`.
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> Cropping2D(((1, 0), (2, 1)))(np.ones((1, 4, 5, 3))).shape
    (1, 3, 2, 3)
    """

    rank = 2
    sign = -1
    arg = "cropping"
    has_data_format = True

    def __init__(
        self, cropping: Any = ((0, 0), (0, 0)), data_format: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(cropping, data_format=data_format, **kwargs)
