"""AdaptiveAveragePooling1D/2D/3D: the mean over bins that give a fixed output size."""

from __future__ import annotations

from pykeras.layers.pooling.base_adaptive_pooling import BaseAdaptivePooling


class AdaptiveAveragePooling1D(BaseAdaptivePooling):
    """Adaptive average pooling for temporal or spatial data.

    Each spatial axis is cut into `output_size` bins (bin `i` of an axis of
    size `L` pooled to `O` covers `[floor(i*L/O), ceil((i+1)*L/O))`, so bins
    may overlap by one position), and each output is the mean of its bin:
    the output has that size whatever the input's spatial size.

    Args:
        output_size: an integer, or a tuple of 1 integers (length), the
            output's spatial size.
        data_format: `"channels_last"` (inputs `(batch, length, channels)`) or
            `"channels_first"` (inputs `(batch, channels, length)`); defaults to
            `keras.config.image_data_format()`.

    Example:

    >>> AdaptiveAveragePooling1D(32)(np.ones((1, 64, 3))).shape
    (1, 32, 3)
    """

    rank = 1
    mode = "average"


class AdaptiveAveragePooling2D(BaseAdaptivePooling):
    """Adaptive average pooling for 2D spatial data.

    Each spatial axis is cut into `output_size` bins (bin `i` of an axis of
    size `L` pooled to `O` covers `[floor(i*L/O), ceil((i+1)*L/O))`, so bins
    may overlap by one position), and each output is the mean of its bin:
    the output has that size whatever the input's spatial size.

    Args:
        output_size: an integer, or a tuple of 2 integers (height, width), the
            output's spatial size.
        data_format: `"channels_last"` (inputs `(batch, height, width, channels)`) or
            `"channels_first"` (inputs `(batch, channels, height, width)`); defaults to
            `keras.config.image_data_format()`.

    Example:

    >>> AdaptiveAveragePooling2D((32, 16))(np.ones((1, 64, 64, 3))).shape
    (1, 32, 16, 3)
    """

    rank = 2
    mode = "average"


class AdaptiveAveragePooling3D(BaseAdaptivePooling):
    """Adaptive average pooling for 3D volumetric data.

    Each spatial axis is cut into `output_size` bins (bin `i` of an axis of
    size `L` pooled to `O` covers `[floor(i*L/O), ceil((i+1)*L/O))`, so bins
    may overlap by one position), and each output is the mean of its bin:
    the output has that size whatever the input's spatial size.

    Args:
        output_size: an integer, or a tuple of 3 integers (depth, height, width), the
            output's spatial size.
        data_format: `"channels_last"` (inputs `(batch, depth, height, width, channels)`) or
            `"channels_first"` (inputs `(batch, channels, depth, height, width)`); defaults to
            `keras.config.image_data_format()`.

    Example:

    >>> AdaptiveAveragePooling3D(4)(np.ones((1, 8, 8, 8, 3))).shape
    (1, 4, 4, 4, 3)
    """

    rank = 3
    mode = "average"
