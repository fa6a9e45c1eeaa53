"""Neural-network composites (`pykeras/ops/nn_composite.py`): checked against
NumPy (values, shape and dtype, over hypothesis-drawn shapes), against what
Keras 3 returned (recorded in tests/reference/data/composite_nn_ops.json),
through traced subclassed models (values and gradients), in Functional
models (output shapes with an unknown batch) and on bad input."""

import numpy as np
import pytest
from composite_check import WeightedOp, assert_matches_record, assert_same, keras_params, our_params
from hypothesis import given
from hypothesis import strategies as st
from op_check import SETTINGS, rng_for, seeds, shapes
from test_composite_reductions import numeric_gradient, reference_cases

import pykeras as keras
from pykeras import ops
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import nn_composite

# Composites claim no primitive (see test_ops_coverage.py).
OPS = set()

CASES = reference_cases("nn")


def test_every_function_has_keras_signature():
    for name in nn_composite.__all__:
        assert our_params(getattr(nn_composite, name)) == keras_params(name), name
        assert getattr(ops, name) is getattr(nn_composite, name)
        doc = getattr(nn_composite, name).__doc__
        assert "Args:" in doc and "Returns:" in doc and "Example:" in doc, name


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(case):
    _, name, args, kwargs, result, error = case
    if error is not None:
        with pytest.raises(ValueError, match=f"'{name}'"):
            getattr(ops, name)(*args, **kwargs)
        return
    assert_matches_record(getattr(ops, name)(*args, **kwargs), result, rtol=2e-6)


# ---------------------------------------------------------------- eager, against NumPy


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# (name, ours, NumPy on float64)
ELEMENTWISE = [
    ("relu6", ops.relu6, lambda x: np.clip(x, 0, 6)),
    ("hard_silu", ops.hard_silu, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    ("hard_swish", ops.hard_swish, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    ("celu", ops.celu, lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))),
    (
        "celu_alpha",
        lambda x: ops.celu(x, alpha=0.5),
        lambda x: np.where(x > 0, x, 0.5 * np.expm1(np.minimum(x, 0) / 0.5)),
    ),
    ("squareplus", ops.squareplus, lambda x: (x + np.sqrt(x * x + 4)) / 2),
    ("tanh_shrink", ops.tanh_shrink, lambda x: x - np.tanh(x)),
    (
        "soft_shrink",
        ops.soft_shrink,
        lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)),
    ),
    ("hard_shrink", ops.hard_shrink, lambda x: np.where(np.abs(x) > 0.5, x, 0)),
    ("hard_tanh", ops.hard_tanh, lambda x: np.clip(x, -1, 1)),
    ("threshold", lambda x: ops.threshold(x, 0.3, -2.0), lambda x: np.where(x > 0.3, x, -2.0)),
    (
        "sparse_plus",
        ops.sparse_plus,
        lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
    ),
    ("sparse_sigmoid", ops.sparse_sigmoid, lambda x: np.clip(x + 1, 0, 2) / 2),
]


@SETTINGS
@given(shapes(max_dims=3), seeds)
def test_elementwise_against_numpy(shape, seed):
    x = rng_for(seed).uniform(-8, 8, shape).astype(np.float32)
    for name, ours, reference in ELEMENTWISE:
        want = reference(x.astype(np.float64)).astype(np.float32)
        got = ours(x)
        assert got.shape == want.shape and got.dtype == np.float32, name
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=name)


def test_elementwise_on_nonfinite_values():
    x = np.array([-np.inf, np.inf, np.nan], np.float32)
    with np.errstate(invalid="ignore"):
        for name, ours, reference in ELEMENTWISE:
            if name in ("celu", "celu_alpha", "hard_silu", "hard_swish", "tanh_shrink"):
                continue  # inf - inf or inf * 0 in the formula itself
            want = reference(x.astype(np.float64)).astype(np.float32)
            assert_same(ours(x), want)


@SETTINGS
@given(shapes(min_dims=1, max_dims=3), seeds, st.data())
def test_glu(shape, seed, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    shape = tuple(2 * d if i == axis % len(shape) else d for i, d in enumerate(shape))
    x = rng_for(seed).uniform(-4, 4, shape).astype(np.float32)
    a, b = np.split(x.astype(np.float64), 2, axis)
    want = (a * _sigmoid(b)).astype(np.float32)
    got = ops.glu(x, axis)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@SETTINGS
@given(shapes(min_dims=1, max_dims=3, min_side=1), seeds, st.booleans(), st.data())
def test_moments(shape, seed, keepdims, data):
    axes = data.draw(st.lists(st.integers(0, len(shape) - 1), unique=True, min_size=1))
    x = rng_for(seed).uniform(-4, 4, shape).astype(np.float32)
    mean, variance = ops.moments(x, axes, keepdims=keepdims)
    x64 = x.astype(np.float64)
    want_mean = np.mean(x64, tuple(axes), keepdims=keepdims).astype(np.float32)
    want_var = np.var(x64, tuple(axes), keepdims=keepdims).astype(np.float32)
    assert_same(mean, want_mean, rtol=1e-5)
    assert_same(variance, want_var, rtol=1e-5)


@SETTINGS
@given(shapes(min_dims=1, max_dims=3, min_side=1), seeds, st.sampled_from([1, 2, 3]), st.data())
def test_normalize(shape, seed, order, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = rng_for(seed).uniform(-4, 4, shape).astype(np.float32)
    x64 = x.astype(np.float64)
    norm = np.linalg.norm(x64, order, axis, keepdims=True)
    want = (x64 / np.maximum(norm, 1e-7)).astype(np.float32)
    assert_same(ops.normalize(x, axis, order), want, rtol=1e-5)


def test_normalize_of_zeros_is_zero():
    assert_same(ops.normalize(np.zeros((2, 3), np.float32)), np.zeros((2, 3), np.float32))
    assert_same(ops.normalize(np.float32(-2.0)), np.array([-1.0], np.float32))


# ------------------------------------------------ traced models: values and gradients

S = (3, 4)

MODEL_CASES = [
    (name, ours, reference, 3.0)
    for name, ours, reference in ELEMENTWISE
    if name not in ("hard_shrink", "soft_shrink", "threshold")
] + [
    ("soft_shrink", ops.soft_shrink, ELEMENTWISE[7][2], 1.0),
    ("hard_shrink", ops.hard_shrink, ELEMENTWISE[8][2], 1.0),
    ("threshold", ELEMENTWISE[10][1], ELEMENTWISE[10][2], 1.0),
    (
        "glu",
        lambda t: ops.glu(t, axis=2),
        lambda t: t[..., :2] * _sigmoid(t[..., 2:]),
        3.0,
    ),
    (
        "moments",
        lambda t: ops.concatenate(ops.moments(t, [2]), axis=1),
        lambda t: np.concatenate([np.mean(t, 2), np.var(t, 2)], 1),
        3.0,
    ),
    (
        "normalize",
        lambda t: ops.normalize(t, axis=1),
        lambda t: t / np.linalg.norm(t, axis=1, keepdims=True),
        3.0,
    ),
    (
        "normalize_1",
        lambda t: ops.normalize(t, order=1),
        lambda t: t / np.sum(np.abs(t), -1, keepdims=True),
        3.0,
    ),
]


@pytest.mark.parametrize("name,ours,reference,scale", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_traced_model_values_and_gradient(name, ours, reference, scale):
    """`ours(scale * w)` in a traced model, one SGD step on its mean square:
    the weights move by the NumPy reference's numeric gradient (weights are
    kept away from the kinks, where the derivative has no one value)."""
    model = WeightedOp(ours, S, seed=4)
    w0 = model.w.numpy().astype(np.float64) * scale
    w0 = np.where(np.abs(np.abs(w0) - 1) < 0.05, w0 + 0.1, w0)
    w0 = np.where(np.abs(np.abs(w0) - 0.5) < 0.05, w0 + 0.1, w0)
    w0 = np.where(np.abs(w0 - 0.3) < 0.05, w0 + 0.1, w0)
    model.w.assign(w0.astype(np.float32))
    w0 = model.w.numpy().astype(np.float64)
    x = np.ones((1, *S), np.float32)
    y = model.predict(x, verbose=0)
    want = reference(w0[None])
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-6)

    lr = 0.5
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    model.fit(x, np.zeros_like(y), batch_size=1, epochs=1, shuffle=False, verbose=0)
    grad = numeric_gradient(reference, w0[None])[0]
    np.testing.assert_allclose(model.w.numpy(), w0 - lr * grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name,ours,reference,scale", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_functional_model_with_unknown_batch(name, ours, reference, scale):
    inputs = keras.Input(S)
    outputs = ours(inputs)
    x = rng_for(1).uniform(-scale, scale, (5, *S)).astype(np.float32)
    want = reference(x.astype(np.float64)).astype(np.float32)
    assert tuple(outputs.shape) == (None, *want.shape[1:])
    model = keras.Model(inputs, outputs)
    np.testing.assert_allclose(
        model.predict(x, batch_size=2, verbose=0), want, rtol=1e-5, atol=1e-6
    )


def test_moments_over_the_batch_in_a_functional_model():
    inputs = keras.Input(S)
    mean, variance = ops.moments(inputs, axes=[0, 1], keepdims=True)
    assert mean.shape == variance.shape == (1, 1, 4)


# ---------------------------------------------------------------- bad input

BAD = [
    ("glu", lambda: ops.glu(np.ones((2, 3))), ShapeError),
    ("glu", lambda: ops.glu(np.ones((2, 4)), axis=2), InvalidArgumentError),
    ("celu", lambda: ops.celu(np.ones(3), alpha=0), InvalidArgumentError),
    ("celu", lambda: ops.celu(np.ones(3), alpha="a"), InvalidArgumentError),
    ("squareplus", lambda: ops.squareplus(np.ones(3), b=-1), InvalidArgumentError),
    ("threshold", lambda: ops.threshold(np.ones(3), None, 0.0), InvalidArgumentError),
    ("moments", lambda: ops.moments(np.ones((2, 3)), axes=[2]), InvalidArgumentError),
    ("moments", lambda: ops.moments(np.ones((2, 3)), axes=None), InvalidArgumentError),
    ("normalize", lambda: ops.normalize(np.ones((2, 3)), order=0), InvalidArgumentError),
    ("normalize", lambda: ops.normalize(np.ones((2, 3)), order=2.0), InvalidArgumentError),
    ("normalize", lambda: ops.normalize(np.ones((2, 3)), axis=3), InvalidArgumentError),
]


@pytest.mark.parametrize("name,call,error", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_raises_naming_the_op(name, call, error):
    with pytest.raises(error, match=f"'{name}'"):
        call()
    assert issubclass(error, ValueError)


def test_glu_over_the_unknown_batch_names_the_op():
    with pytest.raises(ShapeError, match="'glu'.*unknown until run time"):
        ops.glu(keras.Input((4,)), axis=0)


def test_moments_synchronized_is_refused():
    with pytest.raises(NotImplementedError, match="'moments'"):
        ops.moments(np.ones(3), [0], synchronized=True)
