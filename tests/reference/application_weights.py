"""The deterministic weights of the applications fixtures, shared by
make_applications_reference.py (Keras) and test_applications.py (pykeras)."""

import zlib

import numpy as np


def weight_value(path, shape):
    """A deterministic value for the weight at `path` (`layer/weight`),
    scaled so deep networks keep activations of order one."""
    rng = np.random.default_rng(zlib.crc32(path.encode()))
    leaf = path.rsplit("/", 1)[-1]
    if leaf == "gamma":
        return rng.uniform(0.8, 1.2, shape).astype(np.float32)
    if leaf == "moving_variance":
        return rng.uniform(0.5, 1.5, shape).astype(np.float32)
    if len(shape) <= 1:
        return rng.uniform(-0.1, 0.1, shape).astype(np.float32)
    fan_in = int(np.prod(shape[:-1])) if "depthwise" not in path else int(np.prod(shape[:-2]))
    return (rng.normal(size=shape) * np.sqrt(1.0 / fan_in)).astype(np.float32)
