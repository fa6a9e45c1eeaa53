"""A cap on the weights layers may create while a model is rebuilt from a file.

A config read from a file decides the size of every weight: a damaged or
hostile one can ask a Dense layer for 10**9 units, and building it would
allocate (and randomly initialize) gigabytes before any check could fail, or
die in the allocator. While a loader holds a `WeightLimit`, `Layer.add_weight`
charges each new weight to it first and refuses the one that would go over.

Loaders that also read weights set the limit to what the file stores (a model
whose weights do not fit in its own file cannot load anyway); a bare config
(`model_from_json`) gets `CONFIG_ONLY_VALUES`.
"""

from __future__ import annotations

import math
import threading
from typing import Any

from pykeras.errors import FileFormatError

# 2**28 float32 values: 1 GiB of weights, far past any model built on a CPU.
CONFIG_ONLY_VALUES = 2**28

_local = threading.local()


class WeightLimit:
    """Caps the number of weight values layers may create in this thread.

    Args:
        max_values: how many float values, summed over all new weights.
        source: what is being loaded, for the message (a quoted file name or
            a phrase such as "The model JSON").

    Example:

    >>> with WeightLimit(1_000, "'model.keras'"):
    ...     keras.layers.Dense(10**9, name="dense").build((None, 8))
    Traceback (most recent call last):
    pykeras.errors.FileFormatError: 'model.keras' describes a weight 'dense/kernel' of shape ...
    """

    def __init__(self, max_values: int, source: str) -> None:
        self.max_values = int(max_values)
        self.left = self.max_values
        self.source = source
        self._outer = None

    def __enter__(self) -> WeightLimit:
        self._outer = getattr(_local, "limit", None)
        _local.limit = self
        return self

    def __exit__(self, *exc: Any) -> None:
        _local.limit = self._outer


def charge(shape: tuple, what: str) -> None:
    """Counts a new weight of `shape` against the active limit (if any).

    Raises:
        FileFormatError: the weight would take the total past the limit.
    """
    limit = getattr(_local, "limit", None)
    if limit is None:
        return
    size = math.prod(shape) if all(d >= 0 for d in shape) else 0
    if size > limit.left:
        raise FileFormatError(
            f"{limit.source} describes a weight '{what}' of shape {tuple(shape)} ({size} values), "
            f"which does not fit in the {limit.max_values} values the model may have in all "
            f"(what the file stores, or {CONFIG_ONLY_VALUES} for a bare config): the file is "
            f"damaged or not a model. Received: shape={tuple(shape)}"
        )
    limit.left -= size
