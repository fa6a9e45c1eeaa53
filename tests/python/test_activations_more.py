"""keras.activations: every function of Keras 3's namespace, its output and
gradient against Keras's (tests/reference/make_attention_reference.py), its
serialized name, and `get`/`deserialize`."""

import numpy as np
import pytest
from attention_check import DATA, decode

import pykeras as keras
from pykeras import activations, ops

RECORDS = DATA["activations"]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: f"{r['name']}{r['kwargs']}")
def test_matches_keras_value_and_gradient(record):
    fn = getattr(activations, record["name"])
    x = decode(record["x"])
    np.testing.assert_allclose(
        np.asarray(fn(x, **record["kwargs"])), decode(record["output"]), atol=2e-5, rtol=1e-5
    )
    with keras.GradientTape() as tape:
        tape.watch(x)
        loss = ops.sum(ops.multiply(fn(x, **record["kwargs"]), decode(record["cotangent"])))
    grad = tape.gradient(loss, x)
    np.testing.assert_allclose(np.asarray(grad), decode(record["grad"]), atol=2e-5, rtol=1e-5)


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r["name"])
def test_serialize_and_get_use_keras_names(record):
    fn = getattr(activations, record["name"])
    assert activations.serialize(fn) == record["serialized"]
    assert activations.get(record["serialized"]) is fn or record["name"] in ("swish", "hard_swish")
    assert activations.deserialize(record["name"]) is activations.get(record["name"])


def test_namespace_is_keras():
    from keras_namespace import load

    assert sorted(activations.__all__) == sorted(load()["modules"]["keras.activations"]["names"])


def test_activation_names_in_dense_layers_train():
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8, activation="mish"), keras.layers.Dense(1)]
    )
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).standard_normal((16, 4)).astype("f4")
    model.fit(x, x[:, :1], epochs=1, verbose=0)
    assert model.get_config()["layers"][1]["config"]["activation"] == "mish"


def test_unknown_name_suggests():
    with pytest.raises(ValueError, match="Did you mean 'mish'"):
        activations.get("mishh")
