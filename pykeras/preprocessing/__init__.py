"""pykeras.preprocessing: Keras's legacy home of the dataset helpers, the same
functions as in `pykeras.utils`."""

from pykeras.preprocessing import sequence
from pykeras.utils import (
    image_dataset_from_directory,
    text_dataset_from_directory,
    timeseries_dataset_from_array,
)

__all__ = [
    "image_dataset_from_directory",
    "sequence",
    "text_dataset_from_directory",
    "timeseries_dataset_from_array",
]
