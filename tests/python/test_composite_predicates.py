"""Elementwise truth tests (`pykeras/ops/predicates.py`): composites of the
core's comparisons, checked against NumPy (values, shape and bool dtype
over hypothesis-drawn shapes with NaN, infinities and signed zeros),
against what Keras 3 returned (tests/reference/data/numeric_ops.json), and
in Functional and traced models, where they give float32 0/1 masks."""

import numpy as np
import pytest
from composite_check import WeightedOp, keras_params, our_params
from hypothesis import given
from hypothesis import strategies as st
from numeric_check import reference_cases, replay, run_examples
from op_check import SETTINGS, broadcast_pairs, rng_for, seeds, shapes

import pykeras as keras
from pykeras import ops
from pykeras.ops import predicates

# Composites claim no primitive (see test_ops_coverage.py).
OPS = set()

CASES = reference_cases("predicates")

UNARY = {
    "isnan": np.isnan,
    "isinf": np.isinf,
    "isfinite": np.isfinite,
    "isneginf": np.isneginf,
    "isposinf": np.isposinf,
    "signbit": np.signbit,
}


def test_every_function_has_keras_signature():
    for name in predicates.__all__:
        assert our_params(getattr(predicates, name)) == keras_params(name), name
        assert getattr(ops, name) is getattr(predicates, name)
        doc = getattr(predicates, name).__doc__
        assert "Args:" in doc and "Returns:" in doc and "Example:" in doc, name


def test_docstring_examples_run():
    assert run_examples(predicates) == 0


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(case):
    replay(case)


POOL = np.array(
    [0.0, -0.0, 1.0, -1.0, 1.00001, 1.0001, 1e-9, np.inf, -np.inf, np.nan, 3.5, -2.25, 1e30],
    np.float32,
)


def _values(seed, shape):
    return rng_for(seed).choice(POOL, shape).astype(np.float32)


def same(got, want):
    got = np.asarray(got)
    assert got.dtype == np.bool_ and got.shape == np.shape(want)
    np.testing.assert_array_equal(got, want)


@SETTINGS
@given(shapes(max_dims=3), seeds)
def test_unary_against_numpy(shape, seed):
    x = _values(seed, shape)
    ints = rng_for(seed).integers(-5, 5, shape).astype(np.int32)
    for name, reference in UNARY.items():
        same(getattr(ops, name)(x), reference(x))
        same(getattr(ops, name)(ints), reference(ints))
        same(getattr(ops, name)(ints > 0), reference(ints > 0))


@SETTINGS
@given(
    broadcast_pairs(max_dims=3),
    seeds,
    st.booleans(),
    st.sampled_from([(1e-5, 1e-8), (1e-3, 0.0), (0.0, 0.5)]),
)
def test_isclose_and_allclose_against_numpy(pair, seed, equal_nan, tolerances):
    x1, x2 = _values(seed, pair[0]), _values(seed + 1, pair[1])
    rtol, atol = tolerances
    want = np.isclose(x1, x2, rtol, atol, equal_nan)
    same(ops.isclose(x1, x2, rtol, atol, equal_nan), want)
    same(ops.allclose(x1, x2, rtol, atol, equal_nan), np.all(want))
    same(ops.allclose(x1, x1, equal_nan=True), np.array(True))


def test_signbit_reads_the_bit_eagerly():
    x = np.array([-np.nan, np.nan, -0.0, 0.0], np.float32)
    x[0] = -np.abs(x[0])  # a NaN with its sign bit set
    same(ops.signbit(x), np.array([True, False, True, False]))


def test_functional_model_gives_float32_masks():
    inputs = keras.Input((4,))
    outs = [getattr(ops, name)(inputs) for name in UNARY] + [ops.isclose(inputs, 1.0, atol=0.1)]
    assert [tuple(o.shape) for o in outs] == [(None, 4)] * 7
    # A scalar over the batch: its shape is known (predict needs a batch axis).
    assert tuple(ops.allclose(inputs, inputs).shape) == ()
    x = np.array([[np.nan, -np.inf, -0.0, 1.05], [np.inf, 2.0, -3.0, 0.0]], np.float32)
    got = keras.Model(inputs, outs).predict(x, verbose=0)
    wants = [f(x) for f in UNARY.values()] + [np.isclose(x, 1.0, atol=0.1)]
    for g, want in zip(got, wants):
        assert g.dtype == np.float32
        np.testing.assert_array_equal(g, want.astype(np.float32))


def test_masks_in_a_traced_model_carry_no_gradient():
    model = WeightedOp(lambda t: ops.where(ops.signbit(t), -t, t) + ops.isfinite(t), (2, 3))
    w0 = model.w.numpy()
    x = np.ones((1, 2, 3), np.float32)
    y = model.predict(x, verbose=0)
    np.testing.assert_allclose(y[0], np.abs(w0) + 1.0, rtol=1e-6)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.fit(x, np.zeros_like(y), batch_size=1, epochs=1, shuffle=False, verbose=0)
    # d mean(y**2)/dw = 2 y sign(w) / size: the masks add nothing.
    want = w0 - 0.1 * 2 * y[0] * np.sign(w0) / y.size
    np.testing.assert_allclose(model.w.numpy(), want, rtol=1e-5)
