"""CIFAR10 small images classification dataset."""

import numpy as np

from pykeras.datasets._source import local_dir_or_archive
from pykeras.datasets.cifar import read_batches
from pykeras.utils.file_utils import get_file

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
# Keras's cache names: the archive is kept as `cifar-10-batches-py-target_archive` and
# extracted to `cifar-10-batches-py-target/cifar-10-batches-py/`, so either library
# reuses the other's download.
CACHE_NAME = "cifar-10-batches-py-target"
FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = [f"data_batch_{i}" for i in range(1, 6)]
TEST_BATCH = "test_batch"


def load_data(path=None):
    """Loads the CIFAR10 dataset.

    50,000 32x32 color training images and 10,000 test images, labeled over 10
    categories. See the [CIFAR homepage](https://www.cs.toronto.edu/~kriz/cifar.html).

    | Label | Description |
    |:-----:|-------------|
    |   0   | airplane    |
    |   1   | automobile  |
    |   2   | bird        |
    |   3   | cat         |
    |   4   | deer        |
    |   5   | dog         |
    |   6   | frog        |
    |   7   | horse       |
    |   8   | ship        |
    |   9   | truck       |

    The batches are Python pickles; pykeras reads them with an unpickler that can only
    rebuild numpy arrays, so a tampered file cannot run code.

    Args:
        path: pykeras extension (Keras's `load_data()` takes no argument). `None`
            downloads and extracts the archive into `~/.keras/datasets` on first use.
            Otherwise a local copy, read without downloading: the archive
            `cifar-10-python.tar.gz` (read in place, not extracted), the
            `cifar-10-batches-py` folder, or a folder holding it.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

    **`x_train`**: `uint8` array of shape `(50000, 32, 32, 3)` (channels last).

    **`y_train`**: `uint8` array of labels (0-9) of shape `(50000, 1)`.

    **`x_test`**: `uint8` array of shape `(10000, 32, 32, 3)`.

    **`y_test`**: `uint8` array of shape `(10000, 1)`.

    Raises:
        OSError: The download failed, or a batch is missing.
        ValueError: The archive or a batch is corrupt or not in the CIFAR format.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    assert x_train.shape == (50000, 32, 32, 3)
    assert y_train.shape == (50000, 1)
    ```
    """
    if path is None:
        source = get_file(fname=CACHE_NAME, origin=ORIGIN, extract=True, file_hash=FILE_HASH)
    else:
        source = local_dir_or_archive(path, "CIFAR-10 archive or folder")
    batches = read_batches(source, TRAIN_BATCHES + [TEST_BATCH], FOLDER)

    x_train = np.concatenate([data for data, _ in batches[:-1]]).astype("uint8", copy=False)
    y_train = np.concatenate([np.asarray(labels) for _, labels in batches[:-1]])
    x_test, y_test = batches[-1]
    # pykeras images are channels last, Keras's default `image_data_format`.
    x_train = np.ascontiguousarray(x_train.transpose(0, 2, 3, 1))
    x_test = np.ascontiguousarray(np.asarray(x_test, dtype="uint8").transpose(0, 2, 3, 1))
    y_train = y_train.astype("uint8").reshape(-1, 1)
    y_test = np.asarray(y_test).astype("uint8").reshape(-1, 1)
    return (x_train, y_train), (x_test, y_test)
