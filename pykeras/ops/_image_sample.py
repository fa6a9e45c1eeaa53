"""`keras.ops.image`'s samplers: `map_coordinates`, `affine_transform`,
`perspective_transform` and `elastic_transform`, re-exported by
`pykeras/ops/image.py`.

Each computes its sampling coordinates in NumPy from constant arguments and
follows `jax.scipy.ndimage.map_coordinates` (Keras's JAX backend): order 0
rounds half away from zero, order 1 interpolates linearly between
`floor(c)` and `floor(c) + 1`; fill modes fix out-of-range indices
(`nearest`, `wrap`, `mirror`, `reflect`) or, for `constant`, blend in
`fill_value` for each corner that falls outside. The values are then picked
by one `embedding` gather and weighted by constant weights, so the result is
differentiable with respect to the images (its backward pass scatter-adds),
eagerly, in Functional models and in traced models.

Transforms and points must be constants: a symbolic one raises an
`InvalidArgumentError` naming the op (Keras documents that gradients do not
reach the transforms either). `map_coordinates` also takes symbolic
coordinates (`_image_coords.py`), resolved at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops import _gather as G
from pykeras.ops import _image_common as I
from pykeras.ops import _image_kernels as K
from pykeras.ops._dispatch import run
from pykeras.ops._image_coords import symbolic_map

if TYPE_CHECKING:
    from collections.abc import Callable

FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")

# `elastic_transform` draws its field from a `seed` as `keras.random` does:
# `pykeras.random` (a layer above ops) sets its `SeedGenerator` class and
# `numpy_rng(op, seed)` here when imported.
_SEED_GENERATOR: type | None = None
_NUMPY_RNG: Callable[[str, Any], np.random.Generator] | None = None


def set_seed_support(
    seed_generator_class: type, numpy_rng: Callable[[str, Any], np.random.Generator]
) -> None:
    """Called once by `pykeras.random` (see `_SEED_GENERATOR`)."""
    global _SEED_GENERATOR, _NUMPY_RNG
    _SEED_GENERATOR, _NUMPY_RNG = seed_generator_class, numpy_rng


INTERPOLATIONS = {"nearest": 0, "bilinear": 1}


# ---------------------------------------------------------------- sampling terms


def _mirror(index: np.ndarray, size: Any) -> np.ndarray:
    s = size - 1
    if s == 0:
        return np.zeros_like(index)
    return np.abs((index + s) % (2 * s) - s)


def _fix(index: np.ndarray, size: Any, mode: str) -> np.ndarray:
    if mode == "nearest":
        return np.clip(index, 0, size - 1)
    if mode == "wrap":
        return index % size
    if mode == "mirror":
        return _mirror(index, size)
    if mode == "reflect":
        return (_mirror(2 * index + 1, 2 * size + 1) - 1) // 2
    return index


def _nodes(coordinate: np.ndarray, order: int) -> Any:
    """[(index, weight)] of one axis, in float32 as JAX computes them."""
    c = coordinate.astype(np.float32)
    if order == 0:
        rounded = np.sign(c) * np.floor(np.abs(c) + np.float32(0.5))
        return [(rounded.astype(np.int64), np.ones_like(c))]
    lower = np.floor(c)
    upper_weight = c - lower
    index = lower.astype(np.int64)
    return [(index, np.float32(1.0) - upper_weight), (index + 1, upper_weight)]


def sampling_terms(coords: list, sizes: list, order: int, mode: str) -> Any:
    """Flat element numbers `(T, *out)`, their weights `(T, *out)` (zero
    where the corner is outside, in constant mode) and the weight left for
    `fill_value` `(*out)`, for coordinates `coords[axis]` of shape `out`."""
    per_axis = []
    for c, size in zip(coords, sizes):
        nodes = []
        for index, weight in _nodes(np.asarray(c), order):
            valid = (index >= 0) & (index < size) if mode == "constant" else None
            nodes.append((_fix(index, size, mode), valid, weight))
        per_axis.append(nodes)
    out = np.shape(coords[0])
    ids, weights = [], []
    fill = np.zeros(out, np.float32)
    for combo in np.ndindex(*[len(n) for n in per_axis]):
        flat = np.zeros(out, np.int64)
        weight = None
        valid = np.ones(out, bool)
        for axis, k in enumerate(combo):
            index, ok, w = per_axis[axis][k]
            flat = flat * sizes[axis] + np.clip(index, 0, sizes[axis] - 1)
            weight = w if weight is None else weight * w
            if ok is not None:
                valid &= ok
        weight = np.broadcast_to(weight, out).astype(np.float32)
        ids.append(flat)
        weights.append(np.where(valid, weight, np.float32(0.0)))
        fill = fill + np.where(valid, np.float32(0.0), weight)
    return np.stack(ids), np.stack(weights), fill


def _weighted_sum(op: str, picked: Any, weights: Any, axis: Any, fill: Any, cval: Any) -> Any:
    """sum over `axis` of `picked * weights`, plus `cval` times `fill`."""
    y = run("sum", [run("mul", [picked, weights.astype(np.float32)])], axis=[axis])
    if cval != 0 and np.any(fill):
        y = run("add", [y, (fill * np.float32(cval)).astype(np.float32)])
    return y


def _cval(fill_value: Any, dtype: Any) -> float:
    if dtype is not None and dtype.kind in "iu":
        return float(np.asarray(fill_value).astype(dtype))
    return float(np.float32(fill_value))


# ---------------------------------------------------------------- map_coordinates


def map_coordinates(
    inputs: Any, coordinates: Any, order: int, fill_mode: str = "constant", fill_value: Any = 0
) -> Any:
    """Map the input array to new coordinates by interpolation.

    As Keras on JAX, interpolation near boundaries differs from SciPy's
    (scipy/issues/2640): in constant mode each interpolation corner outside
    the input contributes `fill_value`.

    Args:
        inputs: The input array (its shape must be known).
        coordinates: The coordinates at which inputs is evaluated: an array
            of shape `(inputs.ndim, ...)` (or a list of `inputs.ndim` arrays).
            Constant coordinates are resolved in NumPy; symbolic ones (computed
            by a model) are resolved at run time, and with `order=1` the
            result is differentiable with respect to them too.
        order: The order of the spline interpolation: `0` (nearest) or `1`
            (linear).
        fill_mode: `"constant"`, `"nearest"`, `"wrap"`, `"mirror"` or
            `"reflect"`. Defaults to `"constant"`.
        fill_value: Value used for points outside the boundaries of the
            inputs if `fill_mode="constant"`. Defaults to `0`.

    Returns:
        The interpolated values, of shape `coordinates.shape[1:]`. Eager
        integer inputs keep their dtype (rounded half away from zero).

    Example:

    >>> x = np.arange(12, dtype="float32").reshape(3, 4)
    >>> keras.ops.image.map_coordinates(x, [[0.5, 2.0], [0.5, 1.0]], order=1)
    array([2.5, 9. ], dtype=float32)
    """
    op = "map_coordinates"
    shape = C.shape_of(op, inputs)
    I.choice(op, "fill_mode", fill_mode, FILL_MODES)
    if isinstance(order, bool) or order not in (0, 1):
        raise InvalidArgumentError(f"Op '{op}': order must be 0 or 1. Received: order={order!r}")
    parts = list(coordinates) if isinstance(coordinates, (list, tuple)) else [coordinates]
    if C.any_symbolic(parts):
        sizes = [I.known(op, shape, a, f"size of axis {a}") for a in range(len(shape))]
        x, dtype = I.eager_input(op, inputs)
        y = symbolic_map(
            op, I.as_float(x), coordinates, sizes, int(order), fill_mode, _cval(fill_value, dtype)
        )
        return I.finish(y, dtype, "away")
    coords = I.constant(op, "coordinates", coordinates)
    if coords.ndim < 2:
        raise ShapeError(
            f"Op '{op}' expected coordinates of rank at least 2. Received: coordinates of "
            f"shape {coords.shape}"
        )
    if coords.shape[0] != len(shape):
        raise ShapeError(
            f"Op '{op}': the first dim of coordinates must be the rank of inputs "
            f"({len(shape)}). Received: coordinates of shape {coords.shape} for inputs of "
            f"shape {C.dims_text(shape)}"
        )
    sizes = [I.known(op, shape, a, f"size of axis {a}") for a in range(len(shape))]
    if 0 in sizes:
        raise ShapeError(f"Op '{op}' cannot sample an empty input of shape {C.dims_text(shape)}")
    x, dtype = I.eager_input(op, inputs)
    ids, weights, fill = sampling_terms(list(coords), sizes, int(order), fill_mode)
    table = C.reshape(op, I.as_float(x), [int(np.prod(sizes)), 1], shape)
    picked = run("embedding", [ids, table], index_inputs=(0,))
    picked = C.reshape(op, picked, list(ids.shape))
    y = _weighted_sum(op, picked, weights, 0, fill, _cval(fill_value, dtype))
    return I.finish(y, dtype, "away")


# ---------------------------------------------------------------- warps


def _warp(
    op: str, images: Any, ys: Any, xs: Any, order: int, mode: str, fill_value: float, fmt: str
) -> Any:
    """`images` (3D or 4D) sampled at `(ys, xs)`, each `(transforms, H, W)`:
    one grid shared by the batch, or one per image."""
    shape = I.image_shape(op, images)
    x, dtype = I.eager_input(op, images)
    x = I.as_float(x)
    batched = len(shape) == 4
    if fmt == "channels_first":
        x = C.transpose(x, [0, 2, 3, 1] if batched else [1, 2, 0])
    if not batched:
        x = C.reshape(op, x, [1, *C.shape_of(op, x)])
    n, h, w, ch = C.shape_of(op, x)
    count = ys.shape[0]
    if count > 1 and (not batched or (n is not None and n != count)):
        raise ShapeError(
            f"Op '{op}' expected one transform or one per image. Received: {count} "
            f"transforms for images of shape {C.dims_text(shape)}"
        )
    ids, weights, fill = sampling_terms([ys, xs], [h, w], order, mode)
    cval = _cval(fill_value, dtype)
    if count == 1:
        table = C.reshape(op, x, [n, h * w, ch])
        picked = G.gather(op, table, ids[:, 0], 1)  # (N, T, H, W, C)
        y = _weighted_sum(op, picked, weights[:, 0, :, :, None], 1, fill[0, :, :, None], cval)
    else:
        offsets = (np.arange(count) * h * w).reshape(1, count, 1, 1)
        table = C.reshape(op, x, [None, ch])
        picked = run("embedding", [ids + offsets, table], index_inputs=(0,))
        y = _weighted_sum(op, picked, weights[..., None], 0, fill[..., None], cval)
    if not batched:
        y = C.reshape(op, y, [h, w, ch])
    if fmt == "channels_first":
        y = C.transpose(y, [0, 3, 1, 2] if batched else [2, 0, 1])
    return I.finish(y, dtype, "away")


def _grid(h: int, w: int) -> Any:
    rows, cols = np.meshgrid(
        np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij"
    )
    return rows, cols


def affine_transform(
    images: Any,
    transform: Any,
    interpolation: str = "bilinear",
    fill_mode: str = "constant",
    fill_value: Any = 0,
    data_format: str | None = None,
) -> Any:
    """Applies the given transform(s) to the image(s).

    Args:
        images: Input image or batch of images. Must be 3D or 4D.
        transform: Projective transform matrix/matrices, a constant vector
            of length 8 or an array of shape `(N, 8)`. A row
            `[a0, a1, a2, b0, b1, b2, c0, c1]` maps the output point `(x, y)`
            to the input point `((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`
            with `k = c0 x + c1 y + 1` (the inverse of the image's motion).
            Keras's JAX backend ignores `c0` and `c1` (so does every backend
            but TensorFlow); here they act as on TensorFlow.
        interpolation: `"nearest"` or `"bilinear"`. Defaults to `"bilinear"`.
        fill_mode: Points outside the input are filled according to the given
            mode: `"constant"` (`fill_value`), `"nearest"`, `"wrap"`,
            `"mirror"` or `"reflect"`. Defaults to `"constant"`.
        fill_value: Value used for points outside the boundaries of the input
            if `fill_mode="constant"`. Defaults to `0`.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            channels last.

    Returns:
        Transformed image or batch of images.

    Example:

    >>> x = np.random.random((2, 64, 80, 3))
    >>> transform = np.array([[1.5, 0, -20, 0, 1.5, -16, 0, 0],
    ...                       [1, 0, -20, 0, 1, -16, 0, 0]])
    >>> keras.ops.image.affine_transform(x, transform).shape
    (2, 64, 80, 3)
    """
    op = "affine_transform"
    I.choice(op, "interpolation", interpolation, INTERPOLATIONS)
    I.choice(op, "fill_mode", fill_mode, FILL_MODES)
    shape = I.image_shape(op, images)
    fmt = I.data_format(op, data_format)
    t = I.constant(op, "transform", transform)
    if t.ndim not in (1, 2) or t.shape[-1] != 8:
        raise ShapeError(
            f"Op '{op}' expected transform of shape (8,) or (N, 8). Received: transform of "
            f"shape {t.shape}"
        )
    t = t.reshape(-1, 8)
    ha, wa, _ = I.hw_axes(shape, fmt)
    h, w = I.known(op, shape, ha, "height"), I.known(op, shape, wa, "width")
    rows, cols = _grid(h, w)
    a0, a1, a2, b0, b1, b2, c0, c1 = (t[:, i, None, None] for i in range(8))
    k = c0 * cols + c1 * rows + 1.0
    xs = (a0 * cols + a1 * rows + a2) / k
    ys = (b0 * cols + b1 * rows + b2) / k
    order = INTERPOLATIONS[interpolation]
    return _warp(op, images, ys, xs, order, fill_mode, fill_value, fmt)


def _points(op: str, name: str, value: Any) -> np.ndarray:
    p = I.constant(op, name, value)
    if p.ndim not in (2, 3) or p.shape[-2:] != (4, 2):
        raise ShapeError(
            f"Op '{op}' expected {name} of shape (4, 2) for a single image or (N, 4, 2) for a "
            f"batch. Received: {name} of shape {p.shape}"
        )
    return p.reshape(-1, 4, 2)


def homography(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """`(N, 8)` coefficients of the projective maps sending each of `end`'s
    four points to `start`'s (Keras's `compute_homography_matrix`)."""
    sx, sy = start[..., 0], start[..., 1]
    ex, ey = end[..., 0], end[..., 1]
    zeros, ones = np.zeros_like(ex), np.ones_like(ex)
    x_rows = np.stack([ex, ey, ones, zeros, zeros, zeros, -sx * ex, -sx * ey], -1)
    y_rows = np.stack([zeros, zeros, zeros, ex, ey, ones, -sy * ex, -sy * ey], -1)
    matrix = np.concatenate([x_rows, y_rows], axis=1)
    target = np.concatenate([sx, sy], axis=-1)
    try:
        return np.linalg.solve(matrix, target[..., None])[..., 0]
    except np.linalg.LinAlgError:
        raise InvalidArgumentError(
            "Op 'perspective_transform': the points do not define a perspective transform "
            "(three of them are collinear)."
        ) from None


def perspective_transform(
    images: Any,
    start_points: Any,
    end_points: Any,
    interpolation: str = "bilinear",
    fill_value: Any = 0,
    data_format: str | None = None,
) -> Any:
    """Applies a perspective transformation to the image(s).

    The transform moves the four `start_points` to the four `end_points`;
    each output pixel samples the input where the inverse map sends it.

    Args:
        images: Input image or batch of images. Must be 3D or 4D.
        start_points: Constant `(4, 2)` or `(N, 4, 2)` source points, `(x, y)`
            each (top-left, top-right, bottom-left, bottom-right).
        end_points: The destination points, of `start_points`' shape.
        interpolation: `"nearest"` or `"bilinear"`. Defaults to `"bilinear"`.
        fill_value: Value used for points outside the input. Defaults to `0`.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            channels last.

    Returns:
        Transformed image or batch of images, of the input's shape.

    Example:

    >>> x = np.random.uniform(size=(1, 8, 8, 3)).astype("float32")
    >>> start = np.array([[0, 0], [7, 0], [0, 7], [7, 7]])
    >>> end = np.array([[1, 1], [6, 0], [0, 6], [7, 7]])
    >>> keras.ops.image.perspective_transform(x, start, end).shape
    (1, 8, 8, 3)
    """
    op = "perspective_transform"
    I.choice(op, "interpolation", interpolation, INTERPOLATIONS)
    shape = I.image_shape(op, images)
    fmt = I.data_format(op, data_format)
    start, end = _points(op, "start_points", start_points), _points(op, "end_points", end_points)
    if np.shape(start_points) != np.shape(end_points):
        raise ShapeError(
            f"Op '{op}': start_points and end_points must have the same shape. Received: "
            f"{np.shape(start_points)} and {np.shape(end_points)}"
        )
    coef = homography(start, end)
    ha, wa, _ = I.hw_axes(shape, fmt)
    h, w = I.known(op, shape, ha, "height"), I.known(op, shape, wa, "width")
    rows, cols = _grid(h, w)
    t = [coef[:, i, None, None] for i in range(8)]
    denom = t[6] * cols + t[7] * rows + 1.0
    xs = (t[0] * cols + t[1] * rows + t[2]) / denom
    ys = (t[3] * cols + t[4] * rows + t[5]) / denom
    order = INTERPOLATIONS[interpolation]
    return _warp(op, images, ys, xs, order, "constant", fill_value, fmt)


def elastic_transform(
    images: Any,
    alpha: float = 20.0,
    sigma: float = 5.0,
    interpolation: str = "bilinear",
    fill_mode: str = "reflect",
    fill_value: float = 0.0,
    seed: Any = None,
    data_format: str | None = None,
) -> Any:
    """Applies elastic deformation to the image(s).

    Each image gets a random displacement field: standard normal noise
    times `sigma` for `dx` and for `dy` (independent draws, as Keras's NumPy
    and PyTorch backends), blurred by a Gaussian of standard deviation `sigma`
    and size `int(6 * sigma) | 1`, scaled by `alpha`; pixel `(y, x)` then
    samples the input at `(y + alpha * dy, x + alpha * dx)`.

    Values cannot match Keras's JAX backend, whose random stream differs.
    The field is drawn eagerly: on symbolic images (a Functional or traced
    model) the batch size must be known and `seed` an int, the case where
    Keras, too, applies the same deformation at every call.

    Args:
        images: Input image or batch of images. Must be 3D or 4D.
        alpha: Scaling factor of the displacement. Defaults to `20.0`.
        sigma: Standard deviation of the Gaussian blur. Defaults to `5.0`.
        interpolation: `"nearest"` or `"bilinear"`. Defaults to `"bilinear"`.
        fill_mode: `"constant"`, `"nearest"`, `"wrap"`, `"mirror"` or
            `"reflect"`. Defaults to `"reflect"`.
        fill_value: Value used outside the input if `fill_mode="constant"`.
        seed: None, an int or a `keras.random.SeedGenerator`.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            channels last.

    Returns:
        Transformed image or batch of images, of the input's shape.

    Example:

    >>> x = np.random.random((2, 64, 80, 3))
    >>> keras.ops.image.elastic_transform(x, seed=1).shape
    (2, 64, 80, 3)
    """
    op = "elastic_transform"
    I.choice(op, "interpolation", interpolation, INTERPOLATIONS)
    I.choice(op, "fill_mode", fill_mode, FILL_MODES)
    shape = I.image_shape(op, images)
    fmt = I.data_format(op, data_format)
    alpha_, sigma_ = float(I.constant(op, "alpha", alpha)), float(I.constant(op, "sigma", sigma))
    if sigma_ <= 0:
        raise InvalidArgumentError(f"Op '{op}': sigma must be positive. Received: sigma={sigma!r}")
    ha, wa, _ = I.hw_axes(shape, fmt)
    h, w = I.known(op, shape, ha, "height"), I.known(op, shape, wa, "width")
    if C.any_symbolic([images]):
        if (
            (_SEED_GENERATOR is not None and isinstance(seed, _SEED_GENERATOR))
            or seed is None
            or len(shape) == 4
            and shape[0] is None
        ):
            raise InvalidArgumentError(
                f"Op '{op}' draws its displacement field before run time, so on symbolic "
                f"images it needs a known batch size and an int seed (the same deformation "
                f"at every call, as Keras with an int seed). Received: images of shape "
                f"{C.dims_text(shape)}, seed={seed!r}"
            )
    n: Any = shape[0] if len(shape) == 4 else 1
    assert _NUMPY_RNG is not None, "pykeras.random sets the seed support"
    rng = _NUMPY_RNG(op, seed)
    size = int(6 * sigma_) | 1
    taps = K.gaussian_taps(size, sigma_)
    rows_m = K.correlation_matrix(h, taps, "same")
    cols_m = K.correlation_matrix(w, taps, "same")
    fields = []
    for _ in range(2):
        noise = rng.standard_normal((n, h, w)).astype(np.float32) * np.float32(sigma_)
        fields.append(rows_m @ noise.astype(np.float64) @ cols_m.T)
    dx, dy = fields
    rows, cols = _grid(h, w)
    xs = cols[None] + alpha_ * dx
    ys = rows[None] + alpha_ * dy
    order = INTERPOLATIONS[interpolation]
    return _warp(op, images, ys, xs, order, fill_mode, fill_value, fmt)
