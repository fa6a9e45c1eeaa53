"""GlobalAveragePooling3D: the average over each channel of a volume."""

from __future__ import annotations

from pykeras.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling3D(BaseGlobalPooling):
    """Global average pooling for 3D data.

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: keep the spatial axes with size 1 (default False).

    Example:

    >>> GlobalAveragePooling3D()(np.ones((2, 4, 4, 4, 3))).shape
    (2, 3)
    """

    rank = 3
    mode = "avg"
