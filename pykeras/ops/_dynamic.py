"""Sizes known only at run time, as scalar tensors.

Inside a traced model (and inside a layer's `call` while a Functional model
is built), `ops.shape(x)` gives Python ints for the sizes it knows and a
scalar int32 tensor for each size it does not (the batch), as Keras's
TensorFlow backend does. Creation and reshaping ops take such tensors as
sizes: they lower to the core's `broadcast_dynamic`, `reshape_dynamic` and
`arange_dynamic`, whose sizes are read when each step runs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.tracing import GraphTensor
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops._composite import shape_of
from pykeras.ops._dispatch import run


def is_size_tensor(d: object) -> bool:
    """Whether `d` is a symbolic or traced scalar (a size known at run time)."""
    return isinstance(d, (KerasTensor, GraphTensor)) and tuple(d.shape or ()) == ()


def has_size_tensor(shape: object) -> bool:
    """Whether a shape (a sequence) holds a size tensor."""
    if isinstance(shape, (list, tuple)):
        return any(is_size_tensor(d) for d in shape)
    return False


def dim(x: Any, axis: Any) -> Any:
    """The size of `x` along `axis` as a scalar int32 tensor (int64 in the
    core); a traced tensor's is made once per axis."""
    cache = getattr(x, "_dims", None)
    if cache is None:
        cache = {}
        try:
            x._dims = cache
        except AttributeError:
            pass
    if axis not in cache:
        size: Any = run("dim", [x], axis=int(axis))
        size._dim_of = (x, int(axis))
        cache[axis] = size
    return cache[axis]


def split(op: str, shape: Any, infer: bool = False) -> Any:
    """`shape` as `(sizes, sized, tensors)`: static sizes (0 where a tensor
    gives it), the axes a tensor sizes, and those tensors in order."""
    if isinstance(shape, (int, np.integer)) or is_size_tensor(shape):
        shape = (shape,)
    sizes, sized, tensors = [], [], []
    for i, d in enumerate(shape):
        if is_size_tensor(d):
            sizes.append(-1)
            sized.append(i)
            tensors.append(d)
            continue
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)):
            raise InvalidArgumentError(
                f"Op '{op}': shape must hold ints or scalar size tensors "
                f"(`ops.shape(x)[0]`). Received: shape={shape!r}"
            )
        if d < (-1 if infer else 0):
            raise InvalidArgumentError(
                f"Op '{op}': shape sizes must be >= 0{' (or one -1)' if infer else ''}. "
                f"Received: shape={shape!r}"
            )
        sizes.append(int(d))
    return sizes, sized, tensors


def broadcast(op: str, value: Any, shape: Any, dtype: Any = None) -> Any:
    """`value` broadcast to `shape`, whose sizes may be scalar tensors."""
    sizes, sized, tensors = split(op, shape)
    return run("broadcast_dynamic", [value, *tensors], shape=sizes, sized=sized, keras_dtype=dtype)


def reshape(x: Any, shape: Any) -> Any:
    """`x` reshaped to `shape`, whose sizes may be scalar tensors; one other
    size may be -1. Where the one size `x` does not know is sized by a plain
    `ops.shape` tensor, the -1 is taken as `x`'s known part, so
    `reshape(x, (batch, -1))` keeps its last size static (checked when run)."""
    sizes, sized, tensors = split("reshape", shape, infer=True)
    have = shape_of("reshape", x)
    free = [i for i, d in enumerate(sizes) if d == -1 and i not in sized]
    if len(free) > 1:
        raise InvalidArgumentError(
            f"Op 'reshape': shape may hold one -1. Received: shape={shape!r}"
        )
    unknown = [d for d in have if d is None]
    plain = all(getattr(t, "_dim_of", None) is not None for t in tensors)
    if free and len(unknown) == 1 and len(tensors) == 1 and plain:
        known = int(np.prod([d for d in have if d is not None], dtype=np.int64))
        rest = int(np.prod([d for i, d in enumerate(sizes) if d >= 0], dtype=np.int64))
        if rest and known % rest == 0:
            sizes[free[0]] = known // rest
    return run("reshape_dynamic", [x, *tensors], shape=sizes, sized=sized)


def arange(start: float, stop: Any, step: float, dtype: str | None) -> Any:
    """`arange` whose `stop` is a scalar tensor (`ops.arange(batch)`)."""
    for name, value in (("start", start), ("step", step)):
        if is_size_tensor(value) or not isinstance(value, (int, float, np.number)):
            raise InvalidArgumentError(
                f"Op 'arange' takes a tensor for stop only; {name} must be a number. "
                f"Received: {name}={value!r}"
            )
    if step == 0:
        raise InvalidArgumentError("Op 'arange': step must not be 0. Received: step=0")
    return run("arange_dynamic", [stop], start=float(start), step=float(step), keras_dtype=dtype)


def _size(d: Any) -> Any:
    """A size as a number or a float32 scalar tensor (for products)."""
    return run("cast", [d], dtype="float32") if is_size_tensor(d) else d


def tile(x: Any, repeats: Any) -> Any:
    """`tile` whose repeats hold scalar tensors: each tiled axis of size s
    becomes (1, s), is broadcast to (r, s) and merged to r * s."""
    reps = list(repeats)
    for r in reps:
        if not is_size_tensor(r) and (
            isinstance(r, (bool, np.bool_)) or not isinstance(r, (int, np.integer)) or r < 0
        ):
            raise InvalidArgumentError(
                f"Op 'tile': repeats must hold ints >= 0 or scalar size tensors. "
                f"Received: repeats={repeats!r}"
            )
    have = shape_of("tile", x)
    rank = max(len(have), len(reps))
    dims = [1] * (rank - len(have)) + [dim(x, i) if d is None else d for i, d in enumerate(have)]
    reps = [1] * (rank - len(reps)) + reps
    split_shape, target, out = [], [], []
    for r, s in zip(reps, dims):
        tiled = is_size_tensor(r) or r != 1
        if tiled:
            split_shape.append(1)
            target.append(r)
        split_shape.append(s)
        target.append(s)
        out.append(_size(r) * _size(s) if tiled else s)
    x = reshape(x, split_shape)
    x = broadcast("tile", x, target)
    return reshape(x, out)


def unknown_sizes(op: str, shape: Any) -> None:
    """Refuses None in a shape given to an op that makes a tensor."""
    if isinstance(shape, (list, tuple)) and any(d is None for d in shape):
        raise ShapeError(
            f"Op '{op}' needs every size of its shape: an int, or a scalar tensor for a size "
            f"known at run time only (`ops.shape(x)[0]`). Received: shape={shape!r}"
        )
