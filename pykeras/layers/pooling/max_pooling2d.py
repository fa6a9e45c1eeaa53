"""MaxPooling2D: the maximum over windows of each image."""

from __future__ import annotations

from pykeras.layers.pooling.base_pooling import BasePooling


class MaxPooling2D(BasePooling):
    """Max pooling for 2D channels-last inputs.

    Args:
        pool_size: an int or a pair, the window size (default 2).
        strides: the step between windows (default: pool_size).
        padding: "valid" (default) or "same".
        data_format: "channels_last" (default) or "channels_first".

    Example:

    >>> MaxPooling2D(2)(np.ones((1, 28, 28, 32))).shape
    (1, 14, 14, 32)
    """

    rank = 2
    mode = "max"
