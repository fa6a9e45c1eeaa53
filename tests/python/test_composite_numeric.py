"""Elementwise numeric functions (`pykeras/ops/numeric.py`): composites of
the core's primitives, checked against NumPy (values, shape and dtype, over
hypothesis-drawn shapes, broadcasts and values), against what Keras 3
returned (tests/reference/data/numeric_ops.json), through traced subclassed
models (values and gradients), in Functional models (an unknown batch) and
on bad input."""

import numpy as np
import pytest
from composite_check import WeightedOp, keras_params, our_params
from hypothesis import given
from numeric_check import check_functional, check_traced, reference_cases, replay, run_examples
from op_check import SETTINGS, broadcast_pairs, rng_for, seeds, shapes

import pykeras as keras
from pykeras import ops
from pykeras.errors import DTypeError
from pykeras.ops import numeric

# Composites claim no primitive (see test_ops_coverage.py).
OPS = set()

CASES = reference_cases("numeric")


def test_every_function_has_keras_signature():
    for name in numeric.__all__:
        assert our_params(getattr(numeric, name)) == keras_params(name), name
        assert getattr(ops, name) is getattr(numeric, name)
        doc = getattr(numeric, name).__doc__
        assert "Args:" in doc and "Returns:" in doc and "Example:" in doc, name


def test_docstring_examples_run():
    assert run_examples(numeric) == 0


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(case):
    replay(case)


# ---------------------------------------------------------------- eager, against NumPy

SPECIAL = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0], np.float32)


def _values(seed, shape, low=-4.0, high=4.0, special=True):
    """Uniform float32 values with, now and then, zeros, infinities and NaN."""
    rng = rng_for(seed)
    x = rng.uniform(low, high, shape).astype(np.float32)
    if special and x.size:
        pick = rng.random(shape) < 0.2
        x[pick] = rng.choice(SPECIAL, int(pick.sum()))
    return x


def check(got, want, tol=2e-6, atol=1e-6):
    got = np.asarray(got)
    want = np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == np.float32, got.dtype
    np.testing.assert_allclose(got, want.astype(np.float32), rtol=tol, atol=atol, equal_nan=True)


def _f64(fn, *xs):
    with np.errstate(all="ignore"):
        return fn(*[np.asarray(x, np.float64) for x in xs])


UNARY = [
    ("arccosh", np.arccosh, 0.5, 1e6),
    ("arctanh", np.arctanh, -1.2, 1.2),
    ("cbrt", np.cbrt, -1e3, 1e3),
    ("deg2rad", np.deg2rad, -720, 720),
    ("rad2deg", np.rad2deg, -7, 7),
    ("fabs", np.fabs, -5, 5),
    ("sinc", np.sinc, -5, 5),
    ("trunc", np.trunc, -5, 5),
    ("i0", np.i0, -30, 30),
    ("nan_to_num", lambda x: np.nan_to_num(x.astype(np.float32)), -5, 5),
]


@SETTINGS
@given(shapes(max_dims=3), seeds)
def test_unary_against_numpy(shape, seed):
    for name, reference, low, high in UNARY:
        x = _values(seed, shape, low, high, special=name != "i0")
        want = _f64(reference, x)
        if name == "i0":
            tol = 1e-5
        elif name == "sinc":
            tol = 1e-5
        else:
            tol = 2e-6
        check(getattr(ops, name)(x), want, tol=tol, atol=2e-6)


BINARY = [
    ("arctan2", np.arctan2),
    ("fmax", np.fmax),
    ("fmin", np.fmin),
    ("heaviside", np.heaviside),
    ("hypot", np.hypot),
    ("logaddexp", np.logaddexp),
    ("logaddexp2", np.logaddexp2),
    ("divide_no_nan", lambda a, b: np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))),
]


@SETTINGS
@given(broadcast_pairs(max_dims=3), seeds)
def test_binary_against_numpy(pair, seed):
    s1, s2 = pair
    x1, x2 = _values(seed, s1), _values(seed + 1, s2)
    for name, reference in BINARY:
        check(getattr(ops, name)(x1, x2), _f64(reference, x1, x2), tol=4e-6, atol=1e-6)


@SETTINGS
@given(broadcast_pairs(max_dims=3), seeds)
def test_fmod_is_exact_on_whole_numbers_and_close_on_others(pair, seed):
    s1, s2 = pair
    rng = rng_for(seed)
    a = rng.integers(-(10**6), 10**6, s1).astype(np.float32)
    b = rng.integers(-300, 300, s2).astype(np.float32)
    want = np.fmod(a, b)
    got = ops.fmod(a, b)
    np.testing.assert_array_equal(got, want.astype(np.float32))
    ints = ops.fmod(a.astype(np.int32), b.astype(np.int32))
    assert ints.dtype == np.int32
    np.testing.assert_array_equal(ints, np.where(b == 0, 0, np.nan_to_num(want)).astype(np.int32))
    x = rng.uniform(-50, 50, s1).astype(np.float32)
    y = rng.uniform(0.5, 3, s2).astype(np.float32) * rng.choice([-1, 1], s2).astype(np.float32)
    got = np.asarray(ops.fmod(x, y), np.float64)
    want = np.fmod(x.astype(np.float64), y.astype(np.float64))
    # The sign follows x, the size stays below |y|, and it differs from the
    # exact remainder by rounding only.
    assert np.all((got == 0) | (np.sign(got) == np.sign(np.broadcast_to(x, got.shape))))
    assert np.all(np.abs(got) < np.abs(np.broadcast_to(y, got.shape)))
    np.testing.assert_allclose(got, want, atol=2e-5)


def test_arctan2_signed_zeros_and_infinities_as_numpy():
    values = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan], np.float32)
    y, x = np.meshgrid(values, values, indexing="ij")
    got = ops.arctan2(y, x)
    want = np.arctan2(y, x)
    np.testing.assert_allclose(got, want, rtol=1e-6, equal_nan=True)
    assert np.array_equal(np.signbit(got), np.signbit(want))


@SETTINGS
@given(shapes(max_dims=2), seeds)
def test_nextafter_is_bit_exact(shape, seed):
    rng = rng_for(seed)
    pool = np.array(
        [
            0.0,
            -0.0,
            1.0,
            -1.0,
            2.0,
            0.5,
            2.0**-126,
            -(2.0**-126),
            1e-45,
            -1e-45,
            3e-39,
            np.finfo(np.float32).max,
            -np.finfo(np.float32).max,
            np.inf,
            -np.inf,
            np.nan,
            3.0,
            1.5,
            1e30,
            2.0**100,
            0.1,
        ],
        np.float32,
    )
    x = rng.choice(pool, shape).astype(np.float32)
    x = np.where(rng.random(shape) < 0.3, rng.normal(0, 1e3, shape), x).astype(np.float32)
    y = rng.choice(pool, shape).astype(np.float32)
    got, want = np.asarray(ops.nextafter(x, y)), np.nextafter(x, y)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(
        got.view(np.int32)[~np.isnan(want)], want.view(np.int32)[~np.isnan(want)]
    )
    assert np.array_equal(np.isnan(got), np.isnan(want))


@SETTINGS
@given(broadcast_pairs(max_dims=3), seeds)
def test_ldexp_against_numpy(pair, seed):
    s1, s2 = pair
    rng = rng_for(seed)
    x = _values(seed, s1)
    e = rng.integers(-140, 140, s2).astype(np.int32)
    with np.errstate(all="ignore"):
        want = np.ldexp(x, e)
    check(ops.ldexp(x, e), want, tol=1e-6)


def test_integer_and_bool_inputs_keep_keras_dtypes():
    i = np.array([[3, -4], [0, 7]], np.int8)
    assert ops.trunc(i).dtype == np.int8 and ops.nan_to_num(i).dtype == np.int8
    assert ops.fmax(i, np.int16(2)).dtype == np.int16
    assert ops.fmin(i, 2).dtype == np.int8
    assert ops.fmin(i, 2.5).dtype == np.float32
    assert ops.fmod(np.array([True]), np.array([True])).dtype == np.int32
    assert ops.fmax(np.array([True]), np.array([False])).dtype == np.bool_
    for name in ("cbrt", "sinc", "i0", "fabs", "arccosh", "deg2rad"):
        assert getattr(ops, name)(i).dtype == np.float32, name


# ------------------------------------------------ traced models: values and gradients

S = (2, 3)
A = np.array([[0.3, -1.2, 0.7], [2.0, 0.4, -0.6]], np.float32)

# (id, op on a batch, the same in NumPy on float64, scale of the weights)
MODEL_CASES = [
    ("arccosh", lambda t: ops.arccosh(t * t + 1.5), lambda t: np.arccosh(t * t + 1.5)),
    ("arctanh", lambda t: ops.arctanh(t * 0.5), lambda t: np.arctanh(t * 0.5)),
    ("arctan2", lambda t: ops.arctan2(t, t * 0.5 + A), lambda t: np.arctan2(t, t * 0.5 + A)),
    ("cbrt", lambda t: ops.cbrt(t + A * 3), lambda t: np.cbrt(t + A * 3)),
    ("deg2rad", lambda t: ops.deg2rad(t), np.deg2rad),
    ("rad2deg", lambda t: ops.rad2deg(t), np.rad2deg),
    ("fabs", lambda t: ops.fabs(t), np.fabs),
    ("fmax", lambda t: ops.fmax(t, A * 0.5), lambda t: np.fmax(t, A * 0.5)),
    ("fmin", lambda t: ops.fmin(t, A * 0.5), lambda t: np.fmin(t, A * 0.5)),
    ("fmod", lambda t: ops.fmod(t * 3, 0.7), lambda t: np.fmod(t * 3, 0.7)),
    ("heaviside", lambda t: ops.heaviside(t, 0.5) + t, lambda t: np.heaviside(t, 0.5) + t),
    ("hypot", lambda t: ops.hypot(t, A), lambda t: np.hypot(t, A)),
    ("logaddexp", lambda t: ops.logaddexp(t, A * 2), lambda t: np.logaddexp(t, A * 2)),
    ("logaddexp2", lambda t: ops.logaddexp2(t, A * 2), lambda t: np.logaddexp2(t, A * 2)),
    ("sinc", lambda t: ops.sinc(t * 2), lambda t: np.sinc(t * 2)),
    ("trunc", lambda t: ops.trunc(t * 3) + t, lambda t: np.trunc(t * 3) + t),
    ("ldexp", lambda t: ops.ldexp(t, 3), lambda t: np.ldexp(t, 3)),
    ("i0", lambda t: ops.i0(t * 4), lambda t: np.i0(t * 4)),
    ("divide_no_nan", lambda t: ops.divide_no_nan(t, A), lambda t: t / A),
    ("nan_to_num", lambda t: ops.nan_to_num(t), np.nan_to_num),
]


@pytest.mark.parametrize("name,ours,reference", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_traced_model_values_and_gradient(name, ours, reference):
    check_traced(ours, reference, S)


def test_nextafter_has_no_gradient_and_runs_in_a_model():
    model = WeightedOp(lambda t: ops.nextafter(t, A) + t, S, seed=3)
    w0 = model.w.numpy()
    x = np.ones((1, *S), np.float32)
    y = model.predict(x, verbose=0)
    np.testing.assert_array_equal(y[0], np.nextafter(w0, A) + w0)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.fit(x, np.zeros_like(y), batch_size=1, epochs=1, shuffle=False, verbose=0)
    # Only `+ t` carries a gradient: d mean(y**2) / dw = 2 y / size.
    np.testing.assert_allclose(model.w.numpy(), w0 - 0.1 * 2 * y[0] / y.size, rtol=1e-5)


@pytest.mark.parametrize("name", numeric.__all__)
def test_functional_model_with_unknown_batch(name):
    fn = getattr(ops, name)
    if name == "ldexp":
        check_functional(lambda t: fn(t, 2), S)
    elif name in (
        "arctan2",
        "fmax",
        "fmin",
        "fmod",
        "heaviside",
        "hypot",
        "logaddexp",
        "logaddexp2",
        "nextafter",
        "divide_no_nan",
    ):
        check_functional(lambda t: fn(t, A), S)
    elif name == "arccosh":
        check_functional(fn, S, 1.0, 5.0)
    elif name == "arctanh":
        check_functional(fn, S, -0.9, 0.9)
    else:
        check_functional(fn, S)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("exponent", [np.array([1.5]), 2.0, np.array([True])])
def test_ldexp_refuses_a_non_integer_exponent(exponent):
    with pytest.raises(DTypeError, match="'ldexp'"):
        ops.ldexp(np.ones(1, np.float32), exponent)
    assert issubclass(DTypeError, TypeError)
