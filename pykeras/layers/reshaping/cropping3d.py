"""Cropping3D: removes the edges of volumes."""

from __future__ import annotations

from typing import Any

from pykeras.layers.reshaping.base_padding import BaseSpatialEdges


class Cropping3D(BaseSpatialEdges):
    """Cropping layer for 3D data (e.g. spatial or spatio-temporal).

    Args:
        cropping: an int, 3 symmetric amounts, or 3 `(before,
            after)` pairs for depth, height and width.
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> Cropping3D(1)(np.ones((1, 4, 4, 4, 3))).shape
    (1, 2, 2, 2, 3)
    """

    rank = 3
    sign = -1
    arg = "cropping"
    has_data_format = True

    def __init__(
        self,
        cropping: Any = ((1, 1), (1, 1), (1, 1)),
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(cropping, data_format=data_format, **kwargs)
