"""Keras's `encode_categorical_inputs` for the lookup and hashing layers, on
NumPy arrays (eager) and on graph tensors (traced with `pykeras.ops`).

The output modes, as Keras 3 computes them:

- `"int"`: the indices themselves;
- `"one_hot"`: a trailing axis of size 1 is replaced by the encoding, any
  other shape gains one;
- `"multi_hot"` / `"count"`: the sample axis (the last one for rank 1 and 2
  inputs, axis 1 beyond, as Keras's backends reduce) is replaced by the
  encoding; `count_weights` weigh the counts.

Indices outside `[0, depth)` (the mask of the lookup layers) add nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras import ops
from pykeras.errors import InvalidArgumentError

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


def check_sparse(layer: str, sparse: bool) -> None:
    """pykeras has no sparse tensors: `sparse=True` is refused up front."""
    if sparse:
        raise InvalidArgumentError(
            f"Layer '{layer}': `sparse=True` needs sparse tensors, which pykeras does not have "
            "(Keras supports them on the TensorFlow backend only). Use `sparse=False` (dense "
            "outputs). Received: sparse=True"
        )


def check_mode(layer: str, output_mode: Any, allowed: tuple[str, ...]) -> None:
    if output_mode not in allowed:
        raise InvalidArgumentError(
            f"Layer '{layer}': invalid value for argument `output_mode`. Expected one of "
            f"{list(allowed)}. Received: output_mode={output_mode!r}"
        )


def _reduce_axis(ndim: int) -> int:
    return 1 if ndim > 1 else 0


def encode(
    indices: np.ndarray,
    output_mode: str,
    depth: int,
    dtype: Any,
    count_weights: Any = None,
) -> np.ndarray:
    """Encodes integer `indices` (NumPy) as Keras does; see the module docstring."""
    x = np.asarray(indices).astype(np.int64)
    if output_mode == "int":
        return x.astype(dtype)
    if x.ndim == 0:
        x = x.reshape(1)
    if output_mode == "one_hot" and x.ndim > 1 and x.shape[-1] == 1:
        x = x.reshape(x.shape[:-1])
    valid = (x >= 0) & (x < depth)
    hot = (x[..., None] == np.arange(depth)) & valid[..., None]
    if output_mode == "one_hot":
        return hot.astype(dtype)
    axis = _reduce_axis(x.ndim)
    if output_mode == "multi_hot":
        return hot.any(axis=axis).astype(dtype)
    counts = hot.astype(np.float64)
    if count_weights is not None:
        weights = np.asarray(count_weights, np.float64)
        counts = counts * weights.reshape(weights.shape + (1,))
        return counts.sum(axis=axis).astype(np.asarray(count_weights).dtype)
    return counts.sum(axis=axis).astype(dtype)


def encode_symbolic(
    indices: Any, shape: tuple[Any, ...], output_mode: str, depth: int, count_weights: Any = None
) -> Any:
    """The same encoding on a graph tensor of float32 indices of static rank."""
    if output_mode == "int":
        return indices
    x, ndim = indices, len(shape)
    if ndim == 0:
        x, ndim = ops.reshape(x, (1,)), 1
    if output_mode == "one_hot" and ndim > 1 and shape[-1] == 1:
        x = ops.squeeze(x, axis=-1)
        ndim -= 1
    hot = ops.one_hot(x, depth)
    if output_mode == "one_hot":
        return hot
    axis = _reduce_axis(ndim)
    if output_mode == "multi_hot":
        return ops.max(hot, axis=axis)
    if count_weights is not None:
        hot = ops.multiply(hot, ops.expand_dims(count_weights, -1))
    return ops.sum(hot, axis=axis)


def output_shape(input_shape: Any, output_mode: str, depth: Any) -> tuple[Any, ...]:
    """The shape `encode` gives for inputs of `input_shape`."""
    shape = tuple(input_shape)
    if output_mode == "int":
        return shape
    if not shape:
        return (depth,)
    if output_mode == "one_hot":
        if len(shape) > 1 and shape[-1] == 1:
            return shape[:-1] + (depth,)
        return shape + (depth,)
    if len(shape) == 1:
        return (depth,)
    return shape[:1] + shape[2:] + (depth,)
