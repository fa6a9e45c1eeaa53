"""MNIST handwritten digits dataset."""

from pykeras.datasets._safe_load import load_npz
from pykeras.datasets._source import KERAS_DATASETS_URL, dataset_file

ORIGIN = KERAS_DATASETS_URL + "mnist.npz"
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz"):
    """Loads the MNIST dataset.

    60,000 28x28 grayscale images of the 10 digits, and a test set of 10,000 images.

    Args:
        path: File name in the cache (`~/.keras/datasets`), downloaded there on first
            use. pykeras extension: a path with a folder part (`"/data/mnist.npz"`,
            `"./mnist.npz"`) is read as it is, without downloading.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

    **`x_train`**: `uint8` array of shape `(60000, 28, 28)`, pixel values 0 to 255.

    **`y_train`**: `uint8` array of digit labels (0-9) of shape `(60000,)`.

    **`x_test`**: `uint8` array of shape `(10000, 28, 28)`.

    **`y_test`**: `uint8` array of shape `(10000,)`.

    Raises:
        OSError: The download failed, or a local `path` does not exist.
        ValueError: The file is not a valid MNIST `.npz`.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    assert x_train.shape == (60000, 28, 28)
    assert y_test.shape == (10000,)
    ```

    License: Yann LeCun and Corinna Cortes hold the copyright of MNIST, a derivative
    of the NIST datasets, available under the
    [CC BY-SA 3.0 license](https://creativecommons.org/licenses/by-sa/3.0/).
    """
    fpath = dataset_file(path, ORIGIN, FILE_HASH)
    a = load_npz(fpath, ["x_train", "y_train", "x_test", "y_test"])
    for split in ("train", "test"):
        if len(a[f"x_{split}"]) != len(a[f"y_{split}"]):
            raise ValueError(
                f"Could not read {fpath}: x_{split} holds {len(a[f'x_{split}'])} images but "
                f"y_{split} {len(a[f'y_{split}'])} labels."
            )
    return (a["x_train"], a["y_train"]), (a["x_test"], a["y_test"])
