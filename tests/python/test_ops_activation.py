"""Activations (Keras 3 definitions): forward vs numpy, gradient vs finite differences."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from op_check import (
    SETTINGS,
    C,
    DTypeError,
    InvalidArgumentError,
    avoid,
    check_forward,
    check_gradient,
    rng_for,
    seeds,
    shapes,
    uniform,
)

import pykeras

OPS = {
    "relu",
    "sigmoid",
    "tanh",
    "softmax",
    "log_softmax",
    "elu",
    "selu",
    "gelu",
    "silu",
    "swish",
    "softplus",
    "softsign",
    "leaky_relu",
    "hard_sigmoid",
    "exponential",
    "linear",
}

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805
_erf = np.vectorize(math.erf, otypes=[np.float64])


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def keras_relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """keras.activations.relu as Keras documents it (thresholds >= 0):
    max_value for x >= max_value, x for threshold <= x < max_value,
    negative_slope * (x - threshold) otherwise."""
    y = np.where(x >= threshold, x, negative_slope * (x - threshold))
    if max_value is not None:
        y = np.where(y >= max_value, max_value, y)
    return y


def _gelu(x, approximate=False):
    if approximate:
        return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0)))


# name -> (attrs, reference on float64, kinks to keep inputs away from)
ELEMENTWISE = {
    "relu": ({}, keras_relu, [0.0]),
    "sigmoid": ({}, _sigmoid, []),
    "tanh": ({}, np.tanh, []),
    "elu": ({}, lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))), [0.0]),
    "selu": (
        {},
        lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0))),
        [0.0],
    ),
    "gelu": ({}, _gelu, []),
    "silu": ({}, lambda x: x * _sigmoid(x), []),
    "swish": ({}, lambda x: x * _sigmoid(x), []),
    "softplus": ({}, lambda x: np.logaddexp(0.0, x), []),
    "softsign": ({}, lambda x: x / (1.0 + np.abs(x)), [0.0]),
    "leaky_relu": ({}, lambda x: np.where(x >= 0, x, 0.2 * x), [0.0]),
    "hard_sigmoid": ({}, lambda x: np.clip(x + 3.0, 0.0, 6.0) / 6.0, [-3.0, 3.0]),
    "exponential": ({}, np.exp, []),
    "linear": ({}, lambda x: x, []),
}


def _attr_cases():
    """Activations with attributes: (name, attrs, reference, kinks)."""
    return st.one_of(
        st.builds(
            lambda s, m, t: (
                "relu",
                {"negative_slope": s, "max_value": m, "threshold": t},
                lambda x: keras_relu(x, s, m, t),
                [t] + ([m] if m is not None else []),
            ),
            st.sampled_from([0.0, 0.1, 0.5]),
            st.sampled_from([None, 1.0, 6.0]),
            st.sampled_from([0.0, 0.5, 1.5]),
        ),
        st.builds(
            lambda a: (
                "elu",
                {"alpha": a},
                lambda x: np.where(x > 0, x, a * np.expm1(np.minimum(x, 0))),
                [0.0],
            ),
            st.sampled_from([0.5, 1.0, 2.0]),
        ),
        st.builds(
            lambda ap: ("gelu", {"approximate": ap}, lambda x: _gelu(x, ap), []),
            st.booleans(),
        ),
        st.builds(
            lambda s: (
                "leaky_relu",
                {"negative_slope": s},
                lambda x: np.where(x >= 0, x, s * x),
                [0.0],
            ),
            st.sampled_from([0.0, 0.01, 0.3, 1.5]),
        ),
    )


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@SETTINGS
@given(shape=shapes(), seed=seeds)
def test_elementwise_forward(name, shape, seed):
    attrs, ref, kinks = ELEMENTWISE[name]
    x = uniform(rng_for(seed), shape, -5.0, 5.0)
    check_forward(name, [x], attrs, lambda x: ref(x.astype(np.float64)), rtol=2e-6, atol=2e-7)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@SETTINGS
@given(shape=shapes(max_side=3), seed=seeds)
def test_elementwise_gradient(name, shape, seed):
    attrs, _, kinks = ELEMENTWISE[name]
    x = avoid(uniform(rng_for(seed), shape, -4.0, 4.0), kinks)
    check_gradient(name, [x], attrs, rng=rng_for(seed + 1))


@SETTINGS
@given(case=_attr_cases(), shape=shapes(max_side=3), seed=seeds)
def test_activation_attributes(case, shape, seed):
    name, attrs, ref, kinks = case
    x = avoid(uniform(rng_for(seed), shape, -4.0, 4.0), kinks)
    check_forward(name, [x], attrs, lambda x: ref(x.astype(np.float64)), rtol=2e-6, atol=2e-7)
    check_gradient(name, [x], attrs, rng=rng_for(seed + 1))


@pytest.mark.parametrize(
    "attrs,want",
    [
        ({}, [0.0, 0.0, 0.0, 5.0, 10.0]),
        ({"negative_slope": 0.5}, [-5.0, -2.5, 0.0, 5.0, 10.0]),
        ({"max_value": 5.0}, [0.0, 0.0, 0.0, 5.0, 5.0]),
        ({"threshold": 4.0}, [0.0, 0.0, 0.0, 5.0, 10.0]),
        ({"max_value": 10, "negative_slope": 0.5}, [-5.0, -2.5, 0.0, 5.0, 10.0]),
    ],
)
def test_relu_keras_documented_examples(attrs, want):
    x = np.array([-10.0, -5.0, 0.0, 5.0, 10.0], np.float32)
    np.testing.assert_array_equal(C.op("relu", [x], attrs), want)


def test_relu_saturated_and_thresholded_have_zero_gradient():
    x = np.array([-1.0, 0.5, 2.0, 7.0], np.float32)
    (g,) = C.op_grad("relu", [x], np.ones(4, np.float32), {"max_value": 6.0, "threshold": 1.0})
    np.testing.assert_array_equal(g, [0.0, 0.0, 1.0, 0.0])


def test_relu_gradient_at_zero_is_zero_as_in_keras_jax_and_pytorch():
    # jax.nn.relu, keras.activations.relu (JAX backend) and torch.relu all
    # give 0 at exactly 0 (checked against the installed oracles).
    x = np.array([-1.0, 0.0, 1.0], np.float32)
    (g,) = C.op_grad("relu", [x], np.ones(3, np.float32))
    np.testing.assert_array_equal(g, [0.0, 0.0, 1.0])
    # With a slope, the kink belongs to the positive side (jax leaky_relu).
    (g,) = C.op_grad("leaky_relu", [x], np.ones(3, np.float32), {"negative_slope": 0.2})
    np.testing.assert_allclose(g, [0.2, 1.0, 1.0])


def test_large_inputs_stay_finite():
    x = np.array([-100.0, -30.0, 30.0, 88.0], np.float32)
    for name in ["sigmoid", "tanh", "softplus", "silu", "softsign", "gelu", "elu", "selu"]:
        y = C.op(name, [x])
        assert np.all(np.isfinite(y)), (name, y)
        (g,) = C.op_grad(name, [x], np.ones(4, np.float32))
        assert np.all(np.isfinite(g)), (name, g)
    want = np.logaddexp(0.0, x.astype(np.float64))
    np.testing.assert_allclose(C.op("softplus", [x]), want, rtol=1e-6, atol=1e-30)


def _softmax(x, axis):
    z = x - np.max(x, axis=axis, keepdims=True) if x.size else x
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x, axis):
    if x.size == 0:
        return x
    z = x - np.max(x, axis=axis, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


@st.composite
def _shape_and_axis(draw, max_side=4):
    shape = draw(shapes(min_dims=1, max_side=max_side))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    return shape, axis


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@SETTINGS
@given(case=_shape_and_axis(), seed=seeds, explicit=st.booleans())
def test_softmax_forward(name, case, seed, explicit):
    shape, axis = case
    x = uniform(rng_for(seed), shape, -6.0, 6.0)
    ref = _softmax if name == "softmax" else _log_softmax
    attrs = {"axis": axis} if explicit or axis != -1 else None
    want_axis = axis if attrs else -1
    out = check_forward(
        name, [x], attrs, lambda x: ref(x.astype(np.float64), want_axis), rtol=1e-5, atol=1e-6
    )
    if name == "softmax" and out.size:
        np.testing.assert_allclose(np.sum(out, axis=want_axis), 1.0, rtol=1e-5)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@SETTINGS
@given(case=_shape_and_axis(max_side=3), seed=seeds)
def test_softmax_gradient(name, case, seed):
    shape, axis = case
    x = uniform(rng_for(seed), shape, -3.0, 3.0)
    check_gradient(name, [x], {"axis": axis}, rng=rng_for(seed + 1))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_is_shift_invariant_and_stable(name):
    x = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0]], np.float32)
    y = C.op(name, [x])
    assert np.all(np.isfinite(y))
    base = C.op(name, [np.array([[0.0, 1.0, 2.0], [0.0, -1.0, -2.0]], np.float32)])
    np.testing.assert_allclose(y, base, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(OPS))
def test_integer_input_raises_type_error(name):
    with pytest.raises(DTypeError):
        C.op(name, [np.arange(3, dtype=np.int64)])
    with pytest.raises(TypeError):
        C.op(name, [np.arange(3, dtype=np.float16)])


@pytest.mark.parametrize("name", sorted(OPS))
def test_unknown_attribute_raises(name):
    with pytest.raises(InvalidArgumentError, match="bogus"):
        C.op(name, [np.ones(3, np.float32)], {"bogus": 1})


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [2, -3])
def test_softmax_axis_out_of_range(name, axis):
    with pytest.raises(InvalidArgumentError):
        C.op(name, [np.ones((2, 3), np.float32)], {"axis": axis})


def test_attribute_of_wrong_kind_raises():
    with pytest.raises(InvalidArgumentError):
        C.op("elu", [np.ones(3, np.float32)], {"alpha": "big"})
    with pytest.raises(InvalidArgumentError):
        C.op("gelu", [np.ones(3, np.float32)], {"approximate": 1.5})


def test_relu_gives_positive_zero_for_negative_inputs():
    """Keras returns 0.0, not -0.0 (0 * negative), for x < 0 (signbit is visible
    in printed arrays and in division by the result)."""
    x = np.array([-3.0, -1e-30, -0.0, 0.0, 2.0], "float32")
    for out in (pykeras.ops.relu(x), pykeras.layers.ReLU()(x), pykeras.activations.relu(x)):
        out = np.asarray(out)
        assert not np.signbit(out[:2]).any()
        np.testing.assert_array_equal(out, [0.0, 0.0, 0.0, 0.0, 2.0])
