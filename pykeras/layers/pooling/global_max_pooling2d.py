"""GlobalMaxPooling2D: the maximum over every position of each channel."""

from __future__ import annotations

from pykeras.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalMaxPooling2D(BaseGlobalPooling):
    """Global maximum pooling for 2D channels-last inputs.

    Args:
        keepdims: keep the pooled axes with size 1 (default False).

    Example:

    >>> GlobalMaxPooling2D()(np.ones((1, 28, 28, 32))).shape
    (1, 32)
    """

    rank = 2
    mode = "max"
