"""Shared helpers for the primitive-op property tests (`test_ops_*.py`).

- `check_forward` runs an op and compares it with a numpy reference.
- `check_gradient` compares `op_grad` with central finite differences of the
  scalar `sum(op(inputs) * r)` for a random `r`, the same `r` handed to
  `op_grad` as the output gradient.
- Hypothesis strategies for shapes (with size-0 and size-1 dimensions),
  broadcast-compatible shape pairs and values kept away from kinks.

Finite differences are taken on the float32 op itself (the only
implementation there is), so the perturbation is relatively large (1e-2 by
default), the step actually taken is the float32-rounded one, and the loss is
accumulated in float64. Comparison is `|fd - grad| <= atol + rtol * |grad|`
with `atol` scaled by the size of the gradient. The defaults (rtol 4e-3,
atol 4e-4) were calibrated over 150 examples per test: the worst observed
error was under a quarter of the tolerance, and a gradient off by 1% fails.

Each test file declares the ops it covers in a module-level `OPS` set;
`test_ops_coverage.py` checks that together they cover `C.op_names()`.
"""

import os

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import pykeras._core as C
from pykeras.errors import (
    DTypeError,
    GraphError,
    InvalidArgumentError,
    OutOfRangeError,
    ShapeError,
)

__all__ = [
    "C",
    "DTypeError",
    "GraphError",
    "InvalidArgumentError",
    "OutOfRangeError",
    "ShapeError",
    "SETTINGS",
    "FEW",
    "avoid",
    "broadcast_pairs",
    "check_forward",
    "check_gradient",
    "distinct_values",
    "rng_for",
    "seeds",
    "shapes",
    "sides",
    "strided",
    "uniform",
    "window_geometry",
]

# Modest example counts keep the whole op suite well under two minutes on two
# cores (PYKERAS_OP_EXAMPLES raises them for a longer hunt); no example
# database is written into the checkout.
EXAMPLES = int(os.environ.get("PYKERAS_OP_EXAMPLES", "40"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FEW = settings(SETTINGS, max_examples=max(1, EXAMPLES // 2))

seeds = st.integers(min_value=0, max_value=2**32 - 1)


def rng_for(seed):
    return np.random.default_rng(seed)


def sides(high, low=0):
    """Sizes low..high with 0 drawn less often than the others (so most
    arrays hold something) but still in every test; shrinks towards 1."""
    positive = list(range(max(low, 1), high + 1))
    return st.sampled_from(positive * 4 + ([0] if low == 0 else []))


def shapes(min_dims=0, max_dims=4, min_side=0, max_side=4):
    """Array shapes whose sides include 0 and 1."""
    side = sides(max_side, min_side)
    ranks = st.sampled_from(range(min_dims, max_dims + 1))
    return ranks.flatmap(lambda n: st.tuples(*[side] * n))


def broadcast_pairs(min_dims=0, max_dims=4, min_side=0, max_side=4, signature=None):
    """Pairs of shapes that broadcast together (numpy rules)."""
    kwargs = dict(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)
    if signature is None:
        kwargs["num_shapes"] = 2
    else:
        kwargs["signature"] = signature
    return hnp.mutually_broadcastable_shapes(**kwargs).map(lambda s: s.input_shapes)


def uniform(rng, shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, size=shape).astype(np.float32)


def avoid(x, kinks, margin=0.1):
    """`x` with every value within `margin` of a kink moved 2 * margin away."""
    x = np.array(x, dtype=np.float32, copy=True)
    for k in kinks:
        near = np.abs(x - np.float32(k)) < margin
        x[near] = np.where(x[near] >= k, k + 2 * margin, k - 2 * margin)
    return x


def distinct_values(rng, shape, gap=0.05, offset=None):
    """Values that differ pairwise by at least `gap` (for max-like ops)."""
    n = int(np.prod(shape, dtype=np.int64))
    if offset is None:
        offset = -gap * n / 2
    values = rng.permutation(n).astype(np.float64) * gap + offset
    return values.reshape(shape).astype(np.float32)


def window_geometry(n, window, stride, padding):
    """One spatial axis of a windowed op: (output length, pad before, pad
    after). "same" is TensorFlow's: ceil(n / stride) outputs, the odd pad
    cell after."""
    if padding == "same":
        out = -(-n // stride)
        total = max((out - 1) * stride + window - n, 0)
        return out, total // 2, total - total // 2
    return (n - window) // stride + 1, 0, 0


def _as_list(inputs):
    return [np.asarray(x) for x in inputs]


def strided(x):
    """The same values as `x` in a non-contiguous array (every other element
    of a buffer twice as long on the last axis, walked backwards on the
    first), so ops that assume a contiguous layout show it."""
    x = np.asarray(x)
    if x.ndim == 0:
        return x
    buf = np.zeros(x.shape[:-1] + (2 * x.shape[-1],), dtype=x.dtype)
    buf[..., ::2] = x
    view = buf[..., ::2]
    flipped = np.ascontiguousarray(view[::-1])
    buf2 = np.zeros(flipped.shape[:-1] + (2 * flipped.shape[-1],), dtype=x.dtype)
    buf2[..., ::2] = flipped
    result = buf2[..., ::2][::-1]
    assert np.array_equal(result, x)
    return result


def _strided(inputs, which):
    which = range(len(inputs)) if which is None else which
    return [strided(x) if i in which else x for i, x in enumerate(inputs)]


def _same(a, b, what):
    """Equal up to rounding: a strided operand may take another kernel path
    (another summation order); a layout bug gives wholly wrong values."""
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs {b.shape}"
    finite = np.abs(b[np.isfinite(b)])
    scale = max(1.0, float(finite.max())) if finite.size else 1.0
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5 * scale, equal_nan=True, err_msg=what)


def check_forward(
    name,
    inputs,
    attrs=None,
    reference=None,
    rtol=1e-5,
    atol=1e-6,
    training=False,
    seed=0,
    strided_inputs=None,
):
    """Runs `name` and compares it with `reference(*inputs)` (numpy).

    Checks the output is a float32 numpy array of the reference's shape and
    that values agree within `rtol`/`atol` (NaNs must match), and that
    non-contiguous inputs (those listed in `strided_inputs`, default all)
    give the same output. Returns the output.
    """
    inputs = _as_list(inputs)
    out = C.op(name, inputs, attrs, training=training, seed=seed)
    assert isinstance(out, np.ndarray), type(out)
    assert out.dtype == np.float32, out.dtype
    again = C.op(name, _strided(inputs, strided_inputs), attrs, training=training, seed=seed)
    _same(again, out, f"{name} forward with non-contiguous inputs (attrs={attrs})")
    if reference is not None:
        want = np.asarray(reference(*inputs))
        assert out.shape == want.shape, f"{name}: shape {out.shape}, reference {want.shape}"
        np.testing.assert_allclose(
            out.astype(np.float64),
            want.astype(np.float64),
            rtol=rtol,
            atol=atol,
            equal_nan=True,
            err_msg=f"{name} forward differs from numpy (attrs={attrs})",
        )
    return out


def _loss(name, inputs, attrs, r, training, seed):
    out = C.op(name, inputs, attrs, training=training, seed=seed)
    return float(np.sum(out.astype(np.float64) * r))


def check_gradient(
    name,
    inputs,
    attrs=None,
    wrt=None,
    eps=1e-2,
    rtol=4e-3,
    atol=4e-4,
    training=False,
    seed=0,
    max_checked=40,
    rng=None,
    strided_inputs=None,
):
    """Compares `op_grad` with central finite differences.

    The scalar checked is `sum(op(inputs) * r)` with `r` drawn at random; its
    exact gradient is `op_grad(name, inputs, grad=r)`. For each input in
    `wrt` (default: every float input) up to `max_checked` elements get their
    own central difference, and one more along a random direction covers the
    whole tensor. Integer inputs must get `None`. Non-contiguous inputs
    (those in `strided_inputs`, default all) and output gradient must give
    the same gradients. Returns the gradients.
    """
    inputs = _as_list(inputs)
    rng = rng if rng is not None else np.random.default_rng(12345)
    out = C.op(name, inputs, attrs, training=training, seed=seed)
    r = rng.standard_normal(out.shape).astype(np.float32)
    r64 = r.astype(np.float64)
    grads = C.op_grad(name, inputs, r, attrs, training=training, seed=seed)
    assert len(grads) == len(inputs), f"{name}: {len(grads)} grads for {len(inputs)} inputs"
    again = C.op_grad(
        name, _strided(inputs, strided_inputs), strided(r), attrs, training=training, seed=seed
    )
    for i, (a, b) in enumerate(zip(grads, again)):
        assert (a is None) == (b is None)
        if a is not None:
            _same(b, a, f"{name}: gradient {i} with non-contiguous inputs (attrs={attrs})")
    if wrt is None:
        wrt = [i for i, x in enumerate(inputs) if x.dtype == np.float32]
    for i, x in enumerate(inputs):
        if x.dtype == np.int64:
            assert grads[i] is None, f"{name}: integer input {i} got a gradient"
    for i in wrt:
        x = inputs[i]
        g = grads[i]
        assert g is not None, f"{name}: no gradient for input {i}"
        assert isinstance(g, np.ndarray) and g.dtype == np.float32, (type(g), g.dtype)
        assert g.shape == x.shape, f"{name}: grad {i} shape {g.shape}, input {x.shape}"
        assert np.all(np.isfinite(g)), f"{name}: non-finite gradient for input {i}"
        if x.size == 0:
            continue
        g64 = g.astype(np.float64)
        scale = max(1.0, float(np.max(np.abs(g64))))
        tol_abs = atol * scale

        def fd_along(direction, x=x, i=i):
            step = (eps * direction).astype(np.float32)
            xp = np.asarray(x + step, dtype=np.float32)
            xm = np.asarray(x - step, dtype=np.float32)
            # the step actually taken, after float32 rounding
            dp = xp.astype(np.float64) - x.astype(np.float64)
            dm = xm.astype(np.float64) - x.astype(np.float64)
            lp = _loss(name, inputs[:i] + [xp] + inputs[i + 1 :], attrs, r64, training, seed)
            lm = _loss(name, inputs[:i] + [xm] + inputs[i + 1 :], attrs, r64, training, seed)
            return lp, lm, dp, dm

        flat = x.size
        picks = np.arange(flat) if flat <= max_checked else rng.choice(flat, max_checked, False)
        for j in picks:
            e = np.zeros(flat, dtype=np.float64)
            e[j] = 1.0
            lp, lm, dp, dm = fd_along(e.reshape(x.shape))
            denom = dp.reshape(-1)[j] - dm.reshape(-1)[j]
            fd = (lp - lm) / denom
            an = g64.reshape(-1)[j]
            idx = np.unravel_index(j, x.shape)
            assert abs(fd - an) <= tol_abs + rtol * abs(an), (
                f"{name}: d/d input{i}{list(idx)}: op_grad {an:.6g}, finite difference "
                f"{fd:.6g} (attrs={attrs}, input shapes {[a.shape for a in inputs]})"
            )
        # One directional derivative across every element at once.
        v = rng.choice([-1.0, 1.0], size=x.shape) * rng.uniform(0.5, 1.0, size=x.shape)
        lp, lm, dp, dm = fd_along(v)
        # Exact for any step: the directional derivative along (dp - dm) / 2.
        fd = (lp - lm) / 2.0
        an = float(np.sum(g64 * (dp - dm) / 2.0))
        mag = float(np.sum(np.abs(g64 * (dp - dm) / 2.0)))
        assert abs(fd - an) <= (tol_abs * eps * np.sqrt(flat)) + rtol * max(mag, abs(an)), (
            f"{name}: directional derivative for input {i}: op_grad {an:.6g}, "
            f"finite difference {fd:.6g} (attrs={attrs}, shapes {[a.shape for a in inputs]})"
        )
    return grads
