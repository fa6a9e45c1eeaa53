"""Boston Housing price regression dataset."""

import numpy as np

from pykeras.datasets._safe_load import load_npz
from pykeras.datasets._source import KERAS_DATASETS_URL, dataset_file

ORIGIN = KERAS_DATASETS_URL + "boston_housing.npz"
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Loads the Boston Housing dataset.

    13 attributes of houses in Boston suburbs in the late 1970s; the targets are median
    home values in k$. From the StatLib library at Carnegie Mellon University.

    **Warning:** this dataset has an ethical problem: its variable "B" may appear to
    assume that racial self-segregation influences house prices. Avoid it unless the
    point is to illustrate ethical issues in data science.

    Args:
        path: File name in the cache (`~/.keras/datasets`), downloaded there on first
            use. pykeras extension: a path with a folder part is read as it is.
        test_split: Fraction of the data kept as the test set, in `[0, 1)`.
        seed: Seed of the shuffle done before the split (same order as Keras).

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

    **`x_train`, `x_test`**: arrays of shape `(num_samples, 13)`.

    **`y_train`, `y_test`**: arrays of shape `(num_samples,)` of float targets,
    typically between 10 and 50.

    Raises:
        ValueError: `test_split` is outside `[0, 1)` or the file is not valid.
        OSError: The download failed, or a local `path` does not exist.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = keras.datasets.boston_housing.load_data()
    assert x_train.shape == (404, 13)
    ```
    """
    if not (0 <= test_split < 1):
        raise ValueError(
            f"Invalid `test_split` argument: {test_split}. "
            "It must be between 0 and 1 (exclusive of 1)."
        )
    fpath = dataset_file(path, ORIGIN, FILE_HASH)
    arrays = load_npz(fpath, ["x", "y"])
    x, y = arrays["x"], arrays["y"]
    if len(x) != len(y):
        raise ValueError(f"Could not read {fpath}: x holds {len(x)} rows but y {len(y)}.")

    rng = np.random.RandomState(seed)
    indices = np.arange(len(x))
    rng.shuffle(indices)
    x = x[indices]
    y = y[indices]
    n_train = int(len(x) * (1 - test_split))
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])
