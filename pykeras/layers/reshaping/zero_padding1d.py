"""ZeroPadding1D: adds zeros at both ends of sequences."""

from __future__ import annotations

from typing import Any

from pykeras.layers.reshaping.base_padding import BaseSpatialEdges


class ZeroPadding1D(BaseSpatialEdges):
    """Zero-padding layer for 1D input (e.g. temporal sequence).

    Args:
        padding: an int (both ends) or a pair `(left, right)`.
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> ZeroPadding1D((1, 2))(np.ones((1, 3, 2))).shape
    (1, 6, 2)
    """

    rank = 1
    sign = 1
    arg = "padding"
    has_data_format = True

    def __init__(self, padding: Any = 1, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(padding, data_format=data_format, **kwargs)
