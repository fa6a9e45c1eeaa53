"""LayerNormalization (all axes, rms_scaling), GroupNormalization,
UnitNormalization, RMSNormalization and the activation layers (Softmax with
axes and masks, ReLU, LeakyReLU, PReLU, ELU) against Keras 3 on the same
weights (tests/reference/make_attention_reference.py), the shared layer
contract, and bad input."""

import numpy as np
import pytest
from attention_check import CASES, check_case
from layer_test import run_layer_test

from pykeras import layers

LAYER_CASES = sorted(n for n in CASES if n.startswith("layer_") and "error" not in CASES[n])


@pytest.mark.parametrize("name", LAYER_CASES)
def test_matches_keras_outputs_and_gradients(name):
    layer = check_case(CASES[name])
    assert [w.name for w in layer.weights] == [
        p.split("/")[-1] for p in CASES[name]["weight_paths"]
    ]


@pytest.mark.parametrize(
    "cls, kwargs, shape",
    [
        (layers.GroupNormalization, {"groups": 2}, (2, 3, 4)),
        (layers.GroupNormalization, {"groups": 2, "axis": 1}, (2, 4, 3)),
        (layers.UnitNormalization, {"axis": [1, 2]}, (2, 3, 4)),
        (layers.RMSNormalization, {}, (2, 3, 4)),
        (layers.LayerNormalization, {"axis": [1, 2]}, (2, 3, 4)),
        (layers.LayerNormalization, {"rms_scaling": True}, (2, 3, 4)),
        (layers.PReLU, {"shared_axes": [1]}, (2, 3, 4)),
        (layers.Softmax, {"axis": [1, 2]}, (2, 3, 4)),
    ],
)
def test_layer_contract(cls, kwargs, shape):
    if kwargs.get("rms_scaling"):
        with pytest.warns(UserWarning, match="deprecated"):
            run_layer_test(cls, kwargs, shape)
    else:
        run_layer_test(cls, kwargs, shape)


def test_rms_normalization_against_numpy():
    x = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    layer = layers.RMSNormalization(epsilon=1e-6)
    expected = x / np.sqrt(np.mean(x**2, axis=-1, keepdims=True) + 1e-6)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-5, atol=1e-6)


def test_unit_normalization_of_zeros_is_zero():
    np.testing.assert_array_equal(layers.UnitNormalization()(np.zeros((2, 3))), 0.0)


@pytest.mark.parametrize(
    "make, shape, match",
    [
        (lambda: layers.GroupNormalization(groups=4), (2, 6), "divide"),
        (lambda: layers.GroupNormalization(groups=8), (2, 6), "divide"),
        (lambda: layers.RMSNormalization(axis=3), (2, 6), "out of bounds"),
        (lambda: layers.UnitNormalization(axis=[1, 5]), (2, 6), "out of bounds"),
        (lambda: layers.Softmax(axis=4), (2, 6), "out of range"),
    ],
)
def test_bad_axes_and_groups_name_the_layer(make, shape, match):
    layer = make()
    with pytest.raises(ValueError, match=match) as info:
        layer(np.zeros(shape, np.float32))
    assert layer.name in str(info.value)


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="groups"):
        layers.GroupNormalization(groups=0)
    with pytest.raises(TypeError, match="axis"):
        layers.UnitNormalization(axis="last")


def test_softmax_mask_that_cannot_broadcast():
    layer = layers.Softmax(name="sm")
    with pytest.raises(ValueError, match="broadcastable") as info:
        layer(np.zeros((2, 3, 4), np.float32), mask=np.ones((2, 3, 5), bool))
    assert "sm" in str(info.value)
