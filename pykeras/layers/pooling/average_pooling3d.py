"""AveragePooling3D: the average over windows of each volume."""

from __future__ import annotations

from pykeras.layers.pooling.base_pooling import BasePooling


class AveragePooling3D(BasePooling):
    """Average pooling for 3D (spatial or spatio-temporal) data.

    Args:
        pool_size: an int or a 3-tuple, the window size (default 2).
        strides: the step between windows (default: pool_size).
        padding: "valid" (default) or "same".
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> AveragePooling3D(2)(np.ones((1, 4, 4, 4, 3))).shape
    (1, 2, 2, 2, 3)
    """

    rank = 3
    mode = "avg"
