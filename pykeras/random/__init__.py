"""`keras.random`: random tensors drawn from a seed.

`seed` is None (a seed from the global stream, which
`keras.utils.set_random_seed` reseeds), an int (the same values on every
call) or a `SeedGenerator` (new values on every call, the same sequence for
the same seed). Each function runs eagerly on concrete shapes (NumPy out),
inside a compiled model (a graph node; a layer's `SeedGenerator` advances
every step) and symbolically. Values follow Keras's distributions, not
JAX's exact numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import numpy as np

from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops._composite import axis_of, shape_of
from pykeras.ops._dispatch import run
from pykeras.random import _draw
from pykeras.random._parametric import beta, binomial, gamma
from pykeras.random.seed_generator import SeedGenerator

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, ShapeLike, Tensor, TensorLike
    from pykeras.random.seed_generator import SeedLike

__all__ = [
    "SeedGenerator",
    "beta",
    "binomial",
    "categorical",
    "dropout",
    "gamma",
    "normal",
    "randint",
    "shuffle",
    "truncated_normal",
    "uniform",
]

_SEED_DOC = """seed: None, an int or a `keras.random.SeedGenerator` (see the module)."""


def _affine(z: Any, scale: Any, shift: Any) -> Tensor:
    """`z * scale + shift` for tensor parameters (eager, symbolic or traced)."""
    return run("add", [run("mul", [z, scale]), shift])


def normal(
    shape: ShapeLike,
    mean: TensorLike = 0.0,
    stddev: TensorLike = 1.0,
    dtype: DTypeLike = None,
    seed: SeedLike = None,
) -> Tensor:
    """Draws random samples from a normal (Gaussian) distribution.

    Args:
        shape: the shape of the random values (None sizes: the batch, in a
            compiled model).
        mean: the mean (a float, or a tensor broadcastable to `shape`).
        stddev: the standard deviation (a float or a tensor).
        dtype: a floating point dtype (default float32; float64, drawn in
            float64, under `set_floatx("float64")`).
        seed: None, an int or a `SeedGenerator`.

    Returns:
        A tensor of `shape`.

    Example:

    >>> keras.random.normal((2, 3), seed=1).shape
    (2, 3)
    """
    out_dtype = _draw.out_dtype("normal", dtype, "float32", "f")
    wide = _draw.draw_dtype(out_dtype)
    m, s = _draw.scalar(mean), _draw.scalar(stddev)
    if m is not None and s is not None:
        z = _draw.draw("normal", "random_normal", shape, seed, mean=m, stddev=s, **wide)
    else:
        z = _affine(_draw.draw("normal", "random_normal", shape, seed, **wide), stddev, mean)
    return _draw.finish(z, out_dtype)


def uniform(
    shape: ShapeLike,
    minval: TensorLike = 0.0,
    maxval: TensorLike = 1.0,
    dtype: DTypeLike = None,
    seed: SeedLike = None,
) -> Tensor:
    """Draws samples from a uniform distribution in `[minval, maxval)`.

    Args:
        shape: the shape of the random values.
        minval: the lower bound (included; a float or a tensor).
        maxval: the upper bound (excluded; a float or a tensor).
        dtype: a floating point dtype (default float32; float64, drawn in
            float64, under `set_floatx("float64")`).
        seed: None, an int or a `SeedGenerator`.

    Returns:
        A tensor of `shape`.

    Example:

    >>> x = keras.random.uniform((100,), minval=2.0, maxval=3.0, seed=1)
    >>> bool(((2 <= x) & (x < 3)).all())
    True
    """
    out_dtype = _draw.out_dtype("uniform", dtype, "float32", "f")
    wide = _draw.draw_dtype(out_dtype)
    lo, hi = _draw.scalar(minval), _draw.scalar(maxval)
    if lo is not None and hi is not None and lo < hi:
        u = _draw.draw("uniform", "random_uniform", shape, seed, minval=lo, maxval=hi, **wide)
    elif lo is not None and hi is not None:
        # An empty range gives minval everywhere, as JAX's uniform does.
        u = _affine(_draw.draw("uniform", "random_uniform", shape, seed, **wide), 0.0, lo)
    else:
        width = run("sub", [maxval, minval])
        u = _affine(_draw.draw("uniform", "random_uniform", shape, seed, **wide), width, minval)
    return _draw.finish(u, out_dtype)


def truncated_normal(
    shape: ShapeLike,
    mean: TensorLike = 0.0,
    stddev: TensorLike = 1.0,
    dtype: DTypeLike = None,
    seed: SeedLike = None,
) -> Tensor:
    """Draws samples from a truncated normal distribution: normal values
    redrawn until within two standard deviations of the mean, as Keras's.

    Args:
        shape: the shape of the random values.
        mean: the mean (a float or a tensor).
        stddev: the standard deviation of the normal before truncation.
        dtype: a floating point dtype (default float32; float64, drawn in
            float64, under `set_floatx("float64")`).
        seed: None, an int or a `SeedGenerator`.

    Returns:
        A tensor of `shape`, within `mean ± 2 * stddev`.

    Example:

    >>> x = keras.random.truncated_normal((1000,), seed=3)
    >>> bool((abs(x) <= 2).all())
    True
    """
    out_dtype = _draw.out_dtype("truncated_normal", dtype, "float32", "f")
    wide = _draw.draw_dtype(out_dtype)
    m, s = _draw.scalar(mean), _draw.scalar(stddev)
    op = "random_truncated_normal"
    if m is not None and s is not None:
        z = _draw.draw("truncated_normal", op, shape, seed, mean=m, stddev=s, **wide)
    else:
        z = _affine(_draw.draw("truncated_normal", op, shape, seed, **wide), stddev, mean)
    return _draw.finish(z, out_dtype)


def randint(
    shape: ShapeLike,
    minval: TensorLike,
    maxval: TensorLike,
    dtype: DTypeLike = "int32",
    seed: SeedLike = None,
) -> Tensor:
    """Draws random integers uniformly in `[minval, maxval)`.

    Args:
        shape: the shape of the random values.
        minval: the lowest integer (included).
        maxval: the upper bound (excluded); `maxval <= minval` gives
            `minval` everywhere, as JAX's randint.
        dtype: an integer dtype (default int32; int64 gives int32, as Keras on
            JAX). Symbolic and traced results are int64 tensors.
        seed: None, an int or a `SeedGenerator`.

    Returns:
        A tensor of `shape`.

    Example:

    >>> keras.random.randint((3,), 0, 10, seed=1).dtype
    dtype('int32')
    """
    out_dtype = _draw.out_dtype("randint", dtype, "int32", "i")
    bounds = []
    for name, value in (("minval", minval), ("maxval", maxval)):
        v = _draw.scalar(value)
        if v is None or v != int(v) or not np.isfinite(v):
            raise InvalidArgumentError(
                f"Op 'randint': {name} must be an integer. Received: {name}={value!r}"
            )
        bounds.append(int(v))
    lo, hi = bounds
    hi = max(hi, lo + 1)
    x = _draw.draw("randint", "random_randint", shape, seed, "int64", minval=lo, maxval=hi)
    return _draw.finish(x, out_dtype)


def categorical(
    logits: TensorLike, num_samples: int, dtype: DTypeLike = "int32", seed: SeedLike = None
) -> Tensor:
    """Draws samples from a categorical distribution.

    Each row of `logits` holds the unnormalised log-probabilities of the
    classes; `num_samples` class indices are drawn per row.

    Args:
        logits: a 2-D tensor `(batch_size, num_classes)`.
        num_samples: int, the number of samples per row.
        dtype: an integer dtype (default int32) for eager results; symbolic
            and traced results are float32 indices (as `argmax` gives).
        seed: None, an int or a `SeedGenerator`.

    Returns:
        A tensor of shape `(batch_size, num_samples)`.

    Example:

    >>> logits = np.log([[0.1, 0.9], [0.9, 0.1]])
    >>> keras.random.categorical(logits, 5, seed=1).shape
    (2, 5)
    """
    out_dtype = _draw.out_dtype("categorical", dtype, "int32", "i")
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)):
        raise InvalidArgumentError(
            f"Op 'categorical': num_samples must be an int. Received: num_samples={num_samples!r}"
        )
    if num_samples < 0:
        raise InvalidArgumentError(
            f"Op 'categorical': num_samples must be >= 0. Received: num_samples={num_samples}"
        )
    if not _draw.in_graph([logits]):
        logits = np.asarray(logits, np.float32)
    if len(shape_of("categorical", logits)) != 2:
        raise ShapeError(
            "Op 'categorical': `logits` should be a 2-D tensor with shape "
            f"[batch_size, num_classes]. Received: shape={shape_of('categorical', logits)}"
        )
    state, attrs = _draw.seed_inputs("categorical", seed, [logits])
    tracer = _draw.active_tracer([logits])
    out = _draw.call(
        "random_categorical", [state, logits], tracer, num_samples=int(num_samples), **attrs
    )
    return _draw.finish(out, out_dtype)


def dropout(
    inputs: TensorLike, rate: float, noise_shape: ShapeLike | None = None, seed: SeedLike = None
) -> Tensor:
    """Randomly sets a fraction `rate` of `inputs` to 0 and scales the rest
    by `1 / (1 - rate)`.

    Args:
        inputs: the input tensor.
        rate: float in [0, 1], the fraction to drop.
        noise_shape: the shape of the keep/drop mask, broadcast over
            `inputs` (None sizes take the inputs' size); default the inputs' shape.
        seed: None, an int or a `SeedGenerator`.

    Returns:
        A float32 tensor of the inputs' shape.

    Example:

    >>> x = keras.random.dropout(np.ones((1000,)), 0.25, seed=1)
    >>> sorted({round(float(v), 4) for v in x})
    [0.0, 1.3333]
    """
    r = _draw.scalar(rate)
    if r is None or not 0.0 <= r <= 1.0:
        raise InvalidArgumentError(
            f"Op 'dropout': rate must be a float in [0, 1]. Received: rate={rate!r}"
        )
    graph = _draw.in_graph([inputs])
    if not graph:
        inputs = np.asarray(inputs, np.float32)
    if r == 0.0:
        return cast("Tensor", inputs)  # an array, or a symbolic or traced tensor
    dims = shape_of("dropout", inputs)
    if noise_shape is None:
        noise = dims
    else:
        given = _draw.shape_arg("dropout", noise_shape)
        if len(given) != len(dims):
            raise ShapeError(
                f"Op 'dropout': noise_shape must have the inputs' rank {len(dims)}. "
                f"Received: noise_shape={noise_shape!r} for inputs of shape {dims}"
            )
        noise = tuple(d if g is None else g for g, d in zip(given, dims))
    if any(d is None for d in noise[1:]):
        raise ShapeError(
            f"Op 'dropout': only the first size of the mask may be unknown. Received: {noise}"
        )
    if r == 1.0:
        return run("mul", [inputs, 0.0])
    u = _draw.draw("dropout", "random_uniform", noise, seed, like=inputs)
    keep = run("greater_equal", [u, np.float32(r)])
    return run("mul", [inputs, run("mul", [keep, np.float32(1.0 / (1.0 - r))])])


def shuffle(x: TensorLike, axis: int = 0, seed: SeedLike = None) -> Tensor:
    """Shuffles the elements of a tensor uniformly at random along an axis.

    As Keras on JAX (and NumPy), every line of elements along `axis` is
    permuted by its own permutation (`jax.random.permutation(...,
    independent=True)`); Keras's TensorFlow backend moves whole slices instead.

    Args:
        x: the tensor to shuffle.
        axis: the axis to shuffle along (default 0).
        seed: None, an int or a `SeedGenerator`.

    Returns:
        A tensor like `x` (eagerly with `x`'s dtype; symbolic ones are float32).

    Example:

    >>> sorted(keras.random.shuffle(np.arange(5), seed=1).tolist())
    [0, 1, 2, 3, 4]
    """
    graph = _draw.in_graph([x])
    if not graph:
        x = np.asarray(x)
    dims = shape_of("shuffle", x)
    if not dims:
        raise ShapeError("Op 'shuffle' needs a tensor of rank >= 1. Received a scalar.")
    axis = axis_of("shuffle", axis, len(dims))
    state, attrs = _draw.seed_inputs("shuffle", seed, [x])
    if graph:
        return _draw.call(
            "random_shuffle", [state, x], _draw.active_tracer([x]), axis=axis, **attrs
        )
    # Shuffle positions, then move x's own elements: every dtype stays exact.
    shape = [1] * len(dims)
    shape[axis] = dims[axis]
    positions = np.broadcast_to(np.arange(dims[axis], dtype=np.float32).reshape(shape), dims)
    order = run("random_shuffle", [state, positions], axis=axis, **attrs)
    return np.take_along_axis(x, np.asarray(order).astype(np.int64), axis=axis)
