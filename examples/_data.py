"""Offline data for the examples: the 8x8 handwritten digits scikit-learn
ships (1797 images, no download), split the same way every run."""

import numpy as np
from sklearn.datasets import load_digits


def digits(test_fraction=0.25, seed=0):
    """((x_train, y_train), (x_test, y_test)): pixels scaled to [0, 1], shape (n, 8, 8)."""
    data = load_digits()
    x = (data.images / 16.0).astype("float32")
    y = data.target.astype("int64")
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    split = int(len(x) * (1 - test_fraction))
    return (x[:split], y[:split]), (x[split:], y[split:])
