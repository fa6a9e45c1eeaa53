"""Shared helpers of `keras.ops.image` (`pykeras/ops/image.py` and its
private `_image_*` modules): argument checks that name the op, the layout
of a batch of images, linear maps applied along one axis, and the eager
dtype rules Keras follows for integer images.

Most image ops here are linear in the pixels along each spatial axis
(resizing, blurring, Sobel filters, the windows of SSIM): each is a product
with a constant matrix built in NumPy, `along(x, axis, matrix)`, which is
exact, differentiable through `matmul`'s backward rule and needs no
transpose when the axis is one of the last two.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import numpy as np

from pykeras import config
from pykeras.backend.variable import Variable
from pykeras.errors import DTypeError, InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from collections.abc import Collection

    from pykeras.engine.typing import Shape


def data_format(op: str, value: Any) -> str:
    """`value` checked; None is Keras's default image data format."""
    if value is None:
        return default_data_format()
    if value not in ("channels_last", "channels_first"):
        raise InvalidArgumentError(
            f"Op '{op}': data_format must be 'channels_last' or 'channels_first' (or None). "
            f"Received: data_format={value!r}"
        )
    return value


def default_data_format() -> str:
    """`keras.config.image_data_format()` where pykeras has it, else Keras's
    default, channels last."""
    try:
        getter = getattr(config, "image_data_format", None)
        if getter is not None:
            return str(getter())
    except ImportError:  # pragma: no cover - config always exists in pykeras
        pass
    return "channels_last"


def image_shape(op: str, x: Any, ranks: Collection[int] = (3, 4), name: str = "images") -> Shape:
    """The static shape of `x`, whose rank must be one of `ranks`."""
    shape = C.shape_of(op, x)
    if len(shape) not in ranks:
        want = " or ".join(str(r) for r in ranks)
        raise ShapeError(
            f"Op '{op}' expected {name} of rank {want} (a single image or a batch). "
            f"Received: {name} of shape {C.dims_text(shape)}"
        )
    return shape


def hw_axes(shape: tuple, fmt: str) -> tuple[int, int, int]:
    """(height axis, width axis, channels axis), non-negative, for images of
    rank 3 or 4 in `fmt`."""
    r = len(shape)
    if fmt == "channels_last":
        return r - 3, r - 2, r - 1
    return r - 2, r - 1, r - 3


def known(op: str, shape: tuple, axis: int, what: str) -> int:
    """The static size of `shape[axis]`, which the op needs before run time."""
    if shape[axis] is None:
        raise ShapeError(
            f"Op '{op}' needs the {what} of its input before run time. Received: a tensor "
            f"of shape {C.dims_text(shape)}"
        )
    return int(shape[axis])


def pair(op: str, name: str, value: Any, low: int | None = 1) -> list[int]:
    """An int or a pair of ints as a list of two."""
    values = C.int_list(op, name, value, low)
    if len(values) == 1:
        values = values * 2
    if len(values) != 2:
        raise InvalidArgumentError(
            f"Op '{op}': {name} must be an int or a tuple of 2 ints. Received: {name}={value!r}"
        )
    return values


def constant(op: str, name: str, value: Any) -> np.ndarray:
    """A constant argument as float64, refusing a symbolic tensor: the op
    computes from it in NumPy before building anything."""
    if C.any_symbolic([value]):
        raise InvalidArgumentError(
            f"Op '{op}' needs {name} as a constant (a NumPy array, list or number): it "
            f"builds its sampling grid from it before run time. Received: a symbolic "
            f"tensor {value!r}"
        )
    if isinstance(value, Variable):
        value = value.numpy()
    try:
        return np.asarray(value, np.float64)
    except (TypeError, ValueError):
        raise InvalidArgumentError(
            f"Op '{op}': {name} must be numeric. Received: {name}={value!r}"
        ) from None


def choice(op: str, name: str, value: Any, options: Collection[Any]) -> Any:
    if value not in options:
        raise InvalidArgumentError(
            f"Op '{op}': {name} must be one of {sorted(options)}. Received: {name}={value!r}"
        )
    return value


# ---------------------------------------------------------------- eager dtypes


def eager_input(op: str, x: Any) -> Any:
    """`(x, dtype)`: an eager array as NumPy with its dtype, or `(x, None)`
    for symbolic tensors (whose results stay the core's float32)."""
    if C.any_symbolic([x]):
        return x, None
    if isinstance(x, Variable):
        x = x.numpy()
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise DTypeError(f"Op '{op}' expected a numeric array. Received: dtype={x.dtype}")
    return x, x.dtype


def require_float(op: str, dtype: np.dtype | None, name: str = "images") -> None:
    """Keras's colour-space conversions take float images only."""
    if dtype is not None and dtype.kind != "f":
        raise DTypeError(
            f"Op '{op}' expected a float {name} tensor. Received: {name}.dtype={dtype}"
        )


def as_float(x: Any) -> Any:
    """Eager integer images as float32 (exact below 2**24); others as given."""
    if isinstance(x, np.ndarray) and x.dtype != np.float32:
        return x.astype(np.float32)
    return x


def finish(result: Any, dtype: np.dtype | None, rule: str = "float") -> Any:
    """An eager result in Keras's dtype for an input of `dtype`.

    - "float": float inputs give float32 (the core's type), integer ones too.
    - "round": integer inputs round half to even and saturate into their
      dtype (`resize`: `ops.round` then `saturate_cast`).
    - "away": integer inputs round half away from zero (`map_coordinates`
      and the transforms built on it, as `jax.scipy.ndimage`).
    - "trunc": integer inputs are cast, truncating (`rgb_to_grayscale`).
    """
    if dtype is None or not isinstance(result, np.ndarray):
        return result
    if dtype.kind == "f":
        return result.astype(np.float32, copy=False)
    if dtype.kind == "b" or rule == "float":
        return result.astype(np.float32, copy=False)
    r = result.astype(np.float64)
    if rule == "round":
        info = np.iinfo(dtype)
        r = np.clip(np.round(r), info.min, info.max)
    elif rule == "away":
        r = np.sign(r) * np.floor(np.abs(r) + 0.5)
    else:
        r = np.trunc(r)
    return r.astype(dtype)


# ---------------------------------------------------------------- linear maps


def along(op: str, x: Any, axis: int, matrix: np.ndarray) -> Any:
    """`x` with `matrix` (out, in) applied along `axis` (non-negative):
    `y[..., o, ...] = sum_i matrix[o, i] * x[..., i, ...]`.

    The last axis is a product on the right; any other axis has the axes
    after it merged into one, so a product on the left needs only reshapes
    (no transpose) and keeps one size unknown until run time (the batch).
    """
    matrix = np.asarray(matrix, np.float32)
    shape = C.shape_of(op, x)
    rank = len(shape)
    if axis == rank - 1:
        return run("matmul", [x, np.ascontiguousarray(matrix.T)])
    rest = shape[axis + 1 :]
    if axis == rank - 2:
        return run("matmul", [matrix, x])
    if None in rest:
        perm = [a for a in range(rank) if a != axis] + [axis]
        y = run("matmul", [C.transpose(x, perm), np.ascontiguousarray(matrix.T)])
        return C.transpose(y, list(np.argsort(perm)))
    width = int(np.prod(cast("tuple[int, ...]", rest), dtype=np.int64))
    y = C.reshape(op, x, [*shape[:axis], shape[axis], width], shape)
    y = run("matmul", [matrix, y])
    return C.reshape(op, y, [*shape[:axis], matrix.shape[0], *rest])


def stack_last(op: str, tensors: list) -> Any:
    """`tensors` (of one shape) stacked along a new last axis."""
    parts = []
    for t in tensors:
        shape = C.shape_of(op, t)
        parts.append(C.reshape(op, t, [*shape, 1], shape))
    return C.concat(op, parts, len(C.shape_of(op, parts[0])) - 1)


def take_channel(op: str, x: Any, axis: int, index: Any) -> Any:
    """Channel `index` of `x` along `axis`, the axis removed."""
    shape = C.shape_of(op, x)
    starts = [index if a == axis else 0 for a in range(len(shape))]
    sizes = [1 if a == axis else -1 for a in range(len(shape))]
    y = run("slice", [x], start_indices=starts, shape=sizes)
    return C.reshape(op, y, [d for a, d in enumerate(shape) if a != axis])


def join_channels(op: str, planes: list, axis: int) -> Any:
    """`planes` (of one shape) joined as channels along a new `axis`."""
    parts = []
    for p in planes:
        shape = C.shape_of(op, p)
        parts.append(C.reshape(op, p, [*shape[:axis], 1, *shape[axis:]], shape))
    return C.concat(op, parts, axis)


def check_size(op: str, name: str, value: Any) -> tuple[int, int]:
    """A (height, width) pair of positive ints."""
    try:
        values = list(value)
    except TypeError:
        values = None
    if values is None or len(values) != 2:
        raise InvalidArgumentError(
            f"Op '{op}' expected {name} to be a tuple of 2 integers (height, width). "
            f"Received: {name}={value!r}"
        )
    h, w = (C.check_int(op, name, v) for v in values)
    if h <= 0 or w <= 0:
        raise InvalidArgumentError(
            f"Op '{op}': {name} must have positive height and width. Received: {name}={value!r}"
        )
    return h, w
