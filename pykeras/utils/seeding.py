"""`set_random_seed`: one call makes a run repeatable."""

from __future__ import annotations

import random as python_random

import numpy as np

from pykeras.random import _stream as pykeras_random


def set_random_seed(seed: int | None) -> None:
    """Seeds Python's, numpy's and pykeras's random streams.

    After it, weight initialization, shuffling in `fit` and dropout masks
    repeat exactly, whatever the thread count (dropout masks are a function
    of the seed and the step, not of the thread that draws them).

    Args:
        seed: a non-negative int.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"set_random_seed expects a non-negative integer. Received: seed={seed!r}")
    python_random.seed(int(seed))
    np.random.seed(int(seed) % (2**32))
    pykeras_random.set_seed(int(seed))
