"""erf, erfc, erfinv (primitives and `keras.ops` functions).

Accuracy in float32 ulps against Python's float64 `math.erf`/`math.erfc`
(erfinv: the exact inverse lies within an ulp of the result, checked with
`math.erf`), over hypothesis-drawn values across the whole range;
Keras's outputs from tests/reference/data/sorting.json; gradients against
finite differences and through a traced model's `fit`; a Functional model;
bad input.
"""

import json
import math
import pathlib

import numpy as np
import pytest
from composite_check import WeightedOp, keras_params, our_params
from hypothesis import given
from hypothesis import strategies as st
from op_check import (
    FEW,
    SETTINGS,
    C,
    DTypeError,
    check_forward,
    check_gradient,
    rng_for,
    seeds,
    shapes,
    uniform,
)

import pykeras as keras
from pykeras import ops
from pykeras.ops import special

OPS = {"erf", "erfc", "erfinv"}

FIXTURE = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data" / "sorting.json"
RECORDS = json.loads(FIXTURE.read_text())["special"]

floats32 = st.floats(width=32, allow_nan=False, allow_infinity=False)


def _ulps(got, want):
    """Distance in float32 ulps between float32 `got` and float32 `want`."""
    a = np.asarray(got, np.float32).view(np.int32).astype(np.int64)
    b = np.asarray(want, np.float32).view(np.int32).astype(np.int64)
    # Map the sign-magnitude bit patterns onto a line ordered like the floats.
    a = np.where(a < 0, -(a & 0x7FFFFFFF), a)
    b = np.where(b < 0, -(b & 0x7FFFFFFF), b)
    return np.abs(a - b)


@SETTINGS
@given(values=st.lists(floats32, min_size=1, max_size=30))
def test_erf_and_erfc_are_within_an_ulp_of_math(values):
    x = np.array(values, np.float32)
    for name, exact in [("erf", math.erf), ("erfc", math.erfc)]:
        got = C.op(name, [x], None)
        want = np.array([exact(float(v)) for v in x], np.float64).astype(np.float32)
        assert _ulps(got, want).max() <= 1, (name, x, got, want)


@SETTINGS
@given(values=st.lists(st.floats(-1, 1, width=32, exclude_min=True, exclude_max=True), min_size=1))
def test_erfinv_is_within_an_ulp_of_the_exact_inverse(values):
    y = np.array(values, np.float32)
    x = C.op("erfinv", [y], None)
    assert x.dtype == np.float32
    # erf is increasing: the exact inverse of y lies between the float32
    # neighbours of the result when erf maps them around y.
    below = np.nextafter(x, np.float32(-np.inf))
    above = np.nextafter(x, np.float32(np.inf))
    for lo, hi, target in zip(below, above, y):
        assert math.erf(float(lo)) <= float(target) <= math.erf(float(hi)), (target, lo, hi)


def test_special_values():
    inf, nan = np.float32(np.inf), np.float32(np.nan)
    got = ops.erfinv(np.array([1, -1, 0, -0.0, 1.5, -2, nan], np.float32))
    np.testing.assert_array_equal(got[:4], [inf, -inf, 0, 0])
    assert np.signbit(got[3]) and np.isnan(got[4:]).all()
    np.testing.assert_array_equal(ops.erf(np.array([inf, -inf, 0], np.float32)), [1, -1, 0])
    np.testing.assert_array_equal(ops.erfc(np.array([inf, -inf, 40], np.float32)), [0, 2, 0])
    # erfc keeps relative accuracy far into the tail, where 1 - erf is 0.
    assert ops.erfc(np.float32(9.0)) == np.float32(math.erfc(9.0))
    assert np.isnan(ops.erf(nan)) and np.isnan(ops.erfc(nan))


@SETTINGS
@given(shape=shapes(), seed=seeds)
def test_shapes_and_non_contiguous_inputs(shape, seed):
    x = uniform(rng_for(seed), shape, -3, 3)
    for name in ["erf", "erfc"]:
        ref = np.vectorize(getattr(math, name), otypes=[np.float64])
        check_forward(name, [x], None, lambda v, ref=ref: ref(v.astype(np.float64)), 2e-7, 1e-30)
    y = np.clip(x / 3, -0.999, 0.999).astype(np.float32)
    out = check_forward("erfinv", [y], None)
    assert out.shape == y.shape


@FEW
@given(shape=shapes(min_side=1, max_side=4), seed=seeds)
def test_gradients(shape, seed):
    rng = rng_for(seed)
    check_gradient("erf", [uniform(rng, shape, -2.5, 2.5)], rng=rng)
    check_gradient("erfc", [uniform(rng, shape, -2.5, 2.5)], rng=rng)
    # Away from ±1, where erfinv's slope grows without bound.
    check_gradient("erfinv", [uniform(rng, shape, -0.9, 0.9)], eps=1e-3, rng=rng)


def test_signatures_and_docs_are_keras():
    for name in special.__all__:
        assert our_params(getattr(special, name)) == keras_params(name), name
        assert getattr(ops, name) is getattr(special, name)
        doc = getattr(special, name).__doc__
        assert "Args:" in doc and "Returns:" in doc and "Example:" in doc, name


@pytest.mark.parametrize("case", RECORDS, ids=[f"{c['op']}-{i}" for i, c in enumerate(RECORDS)])
def test_matches_keras_record(case):
    x = np.asarray(case["args"][0]["array"], case["args"][0]["dtype"])
    got = getattr(ops, case["op"])(x)
    rec = case["result"]
    want = np.asarray(rec["values"], rec["dtype"]).reshape(rec["shape"])
    assert got.dtype == want.dtype and got.shape == want.shape
    # JAX's float32 kernels are a few ulps off in places and flush erfc(10)
    # (1.4e-45, a subnormal) to 0; ours is the correctly rounded value.
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-44)


def test_integer_input_gives_float32():
    got = ops.erf(np.array([0, 1, 2]))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, [math.erf(v) for v in (0, 1, 2)], rtol=1e-7)


def test_functional_model_with_unknown_batch():
    inputs = keras.Input((3,))
    outs = [ops.erf(inputs), ops.erfc(inputs), ops.erfinv(ops.tanh(inputs))]
    assert all(tuple(o.shape) == (None, 3) for o in outs)
    model = keras.Model(inputs, outs)
    x = rng_for(2).uniform(-2, 2, (5, 3)).astype(np.float32)
    got = model.predict(x, batch_size=2, verbose=0)
    np.testing.assert_array_equal(got[0], ops.erf(x))
    np.testing.assert_array_equal(got[1], ops.erfc(x))
    np.testing.assert_allclose(got[2], ops.erfinv(np.tanh(x)), rtol=1e-6)


@pytest.mark.parametrize(
    "fn,slope",
    [
        (ops.erf, lambda w: 2 / np.sqrt(np.pi) * np.exp(-(w**2))),
        (ops.erfc, lambda w: -2 / np.sqrt(np.pi) * np.exp(-(w**2))),
        (ops.erfinv, lambda w: np.sqrt(np.pi) / 2 * np.exp(ops.erfinv(w).astype(np.float64) ** 2)),
    ],
    ids=["erf", "erfc", "erfinv"],
)
def test_traced_model_gradient_and_fit(fn, slope):
    shape = (4,)
    model = WeightedOp(fn, shape, seed=7)
    w0 = model.w.numpy().copy()
    x = np.ones((1, *shape), np.float32)
    y = model.predict(x, verbose=0)
    np.testing.assert_array_equal(y, fn(w0[None]))
    lr = 0.1
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    model.fit(x, np.zeros_like(y), batch_size=1, epochs=1, shuffle=False, verbose=0)
    grad = 2.0 * y[0].astype(np.float64) / y.size * slope(w0.astype(np.float64))
    np.testing.assert_allclose(model.w.numpy(), w0 - lr * grad, rtol=1e-5, atol=1e-6)


def test_bad_input_names_the_op():
    for name in special.__all__:
        with pytest.raises(DTypeError, match=name):
            getattr(ops, name)(np.array(["a"]))
