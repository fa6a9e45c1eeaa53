"""float64 computes in float64: the ops with float64 kernels return float64
results equal to NumPy's float64 ones to float64's precision (a tolerance
float32 fails, shown by `test_the_tolerance_fails_in_float32`), gradients
under a `GradientTape` are float64 too, and the ops without float64 kernels
compute in float32 as before."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import pykeras as keras
from pykeras import _core, ops

# float64's rounding is ~1e-16 relative; float32's ~6e-8.
RTOL, ATOL = 1e-12, 1e-13

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


def f64(shape, lo=-3.0, hi=3.0):
    return arrays(np.float64, shape, elements=st.floats(lo, hi, allow_subnormal=False))


def check(got, want, rtol=RTOL, atol=ATOL):
    got = np.asarray(got)
    assert got.dtype == np.float64, got.dtype
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


BINARY = {
    "add": (ops.add, np.add),
    "subtract": (ops.subtract, np.subtract),
    "multiply": (ops.multiply, np.multiply),
    "divide": (ops.divide, np.divide),
    "maximum": (ops.maximum, np.maximum),
    "minimum": (ops.minimum, np.minimum),
}


@settings(max_examples=30, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(BINARY)), shape=shapes)
def test_binary_ops_broadcast_in_float64(data, name, shape):
    ours, theirs = BINARY[name]
    a = data.draw(f64(shape))
    # The second operand broadcasts along the leading axes.
    b = data.draw(f64(shape[1:], 0.5, 3.0))
    check(ours(a, b), theirs(a, b))


UNARY = {
    "exp": (ops.exp, np.exp, -3.0, 3.0),
    "log": (ops.log, np.log, 0.1, 5.0),
    "sqrt": (ops.sqrt, np.sqrt, 0.0, 5.0),
    "square": (ops.square, np.square, -3.0, 3.0),
    "negative": (ops.negative, np.negative, -3.0, 3.0),
    "abs": (ops.abs, np.abs, -3.0, 3.0),
    "sin": (ops.sin, np.sin, -3.0, 3.0),
    "tanh-free cosh": (ops.cosh, np.cosh, -3.0, 3.0),
    "log1p": (ops.log1p, np.log1p, -0.5, 3.0),
    "expm1": (ops.expm1, np.expm1, -3.0, 3.0),
    "reciprocal": (ops.reciprocal, np.reciprocal, 0.5, 3.0),
    "arctan": (ops.arctan, np.arctan, -3.0, 3.0),
}


@settings(max_examples=30, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(UNARY)), shape=shapes)
def test_unary_math_in_float64(data, name, shape):
    ours, theirs, lo, hi = UNARY[name]
    x = data.draw(f64(shape, lo, hi))
    got = np.asarray(ours(x))
    # Keras's sin/cos family reports float32 for float64 (its result_type
    # with a weak float); the values are float64's either way when float64.
    if got.dtype == np.float64:
        check(got, theirs(x))
    else:
        assert name in ("sin", "tanh-free cosh", "arctan")


@settings(max_examples=30, deadline=None)
@given(x=f64((3, 4)), axis=st.sampled_from([None, 0, 1, -1]), keepdims=st.booleans())
def test_reductions_in_float64(x, axis, keepdims):
    check(ops.sum(x, axis=axis, keepdims=keepdims), np.sum(x, axis=axis, keepdims=keepdims))
    check(ops.mean(x, axis=axis, keepdims=keepdims), np.mean(x, axis=axis, keepdims=keepdims))
    check(ops.max(x, axis=axis, keepdims=keepdims), np.max(x, axis=axis, keepdims=keepdims))
    check(ops.min(x, axis=axis, keepdims=keepdims), np.min(x, axis=axis, keepdims=keepdims))
    if axis is not None:
        check(ops.ptp(x, axis=axis), np.ptp(x, axis=axis))


@settings(max_examples=20, deadline=None)
@given(data=st.data(), m=st.integers(1, 5), k=st.integers(1, 6), n=st.integers(1, 5))
def test_matmul_in_float64(data, m, k, n):
    a = data.draw(f64((2, m, k)))
    b = data.draw(f64((k, n)))
    check(ops.matmul(a, b), np.matmul(a, b), rtol=1e-12, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(x=f64((2, 3, 4)))
def test_moves_keep_float64_values_exactly(x):
    check(ops.reshape(x, (6, 4)), x.reshape(6, 4), 0, 0)
    check(ops.transpose(x, (2, 0, 1)), x.transpose(2, 0, 1), 0, 0)
    check(ops.concatenate([x, x], axis=1), np.concatenate([x, x], axis=1), 0, 0)
    check(ops.slice(x, (0, 1, 1), (2, 2, 3)), x[:, 1:3, 1:4], 0, 0)
    check(ops.pad(x, ((0, 0), (1, 0), (0, 2))), np.pad(x, ((0, 0), (1, 0), (0, 2))), 0, 0)


@settings(max_examples=20, deadline=None)
@given(x=f64((3, 4)), y=f64((4,)))
def test_where_picks_float64_values(x, y):
    check(ops.where(x > 0, x, y), np.where(x > 0, x, y), 0, 0)


def test_the_tolerance_fails_in_float32():
    """The tolerances above catch float32 arithmetic: the same sums done in
    float32 miss by far more."""
    rng = np.random.default_rng(0)
    a, b = rng.uniform(-3, 3, (64,)), rng.uniform(-3, 3, (64,))
    want = a * b + np.exp(a)
    narrow = (a.astype(np.float32) * b.astype(np.float32) + np.exp(a.astype(np.float32))).astype(
        np.float64
    )
    with pytest.raises(AssertionError):
        check(narrow, want)
    check(ops.add(ops.multiply(a, b), ops.exp(a)), want)


def test_mixed_float32_and_float64_promote_to_float64():
    a = np.full((2,), 0.1, np.float32)
    b = np.full((2,), 1e-12, np.float64)
    out = ops.add(a, b)
    check(out, a.astype(np.float64) + b)
    # A Python float is weak: it keeps float32 float32.
    assert np.asarray(ops.add(a, 1.5)).dtype == np.float32


def test_cast_to_and_from_float64():
    x = np.array([0.1, 1e-12, 3.0])
    assert np.asarray(ops.cast(x, "float64")).dtype == np.float64
    np.testing.assert_array_equal(ops.cast(x, "float32"), x.astype(np.float32))
    y = ops.cast(np.array([0.1], np.float32), "float64")
    check(y, np.array([0.1], np.float32).astype(np.float64), 0, 0)


@settings(max_examples=15, deadline=None)
@given(x=f64((3, 4), 0.5, 2.0), w=f64((4, 2)))
def test_gradients_in_float64(x, w):
    """The tape's gradient of mean(((log(x) * exp(x / 4)) @ w) ** 2) equals
    the analytic one to float64's precision."""
    with keras.GradientTape() as tape:
        tape.watch(x)
        u = ops.multiply(ops.log(x), ops.exp(ops.divide(x, 4.0)))
        h = ops.matmul(u, w)
        y = ops.mean(ops.square(h))
    g = np.asarray(tape.gradient(y, x))
    assert g.dtype == np.float64
    u = np.log(x) * np.exp(x / 4.0)
    h = u @ w
    dh = 2.0 * h / h.size
    want = (dh @ w.T) * np.exp(x / 4.0) * (1.0 / x + np.log(x) / 4.0)
    check(g, want, rtol=1e-11, atol=1e-12)


def test_ops_without_float64_kernels_compute_in_float32():
    """random_shuffle has no float64 kernel: it rounds float64 input to
    float32 and returns what it returns on float32, as before float64
    existed (`keras.random.shuffle` moves positions instead, exact in any
    dtype)."""
    x = np.array([[-1.0, 0.5 + 1e-12], [2.0, 1e-9], [3.0, 4.0]])
    seed = np.array([3.0, 0.0], np.float32)
    out = _core.op("random_shuffle", [seed, x], {"axis": 0, "seed": 3}, False, 0)
    assert out.dtype == np.float32
    expected = _core.op(
        "random_shuffle", [seed, x.astype(np.float32)], {"axis": 0, "seed": 3}, False, 0
    )
    np.testing.assert_array_equal(out, expected)


@settings(max_examples=20, deadline=None)
@given(x=f64((3, 4), -6.0, 6.0))
def test_activations_in_float64(x):
    sigmoid = 1.0 / (1.0 + np.exp(-x))
    check(ops.relu(x), np.maximum(x, 0.0))
    check(ops.sigmoid(x), sigmoid)
    check(ops.silu(x), x * sigmoid)
    check(ops.softplus(x), np.logaddexp(0.0, x))


def test_op_specs_say_which_ops_take_float64():
    modes = {s["name"]: s["float64"] for s in _core.op_specs()}
    computed = ("add", "exp", "sum", "mean", "max", "matmul", "reshape", "transpose", "where")
    spatial = ("conv2d", "conv2d_transpose", "depthwise_conv2d", "max_pool2d", "avg_pool2d")
    for name in (*computed, *spatial, "batch_norm", "batch_moments", "layer_norm"):
        assert modes[name] == "computed", name
    assert modes["cast"] == "own"
    sequence = ("lstm_scan", "gru_scan", "simple_rnn_scan", "dot_product_attention")
    linear_algebra = ("inv", "solve", "cholesky", "slogdet_packed", "qr_packed", "svd_packed")
    misc = ("global_avg_pool1d", "global_max_pool2d", "segment_sum", "dropout")
    for name in (*sequence, *linear_algebra, *misc):
        assert modes[name] == "computed", name
    assert modes["random_normal"] == "own"
    assert modes["random_shuffle"] == "narrowed"
    assert set(modes.values()) <= {"computed", "narrowed", "own"}


def test_functional_model_carries_float64():
    """A Functional model on a float64 Input computes in float64 through the
    ops with float64 kernels (Keras's symbolic dtypes are its own business:
    `result_type` reports 64-bit types as 32-bit ones)."""
    inp = keras.Input((3,), dtype="float64")
    out = ops.sum(ops.add(ops.multiply(ops.exp(inp), 2.0), inp), axis=-1)
    model = keras.Model(inp, out)
    x = np.array([[0.1, 1e-10, 2.0], [1.0, 2.0, 3.0]])
    got = np.asarray(model.predict(x, verbose=0))
    np.testing.assert_allclose(got, np.sum(np.exp(x) * 2.0 + x, axis=-1), rtol=RTOL, atol=ATOL)
