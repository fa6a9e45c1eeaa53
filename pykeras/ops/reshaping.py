"""Shape ops: shape, reshape, transpose, concatenate, slice, pad."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.engine import symbolic_scope
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.ops import _dynamic
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__ = [
    "concat",
    "concatenate",
    "pad",
    "reshape",
    "shape",
    "slice",
    "transpose",
]


def shape(x: TensorLike) -> tuple[Any, ...]:
    """The shape of `x` as a tuple: a Python int for each size known before
    run time, and for a size known only at run time (the batch):

    - inside a traced model, or a layer's `call` while a model is built, a
      scalar int32 tensor holding the size when the step runs, which
      `ops.ones((batch, 1))`, `ops.reshape(x, (batch, -1))`,
      `ops.arange(batch)`, `keras.random.normal((batch, d))`, arithmetic
      and `ops.cast` accept (as Keras's TensorFlow backend gives);
    - on a Functional model's symbolic tensor, None (as Keras).

    Args:
        x: a tensor, an array, a `Variable` or a symbolic tensor.

    Returns:
        A tuple of ints (and scalar tensors or None where unknown).

    Example:

    >>> pykeras.ops.shape(np.zeros((2, 3)))
    (2, 3)
    """
    known = getattr(x, "shape", None)
    if known is None and hasattr(x, "tracer"):
        raise ValueError(
            "ops.shape: this traced tensor's shape is unknown (an input was declared "
            f"without one). Received: {x!r}"
        )
    if known is None:
        known = np.shape(x)  # type: ignore[arg-type]  # array-likes without a shape attribute
    dims = tuple(None if d is None else int(d) for d in known)
    if None not in dims:
        return dims
    in_graph = hasattr(x, "tracer") and hasattr(x.tracer, "graph")
    in_call = isinstance(x, KerasTensor) and symbolic_scope.active()
    if not (in_graph or in_call):
        return dims
    return tuple(_dynamic.dim(x, i) if d is None else d for i, d in enumerate(dims))


def reshape(x: TensorLike, newshape: int | Sequence[Any]) -> Tensor:
    """Gives `x` a new shape with the same number of elements; one -1 is
    inferred. Sizes may be scalar tensors from `ops.shape` (sizes known at
    run time only), as in `ops.reshape(x, (batch, -1))`."""
    if isinstance(newshape, int) or _dynamic.is_size_tensor(newshape):
        newshape = [newshape]
    if _dynamic.has_size_tensor(newshape):
        return _dynamic.reshape(x, newshape)
    return run("reshape", [x], shape=[int(d) for d in newshape])


def transpose(x: TensorLike, axes: Sequence[int] | None = None) -> Tensor:
    """Permutes the axes of `x`; reverses them when `axes` is None."""
    return run("transpose", [x], axes=None if axes is None else [int(a) for a in axes])


def concatenate(xs: Sequence[TensorLike], axis: int = 0) -> Tensor:
    """Joins a list of tensors along `axis`."""
    return run("concat", list(xs), axis=int(axis))


def slice(  # noqa: A001 - Keras's name
    inputs: TensorLike, start_indices: Sequence[int], shape: Sequence[int]
) -> Tensor:
    """The block of `inputs` starting at `start_indices` with size `shape` (-1: to the end)."""
    return run(
        "slice",
        [inputs],
        start_indices=[int(i) for i in start_indices],
        shape=[int(s) for s in shape],
    )


def pad(
    x: TensorLike,
    pad_width: Sequence[Sequence[int]],
    mode: str = "constant",
    constant_values: float | None = None,
) -> Tensor:
    """Pads `x` with a constant; `pad_width` holds a (before, after) pair per axis."""
    if mode != "constant":
        raise ValueError(f"pad supports mode='constant' only. Received: mode={mode!r}")
    pairs = [[int(a), int(b)] for a, b in pad_width]
    return run("pad", [x], pad_width=pairs, constant_values=constant_values)


concat = concatenate
