"""GlobalMaxPooling3D: the max over each channel of a volume."""

from __future__ import annotations

from pykeras.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalMaxPooling3D(BaseGlobalPooling):
    """Global max pooling for 3D data.

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: keep the spatial axes with size 1 (default False).

    Example:

    >>> GlobalMaxPooling3D()(np.ones((2, 4, 4, 4, 3))).shape
    (2, 3)
    """

    rank = 3
    mode = "max"
