"""MaxPooling1D: the maximum over windows of each sequence."""

from __future__ import annotations

from pykeras.layers.pooling.base_pooling import BasePooling


class MaxPooling1D(BasePooling):
    """Max pooling for 1D channels-last inputs.

    Args:
        pool_size: an int or a 1-tuple, the window size (default 2).
        strides: the step between windows (default: pool_size).
        padding: "valid" (default) or "same".
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> MaxPooling1D(2)(np.ones((2, 10, 3))).shape
    (2, 5, 3)
    """

    rank = 1
    mode = "max"
