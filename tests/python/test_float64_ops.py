"""float64 in the ops that computed in float32 before session 13: softmax,
log_softmax, elu, selu, gelu, leaky_relu and the composites over them, and
the reductions, scans, norms and contractions built from float64
primitives. Each returns float64 equal to NumPy's float64 result at a
tolerance float32 fails (`test_float32_misses_these_tolerances`), and the
gradients under a `GradientTape` are float64 and match the analytic ones."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import pykeras as keras
from pykeras import ops

RTOL, ATOL = 1e-12, 1e-13

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)

_erf = np.vectorize(math.erf)


def f64(shape, lo=-3.0, hi=3.0):
    return arrays(np.float64, shape, elements=st.floats(lo, hi, allow_subnormal=False))


def check(got, want, rtol=RTOL, atol=ATOL):
    got = np.asarray(got)
    assert got.dtype == np.float64, got.dtype
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def np_softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def np_log_softmax(x, axis):
    s = x - np.max(x, axis=axis, keepdims=True)
    return s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))


SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805
C = math.sqrt(2.0 / math.pi)

ACTIVATIONS = {
    "elu": (lambda x: ops.elu(x, alpha=0.7), lambda x: np.where(x > 0, x, 0.7 * np.expm1(x))),
    "selu": (ops.selu, lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x))),
    "gelu": (
        lambda x: ops.gelu(x, approximate=False),
        lambda x: 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0))),
    ),
    "gelu_tanh": (
        lambda x: ops.gelu(x, approximate=True),
        lambda x: 0.5 * x * (1.0 + np.tanh(C * (x + 0.044715 * x**3))),
    ),
    "leaky_relu": (
        lambda x: ops.leaky_relu(x, negative_slope=0.1),
        lambda x: np.where(x >= 0, x, 0.1 * x),
    ),
    "relu6": (ops.relu6, lambda x: np.clip(x, 0.0, 6.0)),
    "hard_silu": (ops.hard_silu, lambda x: x * np.clip((x + 3.0) / 6.0, 0.0, 1.0)),
    "log_sigmoid": (ops.log_sigmoid, lambda x: -np.logaddexp(0.0, -x)),
    "celu": (
        lambda x: ops.celu(x, alpha=1.5),
        lambda x: np.where(x > 0, x, 1.5 * np.expm1(x / 1.5)),
    ),
    "squareplus": (ops.squareplus, lambda x: (x + np.sqrt(x * x + 4.0)) / 2.0),
}


@settings(max_examples=40, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(ACTIVATIONS)), shape=shapes)
def test_activations_in_float64(data, name, shape):
    ours, theirs = ACTIVATIONS[name]
    x = data.draw(f64(shape, -6.0, 6.0))
    check(ours(x), theirs(x))


@settings(max_examples=30, deadline=None)
@given(x=f64((3, 4, 2), -20.0, 20.0), axis=st.sampled_from([0, 1, -1]))
def test_softmax_and_log_softmax_in_float64(x, axis):
    check(ops.softmax(x, axis=axis), np_softmax(x, axis))
    check(ops.log_softmax(x, axis=axis), np_log_softmax(x, axis), atol=1e-12)
    lse = np.log(np.sum(np.exp(x - x.max())), dtype=np.float64) + x.max()
    check(ops.logsumexp(x), lse)
    want = np.log(np.sum(np.exp(x), axis=axis))
    check(ops.logsumexp(x, axis=axis), want)


@settings(max_examples=30, deadline=None)
@given(x=f64((3, 4)), axis=st.sampled_from([None, 0, 1]), keepdims=st.booleans())
def test_statistics_in_float64(x, axis, keepdims):
    # var is float32 for float64 input, as Keras casts it (computed in float64).
    var = np.asarray(ops.var(x, axis=axis, keepdims=keepdims))
    assert var.dtype == np.float32
    np.testing.assert_allclose(var, np.var(x, axis=axis, keepdims=keepdims), rtol=1e-6, atol=1e-7)
    check(ops.std(x, axis=axis, keepdims=keepdims), np.std(x, axis=axis, keepdims=keepdims))
    mean, var = ops.moments(x, axes=[0], keepdims=keepdims)
    check(mean, np.mean(x, axis=0, keepdims=keepdims))
    check(var, np.var(x, axis=0, keepdims=keepdims))


@settings(max_examples=30, deadline=None)
@given(x=f64((3, 5), 0.5, 1.5), axis=st.sampled_from([None, 0, 1]))
def test_products_and_scans_in_float64(x, axis):
    check(ops.prod(x, axis=axis), np.prod(x, axis=axis))
    check(ops.cumsum(x, axis=axis), np.cumsum(x, axis=axis))
    check(ops.cumprod(x, axis=axis), np.cumprod(x, axis=axis))


@settings(max_examples=30, deadline=None)
@given(x=f64((3, 4)), order=st.sampled_from([None, 1, 2, 3, np.inf, -np.inf]))
def test_vector_norms_computed_in_float64(x, order):
    # float32 for float64 input, as Keras casts it; rounded once from float64.
    got = np.asarray(ops.norm(x, ord=order, axis=1))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, np.linalg.norm(x, ord=order, axis=1), rtol=2e-7, atol=1e-30)


@settings(max_examples=20, deadline=None)
@given(a=f64((2, 3, 4)), b=f64((4, 5)))
def test_contractions_in_float64(a, b):
    check(ops.einsum("bij,jk->bik", a, b), np.einsum("bij,jk->bik", a, b))
    check(ops.tensordot(a, b, axes=1), np.tensordot(a, b, axes=1))
    check(ops.dot(a, b), np.dot(a, b))
    check(ops.inner(a[0, 0], b[:, 0]), np.inner(a[0, 0], b[:, 0]))


def test_float32_misses_these_tolerances():
    """The same softmax, gelu and variance in float32 miss the tolerances
    above: passing them needs float64 arithmetic."""
    rng = np.random.default_rng(1)
    x = rng.uniform(-3, 3, (8, 16))
    x32 = x.astype(np.float32)
    for ours, want in (
        (ops.softmax(x32), np_softmax(x, -1)),
        (ops.gelu(x32, approximate=False), 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))),
        (ops.std(x32, axis=1), np.std(x, axis=1)),
    ):
        with pytest.raises(AssertionError):
            np.testing.assert_allclose(np.asarray(ours, np.float64), want, rtol=RTOL, atol=ATOL)


def _tape_grad(fn, x):
    with keras.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    g = np.asarray(tape.gradient(y, x))
    assert g.dtype == np.float64
    return g


@settings(max_examples=15, deadline=None)
@given(x=f64((3, 4), -4.0, 4.0), w=f64((3, 4)))
def test_gradients_in_float64(x, w):
    """Tape gradients of sum(w * f(x)) against the analytic derivatives."""
    s = np_softmax(x, -1)
    g = _tape_grad(lambda t: ops.sum(ops.multiply(w, ops.softmax(t))), x)
    check(g, s * (w - np.sum(w * s, axis=-1, keepdims=True)), rtol=1e-11, atol=1e-12)
    g = _tape_grad(lambda t: ops.sum(ops.multiply(w, ops.log_softmax(t))), x)
    check(g, w - s * np.sum(w, axis=-1, keepdims=True), rtol=1e-11, atol=1e-12)
    pdf = np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
    cdf = 0.5 * (1.0 + _erf(x / math.sqrt(2.0)))
    g = _tape_grad(lambda t: ops.sum(ops.multiply(w, ops.gelu(t, approximate=False))), x)
    check(g, w * (cdf + x * pdf), rtol=1e-11, atol=1e-12)
    g = _tape_grad(lambda t: ops.sum(ops.multiply(w, ops.elu(t, alpha=0.7))), x)
    check(g, w * np.where(x > 0, 1.0, 0.7 * np.exp(x)), rtol=1e-11, atol=1e-12)
    g = _tape_grad(
        lambda t: ops.sum(ops.multiply(w, ops.moments(t, axes=[1], keepdims=True)[1])), x
    )
    centred = x - x.mean(axis=1, keepdims=True)
    want = 2.0 * centred / x.shape[1] * w.sum(axis=1, keepdims=True)
    check(g, want, rtol=1e-11, atol=1e-12)
    g = _tape_grad(lambda t: ops.logsumexp(t), x)
    check(g, np_softmax(x.ravel(), 0).reshape(x.shape), rtol=1e-11, atol=1e-12)


def test_functional_softmax_model_in_float64():
    inp = keras.Input((5,), dtype="float64")
    model = keras.Model(inp, ops.softmax(ops.gelu(inp, approximate=False)))
    x = np.linspace(-2.0, 2.0, 10).reshape(2, 5) + 1e-10
    got = np.asarray(model.predict(x, verbose=0))
    check(got, np_softmax(0.5 * x * (1.0 + _erf(x / math.sqrt(2.0))), -1))


@settings(max_examples=30, deadline=None)
@given(x=f64((3, 5)), axis=st.sampled_from([0, 1, -1]))
def test_orderings_compare_float64_values(x, axis):
    # Nudges float32 cannot see: 1 + k * 1e-12 are one float32.
    x = np.round(x) + 1e-12 * np.arange(x.size).reshape(x.shape)[::-1]
    np.testing.assert_array_equal(ops.argmax(x, axis=axis), np.argmax(x, axis=axis))
    np.testing.assert_array_equal(ops.argmin(x, axis=axis), np.argmin(x, axis=axis))
    np.testing.assert_array_equal(
        ops.argsort(x, axis=axis), np.argsort(x, axis=axis, kind="stable")
    )
    check(ops.sort(x, axis=axis), np.sort(x, axis=axis), 0, 0)
    values, indices = ops.top_k(x, 2)
    check(values, -np.sort(-x, axis=-1)[..., :2], 0, 0)
    np.testing.assert_array_equal(indices, np.argsort(-x, axis=-1, kind="stable")[..., :2])


@settings(max_examples=20, deadline=None)
@given(x=f64((4, 3)), ids=arrays(np.int64, (5,), elements=st.integers(0, 3)))
def test_gathers_move_float64_values_and_gradients(x, ids):
    check(ops.take(x, ids, axis=0), x[ids], 0, 0)
    w = np.arange(15.0).reshape(5, 3) / 7.0
    g = _tape_grad(lambda t: ops.sum(ops.multiply(w, ops.take(t, ids, axis=0))), x)
    want = np.zeros_like(x)
    np.add.at(want, ids, w)
    check(g, want, rtol=1e-14, atol=0)
    g = _tape_grad(lambda t: ops.sum(ops.multiply(w[:3], ops.sort(t, axis=0)[:3])), x)
    want = np.zeros_like(x)
    order = np.argsort(x, axis=0, kind="stable")
    for j in range(3):
        want[order[j], np.arange(3)] = w[j]
    check(g, want, 0, 0)


def test_functional_gather_and_sort_in_float64():
    inp = keras.Input((4,), dtype="float64")
    out = ops.sort(ops.take(inp, np.array([3, 0, 2]), axis=1), axis=-1)
    model = keras.Model(inp, out)
    x = np.array([[1.0 + 3e-12, 1.0, 1.0 + 1e-12, 1.0 + 2e-12]])
    check(model.predict(x, verbose=0), np.sort(x[:, [3, 0, 2]], axis=-1), 0, 0)


@settings(max_examples=20, deadline=None)
@given(x=f64((3, 4), -0.99, 0.99))
def test_special_functions_in_float64(x):
    check(ops.erf(x), _erf(x), rtol=1e-13, atol=1e-15)
    check(ops.erfinv(ops.erf(x)), x, rtol=1e-12, atol=1e-14)
    g = _tape_grad(lambda t: ops.sum(ops.erf(t)), x)
    check(g, 2.0 / math.sqrt(math.pi) * np.exp(-x * x), rtol=1e-13, atol=0)


class _BatchSized(keras.layers.Layer):
    """Reshapes and broadcasts by the batch size known at run time."""

    def call(self, x):
        batch = ops.shape(x)[0]
        flat = ops.reshape(x, (batch, -1))
        return ops.add(flat, ops.broadcast_to(ops.sum(x, axis=[1, 2])[:, None], (batch, 6)))


def test_run_time_batch_sizes_keep_float64():
    inp = keras.Input((2, 3), dtype="float64")
    model = keras.Model(inp, _BatchSized()(inp))
    x = np.arange(12.0).reshape(2, 2, 3) + 1e-12
    want = x.reshape(2, -1) + x.sum(axis=(1, 2))[:, None]
    check(model.predict(x, verbose=0), want)


def test_in_top_k_compares_float64_scores():
    # 1 + 1e-12 beats 1 in float64; in float32 they tie and both are "in".
    scores = np.array([[1.0, 1.0 + 1e-12, 1.0 - 1e-12]])
    np.testing.assert_array_equal(ops.in_top_k(np.array([0]), scores, 1), [0])
    np.testing.assert_array_equal(ops.in_top_k(np.array([1]), scores, 1), [1])
    np.testing.assert_array_equal(ops.in_top_k(np.array([0]), scores.astype(np.float32), 1), [1])
