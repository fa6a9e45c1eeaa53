"""GlobalAveragePooling2D: the average over every position of each channel."""

from __future__ import annotations

from pykeras.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling2D(BaseGlobalPooling):
    """Global average pooling for 2D channels-last inputs.

    Args:
        keepdims: keep the pooled axes with size 1 (default False).

    Example:

    >>> GlobalAveragePooling2D()(np.ones((1, 28, 28, 32))).shape
    (1, 32)
    """

    rank = 2
    mode = "avg"
