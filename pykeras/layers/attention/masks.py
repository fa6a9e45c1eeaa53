"""Attention masks: the implicit masks of inputs, causal and sliding-window
masks, and a masked softmax, shared by the attention layers.

Masks are kept as 0/1 float32 tensors (the core's booleans) and combined by
multiplication, which is a logical AND on them and works the same eagerly,
on symbolic tensors and inside a traced graph.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras import ops
from pykeras.engine.masking import get_keras_mask
from pykeras.errors import ShapeError

# Keras's Softmax layer writes masked logits as this number, not -inf, so a
# fully masked row gives zeros (after the mask is applied again), not NaN.
LARGE_NEGATIVE = -1e9


def keras_mask(x: Any) -> Any:
    """The implicit mask a masking layer attached to `x`, or None."""
    return get_keras_mask(x)


def as_float(mask: Any) -> Any:
    """A mask (bool, int or float) as 0/1 float32: nonzero entries keep, as
    Keras's cast to bool."""
    if isinstance(mask, (np.ndarray, list, tuple)) or np.isscalar(mask):
        return (np.asarray(mask) != 0).astype(np.float32)
    return ops.cast(ops.not_equal(mask, 0), "float32")


def combine(a: Any, b: Any) -> Any:
    """Logical AND of two 0/1 masks (None means all ones)."""
    if a is None:
        return b
    if b is None:
        return a
    return ops.multiply(a, b)


def static_length(layer: str, shape: tuple, axis: int, what: str) -> int:
    """A sequence length that must be known to build a causal or window mask."""
    size = shape[axis] if shape is not None and len(shape) > axis else None
    if size is None:
        raise ShapeError(
            f"Layer '{layer}' needs a known {what} length to build a causal or sliding-window "
            f"mask. Received: {what}.shape={shape}"
        )
    return int(size)


def causal_mask(t: int, s: int) -> np.ndarray:
    """(1, T, S): query i may attend to keys 0..i (as Keras: row >= column)."""
    return np.tril(np.ones((t, s), np.float32))[None]


def sliding_window_mask(t: int, s: int, window: int) -> np.ndarray:
    """(1, T, S): query i may attend to keys within `window - 1` of i."""
    rows = np.arange(t)[:, None]
    cols = np.arange(s)[None, :]
    return (np.abs(rows - cols) < window).astype(np.float32)[None]


def check_broadcast(layer: str, mask_shape: tuple, scores_shape: tuple, what: str) -> None:
    """Raises a ShapeError naming the layer when a mask cannot broadcast to the scores."""
    if mask_shape is None or scores_shape is None:
        return
    bad = len(mask_shape) > len(scores_shape)
    for m, s in zip(reversed(mask_shape), reversed(scores_shape)):
        if m is not None and s is not None and m not in (1, s):
            bad = True
    if bad:
        raise ShapeError(
            f"Layer '{layer}': the {what} must be broadcastable to the attention scores of "
            f"shape {tuple(scores_shape)}. Received: {what}.shape={tuple(mask_shape)}"
        )


def masked_softmax(scores: Any, mask: Any, axes: tuple) -> Any:
    """Keras's `Softmax(axis)(scores, mask)`: masked logits become -1e9, and the
    masked probabilities are zeroed afterwards."""
    if mask is not None:
        scores = ops.where(ops.greater(mask, 0.5), scores, LARGE_NEGATIVE)
    if len(axes) == 1:
        out = ops.softmax(scores, axis=axes[0])
    else:
        out = ops.exp(ops.subtract(scores, ops.logsumexp(scores, axis=axes, keepdims=True)))
    if mask is not None:
        out = ops.multiply(out, mask)
    return out


def shape_of(x: Any) -> tuple | None:
    """A tensor's static shape (None where a size is unknown), for arrays and
    tensors alike; None when even the rank is unknown (a traced tensor)."""
    if hasattr(x, "shape"):
        return None if x.shape is None else tuple(x.shape)
    return tuple(np.shape(x))
