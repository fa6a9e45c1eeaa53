"""ZeroPadding2D: adds rows and columns of zeros around images."""

from __future__ import annotations

from typing import Any

from pykeras.layers.reshaping.base_padding import BaseSpatialEdges


class ZeroPadding2D(BaseSpatialEdges):
    """Zero-padding layer for 2D input (e.g. picture).

    Args:
        padding: an int (all four sides), `(symmetric_height,
            symmetric_width)` or `((top, bottom), (left, right))`.
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> ZeroPadding2D(1)(np.ones((1, 2, 2, 3))).shape
    (1, 4, 4, 3)
    """

    rank = 2
    sign = 1
    arg = "padding"
    has_data_format = True

    def __init__(
        self, padding: Any = (1, 1), data_format: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(padding, data_format=data_format, **kwargs)
