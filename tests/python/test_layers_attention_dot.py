"""Attention and AdditiveAttention against Keras 3 (outputs, scores and
gradients on the same weights), in Functional models, and their bad input."""

import numpy as np
import pytest
from attention_check import CASES, check_case

import pykeras as keras
from pykeras import layers

DOT_CASES = sorted(n for n in CASES if n.startswith(("attention_", "additive_")))


@pytest.mark.parametrize("name", DOT_CASES)
def test_matches_keras_outputs_scores_and_gradients(name):
    check_case(CASES[name])


@pytest.mark.parametrize("cls", [layers.Attention, layers.AdditiveAttention])
def test_functional_model_and_config(cls):
    rng = np.random.default_rng(0)
    q = rng.standard_normal((3, 4, 5)).astype(np.float32)
    v = rng.standard_normal((3, 6, 5)).astype(np.float32)
    layer = cls(use_scale=True)
    eager, scores = layer([q, v], return_attention_scores=True, use_causal_mask=True)
    assert scores.shape == (3, 4, 6)
    qi, vi = keras.Input((4, 5)), keras.Input((6, 5))
    out = layer([qi, vi], use_causal_mask=True)
    assert out.shape == (None, 4, 5)
    model = keras.Model([qi, vi], out)
    np.testing.assert_allclose(model.predict([q, v], verbose=0), eager, atol=1e-6)
    clone = cls.from_config(layer.get_config())
    clone([q, v])
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone([q, v], use_causal_mask=True), eager, atol=1e-6)


def test_attention_trains_with_fit():
    qi, vi = keras.Input((4, 5)), keras.Input((6, 5))
    out = layers.Attention(use_scale=True, score_mode="concat")([qi, vi])
    model = keras.Model([qi, vi], layers.GlobalAveragePooling1D()(out))
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(1)
    x = [rng.standard_normal((16, 4, 5)).astype("f4"), rng.standard_normal((16, 6, 5)).astype("f4")]
    y = rng.standard_normal((16, 5)).astype("f4")
    before = [w.copy() for w in model.get_weights()]
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))


@pytest.mark.parametrize(
    "inputs, match",
    [
        (np.zeros((2, 3, 4)), "list of inputs"),
        ([np.zeros((2, 3, 4))], "length 2 or 3"),
        ([np.zeros((2, 3, 4)), np.zeros((2, 5, 4)), np.zeros((2, 4, 4))], "lengths"),
        ([np.zeros((2, 3, 4)), np.zeros((3, 5, 4))], "batch sizes"),
        ([np.zeros((2, 3, 4)), np.zeros((2, 5, 3))], "last dimensions"),
    ],
)
def test_bad_inputs_name_the_layer(inputs, match):
    with pytest.raises(ValueError, match=match) as info:
        layers.Attention(name="att_bad")(inputs)
    assert "att_bad" in str(info.value)


def test_bad_score_mode():
    with pytest.raises(ValueError, match="score_mode"):
        layers.Attention(score_mode="sum")
