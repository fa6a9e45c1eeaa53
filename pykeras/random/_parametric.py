"""`keras.random.gamma`, `beta` and `binomial`.

Scalar parameters draw through the core's primitives (eagerly, symbolically
and inside compiled models). Tensor parameters (one per element) draw
eagerly from a NumPy Generator seeded by the same seed; inside a compiled
model they raise, since no primitive takes them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.errors import InvalidArgumentError
from pykeras.ops._dispatch import run
from pykeras.random import _draw

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike, ShapeLike, Tensor, TensorLike
    from pykeras.random.seed_generator import SeedLike

# Beta's second gamma draw: another key from the same seed.
_BETA_SALT = 0x5BD1_E995_3C6E_F372


def _positive(op: str, name: str, value: Any) -> float | None:
    v = _draw.scalar(value)
    if v is not None and not (v > 0 and np.isfinite(v)):
        raise InvalidArgumentError(
            f"Op '{op}': {name} must be a positive number. Received: {name}={value!r}"
        )
    return v


def _eager_only(op: str, names: str) -> None:
    if _draw.in_graph():
        raise InvalidArgumentError(
            f"Op '{op}': tensor-valued {names} work eagerly only; inside a compiled model "
            "(or a symbolic call) pass Python numbers, or run the model eagerly "
            "(`run_eagerly=True`)."
        )


def gamma(
    shape: ShapeLike, alpha: TensorLike, dtype: DTypeLike = None, seed: SeedLike = None
) -> Tensor:
    """Draws random samples from the gamma distribution Gamma(alpha, 1).

    Args:
        shape: the shape of the random values.
        alpha: the shape parameter (> 0): a float, or (eagerly only) a
            tensor broadcastable to `shape`.
        dtype: a floating point dtype (default float32).
        seed: None, an int or a `SeedGenerator`.

    Returns:
        A tensor of `shape` (mean `alpha`, variance `alpha`).

    Example:

    >>> keras.random.gamma((2, 3), alpha=2.0, seed=1).shape
    (2, 3)
    """
    out_dtype = _draw.out_dtype("gamma", dtype, "float32", "f")
    a = _positive("gamma", "alpha", alpha)
    if a is not None:
        return _draw.finish(_draw.draw("gamma", "random_gamma", shape, seed, alpha=a), out_dtype)
    _eager_only("gamma", "`alpha`")
    alpha = np.asarray(alpha, np.float64)
    if not (alpha > 0).all():
        raise InvalidArgumentError("Op 'gamma': alpha must be positive everywhere.")
    dims = _draw.shape_arg("gamma", shape)
    rng = _draw.numpy_rng("gamma", seed)
    return rng.gamma(np.broadcast_to(alpha, dims), size=dims).astype(out_dtype)


def beta(
    shape: ShapeLike,
    alpha: TensorLike,
    beta: TensorLike,
    dtype: DTypeLike = None,
    seed: SeedLike = None,
) -> Tensor:
    """Draws samples from a Beta(alpha, beta) distribution, as X / (X + Y)
    with X ~ Gamma(alpha) and Y ~ Gamma(beta).

    Args:
        shape: the shape of the random values.
        alpha: the first shape parameter (> 0): a float, or (eagerly only) a tensor.
        beta: the second shape parameter (> 0): a float, or (eagerly only) a tensor.
        dtype: a floating point dtype (default float32).
        seed: None, an int or a `SeedGenerator` (one draw of it per call).

    Returns:
        A tensor of `shape` with values in [0, 1].

    Example:

    >>> x = keras.random.beta((100,), alpha=2.0, beta=5.0, seed=1)
    >>> bool(((0 <= x) & (x <= 1)).all())
    True
    """
    out_dtype = _draw.out_dtype("beta", dtype, "float32", "f")
    a, b = _positive("beta", "alpha", alpha), _positive("beta", "beta", beta)
    if a is not None and b is not None:
        dims = _draw.shape_arg("beta", shape)
        tracer = _draw.active_tracer()
        if tracer is None and _draw.shapes_only():
            return _draw.draw("beta", "random_gamma", dims, 0, alpha=a)
        # One seed draw for both gammas (a SeedGenerator advances once, as in Keras).
        state, attrs = _draw.seed_inputs("beta", seed)
        if any(d is None for d in dims) and tracer is not None:
            like = [_draw.batch_tensor("beta", tracer, dims)]
        else:
            like = []
        sizes = [-1 if d is None else d for d in dims]
        if tracer is None and like == [] and -1 in sizes:
            raise InvalidArgumentError(
                f"Op 'beta' needs a fully known shape when it runs eagerly. Received: {shape!r}"
            )
        x = _draw.call("random_gamma", [state, *like], tracer, shape=sizes, alpha=a, **attrs)
        attrs["seed"] = (attrs["seed"] ^ _BETA_SALT) & (2**63 - 1)
        y = _draw.call("random_gamma", [state, *like], tracer, shape=sizes, alpha=b, **attrs)
        return _draw.finish(run("div", [x, run("add", [x, y])]), out_dtype)
    _eager_only("beta", "`alpha` and `beta`")
    dims = _draw.shape_arg("beta", shape)
    alpha, beta_ = np.asarray(alpha, np.float64), np.asarray(beta, np.float64)
    if not ((alpha > 0).all() and (beta_ > 0).all()):
        raise InvalidArgumentError("Op 'beta': alpha and beta must be positive everywhere.")
    rng = _draw.numpy_rng("beta", seed)
    return rng.beta(np.broadcast_to(alpha, dims), np.broadcast_to(beta_, dims)).astype(out_dtype)


def binomial(
    shape: ShapeLike,
    counts: TensorLike,
    probabilities: TensorLike,
    dtype: DTypeLike = None,
    seed: SeedLike = None,
) -> Tensor:
    """Draws samples from a binomial distribution: the number of successes
    in `counts` trials that each succeed with probability `probabilities`.

    Args:
        shape: the shape of the random values.
        counts: the number of trials (>= 0; a number, or eagerly only a tensor).
        probabilities: the success probability in [0, 1] (a number, or
            eagerly only a tensor).
        dtype: a floating point dtype (default float32), as Keras on JAX.
        seed: None, an int or a `SeedGenerator`.

    Returns:
        A tensor of `shape` holding whole numbers in [0, counts].

    Example:

    >>> x = keras.random.binomial((1000,), counts=10, probabilities=0.3, seed=1)
    >>> bool(((0 <= x) & (x <= 10)).all())
    True
    """
    out_dtype = _draw.out_dtype("binomial", dtype, "float32", "f")
    n, p = _draw.scalar(counts), _draw.scalar(probabilities)
    for name, v, ok in (
        ("counts", n, n is not None and n >= 0 and np.isfinite(n)),
        ("probabilities", p, p is not None and 0 <= p <= 1),
    ):
        if v is not None and not ok:
            raise InvalidArgumentError(
                f"Op 'binomial': {name} must be "
                f"{'a finite number >= 0' if name == 'counts' else 'in [0, 1]'}. "
                f"Received: {name}={v!r}"
            )
    if n is not None and p is not None:
        x = _draw.draw("binomial", "random_binomial", shape, seed, counts=n, probabilities=p)
        return _draw.finish(x, out_dtype)
    _eager_only("binomial", "`counts` and `probabilities`")
    dims = _draw.shape_arg("binomial", shape)
    n_arr, p_arr = np.asarray(counts, np.float64), np.asarray(probabilities, np.float64)
    if not ((n_arr >= 0).all() and ((p_arr >= 0) & (p_arr <= 1)).all()):
        raise InvalidArgumentError(
            "Op 'binomial': counts must be >= 0 and probabilities in [0, 1] everywhere."
        )
    rng = _draw.numpy_rng("binomial", seed)
    n_int = np.floor(np.broadcast_to(n_arr, dims)).astype(np.int64)
    return rng.binomial(n_int, np.broadcast_to(p_arr, dims)).astype(out_dtype)
