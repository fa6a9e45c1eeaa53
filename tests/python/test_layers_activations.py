"""Activation layers against numpy: ReLU, LeakyReLU, Softmax, ELU."""

import numpy as np
import pytest
from layer_test import run_layer_test

import pykeras as keras
from pykeras import layers


def np_relu(x, max_value=None, negative_slope=0.0, threshold=0.0):
    x = np.asarray(x, np.float64)
    out = np.where(x >= threshold, x, negative_slope * (x - threshold))
    if max_value is not None:
        out = np.minimum(out, max_value)
    return out


def np_softmax(x, axis=-1):
    x = np.asarray(x, np.float64)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# ------------------------------------------------------------------ ReLU


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"max_value": 0.5},
        {"negative_slope": 0.1},
        {"threshold": 0.3},
        {"max_value": 1.0, "negative_slope": 0.2, "threshold": -0.5},
        {"max_value": 6.0},
    ],
)
def test_relu(kwargs):
    layer = run_layer_test(
        layers.ReLU,
        kwargs,
        (3, 4, 5),
        reference=lambda x, w: np_relu(x, **kwargs),
        value_range=(-2.0, 2.0),
    )
    config = layer.get_config()
    assert config["max_value"] == kwargs.get("max_value")
    assert config["negative_slope"] == kwargs.get("negative_slope", 0.0)
    assert config["threshold"] == kwargs.get("threshold", 0.0)


def test_relu_known_values():
    x = np.array([-2.0, 0.5, 1.5, 3.0, 9.0], np.float32)
    np.testing.assert_allclose(layers.ReLU()(x), [0, 0.5, 1.5, 3, 9])
    np.testing.assert_allclose(layers.ReLU(max_value=2.0)(x), [0, 0.5, 1.5, 2, 2])
    np.testing.assert_allclose(layers.ReLU(negative_slope=0.5)(x), [-1, 0.5, 1.5, 3, 9])
    # Below the threshold: negative_slope * (x - threshold).
    np.testing.assert_allclose(
        layers.ReLU(threshold=1.0, negative_slope=0.5)(x), [-1.5, -0.25, 1.5, 3, 9]
    )


@pytest.mark.parametrize("kwargs", [{"max_value": -1.0}, {"negative_slope": -0.1}])
def test_relu_invalid_arguments(kwargs):
    with pytest.raises(ValueError, match="'relu_bad'"):
        layers.ReLU(name="relu_bad", **kwargs)


# ------------------------------------------------------------------ LeakyReLU


@pytest.mark.parametrize("slope", [0.3, 0.01, 0.0, 1.0])
def test_leaky_relu(slope):
    layer = run_layer_test(
        layers.LeakyReLU,
        {"negative_slope": slope},
        (3, 6),
        reference=lambda x, w: np.where(x >= 0, x, slope * np.asarray(x, np.float64)),
        value_range=(-3.0, 3.0),
    )
    assert layer.get_config()["negative_slope"] == slope


def test_leaky_relu_default_slope_is_keras3s_0_3():
    np.testing.assert_allclose(layers.LeakyReLU()(np.array([-1.0, 2.0])), [-0.3, 2.0])


def test_leaky_relu_accepts_keras2_alpha():
    layer = layers.LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1
    np.testing.assert_allclose(layer(np.array([-1.0])), [-0.1], rtol=1e-6)


def test_leaky_relu_negative_slope_must_be_non_negative():
    with pytest.raises(ValueError, match="'lr'.*negative_slope"):
        layers.LeakyReLU(negative_slope=-0.2, name="lr")


# ------------------------------------------------------------------ Softmax


@pytest.mark.parametrize(
    "axis, shape", [(-1, (3, 5)), (1, (2, 4, 3)), (-2, (2, 4, 3)), (2, (2, 3, 4))]
)
def test_softmax(axis, shape):
    layer = run_layer_test(
        layers.Softmax,
        {"axis": axis},
        shape,
        reference=lambda x, w: np_softmax(x, axis=axis),
        value_range=(-4.0, 4.0),
    )
    assert layer.get_config()["axis"] == axis


def test_softmax_rows_sum_to_one_and_are_stable_for_large_inputs():
    x = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1000.0, -1000.0]], np.float32)
    out = np.asarray(layers.Softmax()(x))
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out.sum(axis=-1), [1.0, 1.0], rtol=1e-6)
    np.testing.assert_allclose(out[1], [1 / 3] * 3, rtol=1e-6)
    np.testing.assert_allclose(out[0], np_softmax(x[0].astype(np.float64)), rtol=1e-5)


# ------------------------------------------------------------------ ELU


@pytest.mark.parametrize("alpha", [1.0, 0.5, 2.0])
def test_elu(alpha):
    layer = run_layer_test(
        layers.ELU,
        {"alpha": alpha},
        (3, 6),
        reference=lambda x, w: np.where(x > 0, x, alpha * np.expm1(np.asarray(x, np.float64))),
        value_range=(-3.0, 3.0),
    )
    assert layer.get_config()["alpha"] == alpha


def test_elu_default_alpha_is_one():
    np.testing.assert_allclose(
        layers.ELU()(np.array([-1.0, 1.0])), [np.expm1(-1.0), 1.0], rtol=1e-6
    )


def test_activation_layers_have_no_weights_and_work_in_sequential():
    model = keras.Sequential(
        [keras.Input((4,)), layers.ReLU(max_value=1.0), layers.LeakyReLU(0.1), layers.ELU(),
         layers.Softmax()]
    )  # fmt: skip
    assert model.count_params() == 0
    x = np.array([[-2.0, -0.5, 0.5, 2.0]], np.float32)
    expected = np_softmax(np.minimum(np.maximum(x, 0), 1.0))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5)


def test_activation_layer_unknown_kwarg_is_suggested():
    with pytest.raises(TypeError, match=r"'max_val'.*Did you mean 'max_value'\?"):
        layers.ReLU(max_val=3.0)
    with pytest.raises(TypeError, match=r"'axes'.*Did you mean 'axis'\?"):
        layers.Softmax(axes=1)


def test_softmax_axis_out_of_range_names_the_layer():
    with pytest.raises(ValueError, match=r"'sm'.*axis=5.*rank 3"):
        layers.Softmax(axis=5, name="sm")(keras.Input((3, 4)))
    with pytest.raises(ValueError, match=r"'sm2'.*axis=-4.*\(2, 3, 4\)"):
        layers.Softmax(axis=-4, name="sm2")(np.ones((2, 3, 4), np.float32))
