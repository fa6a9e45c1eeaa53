"""Helpers of the padding, cropping and upsampling layers: argument forms
as Keras accepts them, and the repeat along spatial axes."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras.layers.validation import int_tuple
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run


def pairs_arg(value: Any, n: int, arg: Any, layer_name: str) -> Any:
    """`value` (an int, n ints, or n pairs) as n (before, after) pairs of ints >= 0."""
    pairs: Any
    if isinstance(value, int) and not isinstance(value, bool):
        pairs = ((value, value),) * n
    else:
        try:
            items = tuple(value)
        except TypeError:
            items = ()
        if len(items) != n:
            pairs = None
        else:
            pairs = tuple(int_tuple(v, 2, arg, layer_name, allow_zero=True) for v in items)
        if pairs is None:
            raise ValueError(
                f"Layer '{layer_name}' expected `{arg}` as an int, a tuple of {n} ints, or a "
                f"tuple of {n} pairs of ints. Received: {arg}={value!r}"
            )
    if any(v < 0 for p in pairs for v in p):
        raise ValueError(
            f"Layer '{layer_name}' expected non-negative `{arg}` (it cannot be negative). "
            f"Received: {arg}={value!r}"
        )
    return pairs


def spatial_axes(n: int, data_format: str | None) -> Any:
    """The spatial axes of a batched rank n+2 input."""
    start = 2 if data_format == "channels_first" else 1
    return list(range(start, start + n))


def repeat_axes(x: Any, sizes: Any, axes: Any) -> Any:
    """`x` with each element repeated `sizes[i]` times along `axes[i]`, as
    `ops.repeat`; a reshape and a broadcast product, whose gradient sums the
    copies."""
    shape = [-1 if d is None else d for d in C.shape_of("repeat", x)]
    shape[0] = -1
    split, ones, out = [], [], list(shape)
    for axis, d in enumerate(shape):
        split.append(d)
        ones.append(1)
        if axis in axes:
            size = sizes[axes.index(axis)]
            split.append(1)
            ones.append(size)
            out[axis] = d * size
    ones[0] = 1
    x = run("reshape", [x], shape=split)
    x = run("mul", [x, np.ones(ones, np.float32)])
    return run("reshape", [x], shape=out)


def scaled(shape: Any, axes: Any, sizes: Any) -> Any:
    out = list(shape)
    for axis, size in zip(axes, sizes):
        out[axis] = None if out[axis] is None else out[axis] * size
    return tuple(out)
