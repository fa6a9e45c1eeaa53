"""GlobalMaxPooling1D: the maximum over every step of each channel."""

from __future__ import annotations

from pykeras.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalMaxPooling1D(BaseGlobalPooling):
    """Global maximum pooling for 1D channels-last inputs.

    Args:
        keepdims: keep the pooled axes with size 1 (default False).

    Example:

    >>> GlobalMaxPooling1D()(np.ones((2, 10, 3))).shape
    (2, 3)
    """

    rank = 1
    mode = "max"
