"""pykeras.backend: variables, naming, dtypes, sessions and the global settings
`keras.backend` shares with `keras.config`."""

from __future__ import annotations

import collections
import gc

from pykeras.backend.dtypes import (
    is_float_dtype,
    is_int_dtype,
    result_type,
    standardize_dtype,
)
from pykeras.backend.naming import reset_names, unique_name
from pykeras.backend.variable import Variable
from pykeras.config import (
    backend,
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)
from pykeras.engine.keras_tensor import is_keras_tensor

_uids: collections.defaultdict[str, int] = collections.defaultdict(int)


def get_uid(prefix: str = "") -> int:
    """The next integer id for `prefix`: 1, 2, ... (reset by `clear_session`).

    Args:
        prefix: the string the counter belongs to.

    Example:

    >>> pykeras.backend.get_uid("dense")
    1
    >>> pykeras.backend.get_uid("dense")
    2
    """
    _uids[prefix] += 1
    return _uids[prefix]


def clear_session(free_memory: bool = True) -> None:
    """Resets Keras's global state: automatic layer names (`dense`, `dense_1`,
    ...) and `get_uid` counters.

    Args:
        free_memory: also run Python's garbage collector, which releases the
            Rust tensors of models no longer referenced (as Keras's does).
    """
    reset_names()
    _uids.clear()
    if free_memory:
        gc.collect()


__all__ = [
    "Variable",
    "backend",
    "clear_session",
    "epsilon",
    "floatx",
    "get_uid",
    "image_data_format",
    "is_float_dtype",
    "is_int_dtype",
    "is_keras_tensor",
    "result_type",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "standardize_dtype",
    "unique_name",
]
