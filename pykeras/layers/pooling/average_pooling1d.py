"""AveragePooling1D: the average over windows of each sequence."""

from __future__ import annotations

from pykeras.layers.pooling.base_pooling import BasePooling


class AveragePooling1D(BasePooling):
    """Average pooling for 1D channels-last inputs.

    Args:
        pool_size: an int or a 1-tuple, the window size (default 2).
        strides: the step between windows (default: pool_size).
        padding: "valid" (default) or "same".
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> AveragePooling1D(2)(np.ones((2, 10, 3))).shape
    (2, 5, 3)
    """

    rank = 1
    mode = "avg"
