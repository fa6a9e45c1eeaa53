"""ZeroPadding3D: adds zeros around volumes."""

from __future__ import annotations

from typing import Any

from pykeras.layers.reshaping.base_padding import BaseSpatialEdges


class ZeroPadding3D(BaseSpatialEdges):
    """Zero-padding layer for 3D data (spatial or spatio-temporal).

    Args:
        padding: an int, 3 symmetric amounts, or 3 `(before,
            after)` pairs for depth, height and width.
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> ZeroPadding3D(1)(np.ones((1, 2, 2, 2, 3))).shape
    (1, 4, 4, 4, 3)
    """

    rank = 3
    sign = 1
    arg = "padding"
    has_data_format = True

    def __init__(
        self, padding: Any = ((1, 1), (1, 1), (1, 1)), data_format: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(padding, data_format=data_format, **kwargs)
