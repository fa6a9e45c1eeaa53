"""MultiHeadAttention and GroupQueryAttention against Keras 3 (outputs, scores
and gradients on the same weights; tests/reference/make_attention_reference.py),
in Functional models, and their bad input."""

import numpy as np
import pytest
from attention_check import CASES, built_layer, check_case, check_functional

import pykeras as keras
from pykeras import layers

MHA_CASES = sorted(n for n in CASES if n.startswith(("mha_", "gqa_")))


@pytest.mark.parametrize("name", MHA_CASES)
def test_matches_keras_outputs_scores_and_gradients(name):
    check_case(CASES[name])


@pytest.mark.parametrize("name", MHA_CASES)
def test_functional_model_matches_keras(name):
    check_functional(CASES[name])


@pytest.mark.parametrize("name", ["mha_self", "mha_cross_key_value_dims", "gqa_cross_mask"])
def test_config_round_trip_keeps_outputs(name):
    case = CASES[name]
    layer = built_layer(case)
    config = layer.get_config()
    clone = type(layer).from_config(config)
    args = [np.asarray(a["array"], np.float32) for a in case["args"]]
    kwargs = {k: np.asarray(v["array"]) if isinstance(v, dict) else v
              for k, v in case["kwargs"].items()}  # fmt: skip
    clone(*args, **kwargs)
    clone.set_weights(layer.get_weights())

    def first(outputs):
        return np.asarray(outputs[0] if isinstance(outputs, tuple) else outputs)

    np.testing.assert_allclose(first(clone(*args, **kwargs)), first(layer(*args, **kwargs)),
                               atol=1e-6)  # fmt: skip
    keras_config = case["keras_config"]
    keys = ("num_heads", "key_dim", "value_dim", "head_dim", "num_query_heads",
            "num_key_value_heads", "use_bias", "dropout", "sliding_window", "seed")  # fmt: skip
    for key in keys:
        if key in keras_config:
            assert config[key] == keras_config[key], key


def test_build_config_is_keras_shapes_dict():
    layer = built_layer(CASES["mha_cross_key_value_dims"])
    assert layer.get_build_config() == CASES["mha_cross_key_value_dims"]["build_config"]
    assert CASES["mha_self"]["build_config"] == built_layer(CASES["mha_self"]).get_build_config()


def test_keyword_call_and_dropout_training():
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.5, seed=1)
    x = np.random.default_rng(0).standard_normal((2, 4, 6)).astype(np.float32)
    inference = layer(query=x, value=x)
    np.testing.assert_allclose(layer(x, x, training=False), inference)
    trained = layer(x, x, training=True)
    assert not np.allclose(trained, inference)


def test_weights_train_with_fit():
    inputs = keras.Input((4, 6))
    out = layers.MultiHeadAttention(num_heads=2, key_dim=3)(inputs, inputs, use_causal_mask=True)
    model = keras.Model(inputs, layers.GlobalAveragePooling1D()(out))
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 4, 6)).astype(np.float32)
    y = rng.standard_normal((32, 6)).astype(np.float32)
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


@pytest.mark.parametrize(
    "query, value, key, match",
    [
        ((2, 4, 6), (2, 3, 6), (2, 5, 6), "except the last one"),
        ((2, 4, 6), (3, 3, 6), None, "batch size"),
        ((2, 4, 6), (2, 3, 6, 1), None, "same rank"),
    ],
)
def test_bad_shapes_raise_value_errors_naming_the_layer(query, value, key, match):
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, name="mha_bad")
    args = [np.zeros(query, np.float32), np.zeros(value, np.float32)]
    kwargs = {} if key is None else {"key": np.zeros(key, np.float32)}
    with pytest.raises(ValueError, match=match) as info:
        layer(*args, **kwargs)
    assert "mha_bad" in str(info.value)


def test_mask_that_cannot_broadcast_raises_at_symbolic_call():
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, name="mha_mask")
    q = keras.Input((4, 6))
    v = keras.Input((3, 6))
    mask = keras.Input((4, 5))
    with pytest.raises(ValueError, match="broadcastable") as info:
        layer(q, v, attention_mask=mask)
    assert "mha_mask" in str(info.value)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"num_heads": 0, "key_dim": 2}, "num_heads"),
        ({"num_heads": 2, "key_dim": 2.5}, "key_dim"),
        ({"num_heads": 2, "key_dim": 2, "attention_axes": "x"}, "attention_axes"),
        ({"num_heads": 2, "key_dim": 2, "flash_attention": True}, "flash"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.MultiHeadAttention(**kwargs)


def test_gqa_heads_must_divide():
    with pytest.raises(ValueError, match="divisible"):
        layers.GroupQueryAttention(head_dim=2, num_query_heads=3, num_key_value_heads=2)
