"""Beta draws whose shape parameter is itself a random tensor (CutMix draws
`alpha`, then `Beta(alpha, alpha)`), inside compiled steps too, where the
core's gamma primitive takes only a constant `alpha`.

Gamma(a) by Marsaglia and Tsang's method on `a + 1` (a fixed number of
proposals, the first accepted kept: each is accepted with probability
above 0.95 for shapes >= 1, so all 12 fail with odds below 1e-15), then
`Gamma(a) = Gamma(a + 1) * U^(1/a)`.
"""

from __future__ import annotations

from typing import Any

from pykeras import ops, random

_PROPOSALS = 12


def _gamma(batch: Any, alpha: Any, seed: Any) -> Any:
    """`batch` draws of Gamma(`alpha`) for a scalar tensor `alpha` > 0."""
    d = ops.subtract(ops.add(alpha, 1.0), 1.0 / 3.0)
    c = ops.divide(1.0, ops.sqrt(ops.multiply(9.0, d)))
    z = random.normal((_PROPOSALS, batch), seed=seed)
    u = random.uniform((_PROPOSALS, batch), seed=seed)
    v = ops.power(ops.add(1.0, ops.multiply(c, z)), 3.0)
    positive = ops.greater(v, 0.0)
    log_v = ops.log(ops.where(positive, v, 1.0))
    bound = ops.add(ops.multiply(0.5, ops.square(z)),
                    ops.multiply(d, ops.add(ops.subtract(1.0, v), log_v)))  # fmt: skip
    accepted = ops.logical_and(positive, ops.less(ops.log(u), bound))
    first = ops.argmax(ops.cast(accepted, "float32"), axis=0)
    picked = ops.take_along_axis(ops.multiply(d, v), ops.expand_dims(first, 0), axis=0)
    boost = random.uniform((batch,), 1e-7, 1.0, seed=seed)
    return ops.multiply(ops.squeeze(picked, 0), ops.power(boost, ops.divide(1.0, alpha)))


def symmetric_beta(batch: Any, alpha: Any, seed: Any) -> Any:
    """`batch` draws of Beta(`alpha`, `alpha`), `alpha` a scalar tensor."""
    x = _gamma(batch, alpha, seed)
    y = _gamma(batch, alpha, seed)
    return ops.divide(x, ops.add(x, y))
