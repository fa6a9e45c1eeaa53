"""The global random stream (internal): reseeded by
`pykeras.utils.set_random_seed`; initializers, dropout layers, `fit`'s
shuffling, `GradientTape` and unseeded `keras.random` draws take their seeds
from it (`pykeras.random._stream` re-exports it)."""

from __future__ import annotations

import numpy as np

_global = {"rng": np.random.default_rng()}


def set_seed(seed: int) -> None:
    """Reseeds the global stream so that later draws repeat exactly."""
    _global["rng"] = np.random.default_rng(int(seed))


def make_rng(seed: int | None = None) -> np.random.Generator:
    """A numpy Generator: seeded by `seed` if given, else drawn from the global stream."""
    if seed is not None:
        return np.random.default_rng(int(seed))
    return np.random.default_rng(_global["rng"].integers(0, 2**63 - 1))


def next_seed() -> int:
    """A fresh 63-bit seed from the global stream."""
    return int(_global["rng"].integers(0, 2**63 - 1))
