"""Rank alignment of targets and predictions, as Keras's
`squeeze_or_expand_to_same_rank`: a trailing axis of 1 is added or dropped so
`(batch,)` targets meet `(batch, 1)` predictions."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras import ops
from pykeras._convert import to_float32


def shape_of(x: Any) -> Any:
    shape = getattr(x, "shape", None)
    if shape is None:
        return np.shape(x)
    return tuple(shape)


def as_tensor(x: Any, what: str) -> Any:
    """Array-likes become float32 numpy arrays; tensors pass through."""
    if isinstance(x, (list, tuple, int, float, np.ndarray, np.generic)):
        return to_float32(x, what)
    return x


def _expand(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return x[..., None]
    return ops.reshape(x, [-1 if d is None else d for d in shape_of(x)] + [1])


def _squeeze(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return x[..., 0]
    return ops.reshape(x, [-1 if d is None else d for d in shape_of(x)[:-1]])


def same_rank(x1: Any, x2: Any) -> Any:
    """`x1` and `x2` with ranks made equal where one has an extra axis of 1."""
    s1, s2 = shape_of(x1), shape_of(x2)
    if s1 is None or s2 is None or len(s1) == len(s2):
        return x1, x2
    if len(s1) == len(s2) + 1 and s1[-1] == 1:
        return (x1, _expand(x2)) if len(s2) == 1 else (_squeeze(x1), x2)
    if len(s2) == len(s1) + 1 and s2[-1] == 1:
        return (_expand(x1), x2) if len(s1) == 1 else (x1, _squeeze(x2))
    return x1, x2
