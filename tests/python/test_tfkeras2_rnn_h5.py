"""Issue 16 point 5: LSTM/GRU/SimpleRNN/Bidirectional weights load from
tf.keras 2 `.h5` files and give tf.keras's outputs.

The fixtures in tests/reference/saving/tf_keras2_rnn/ were written by
tests/reference/make_tfkeras2_rnn_reference.py with tf_keras 2.21 (Keras 2 on
TensorFlow 2.21): whole models (`model.save("x.h5")`), weights files
(`save_weights`), `to_json()`, and tf.keras's predictions on fixed inputs.
"""

import json
import warnings
from pathlib import Path

import h5py
import numpy as np
import pytest

import pykeras as keras
from pykeras import layers

FIXTURES = Path(__file__).resolve().parent.parent / "reference" / "saving" / "tf_keras2_rnn"
NAMES = ["recurrent_stack", "bidirectional", "cells", "trained_classifier"]
TOLERANCE = 2e-5


def recorded(name):
    data = np.load(FIXTURES / f"{name}.npz")
    xs = [data[f"x{i}"] for i in range(len([k for k in data.files if k.startswith("x")]))]
    ys = [data[f"y{i}"] for i in range(len([k for k in data.files if k.startswith("y")]))]
    return (xs[0] if len(xs) == 1 else xs), ys


def assert_predicts_like_tf_keras(model, name):
    x, expected = recorded(name)
    ys = model.predict(x, verbose=0)
    ys = list(ys) if isinstance(ys, (list, tuple)) else [ys]
    assert len(ys) == len(expected)
    for i, (y, e) in enumerate(zip(ys, expected)):
        assert np.shape(y) == e.shape, (name, i)
        np.testing.assert_allclose(y, e, rtol=0, atol=TOLERANCE, err_msg=f"{name} output {i}")


def load(path, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. weights or a training config not restored
        # tf.keras 2's optimizer slots are laid out differently: said, not loaded.
        warnings.filterwarnings("ignore", message=".*optimizer state.*Keras 2")
        return keras.models.load_model(path, **kwargs)


def recurrent_stack():
    """The fixture's Sequential, written with pykeras's API."""
    return keras.Sequential(
        [
            keras.Input((5, 3)),
            layers.SimpleRNN(4, return_sequences=True),
            layers.LSTM(3, return_sequences=True, go_backwards=True),
            layers.GRU(3, return_sequences=True),
            layers.GRU(2, reset_after=False),
        ]
    )


def bidirectional():
    """The fixture's Functional model, written with pykeras's API (layers named
    otherwise: a legacy weights file is read by the order of the layers)."""
    ids = keras.Input((6,), dtype="int32")
    feats = keras.Input((6, 3))
    x = layers.Embedding(20, 4, mask_zero=True)(ids)
    x = layers.Bidirectional(layers.LSTM(3, return_sequences=True))(x)
    x = layers.Bidirectional(
        layers.GRU(3, return_sequences=True, reset_after=False), merge_mode="sum"
    )(x)
    x = layers.Bidirectional(layers.SimpleRNN(2, return_sequences=True), merge_mode="mul")(x)
    x = layers.Bidirectional(layers.GRU(2, return_sequences=True), merge_mode="ave")(x)
    fwd, bwd = layers.Bidirectional(layers.LSTM(2), merge_mode=None)(x)
    m = layers.Masking(mask_value=0.0)(feats)
    seq, h, c = layers.LSTM(2, return_sequences=True, return_state=True)(m)
    y = layers.Concatenate()([fwd, bwd, h, c])
    return keras.Model([ids, feats], [y, seq])


def cells():
    series = keras.Input((5, 3))
    x = layers.RNN(
        layers.StackedRNNCells(
            [layers.LSTMCell(3), layers.GRUCell(2, reset_after=False), layers.SimpleRNNCell(3)]
        ),
        return_sequences=True,
    )(series)
    x = layers.Bidirectional(
        layers.LSTM(2, return_sequences=True),
        backward_layer=layers.GRU(2, return_sequences=True, go_backwards=True),
    )(x)
    x = layers.TimeDistributed(layers.Dense(3, activation="tanh"))(x)
    seq, state = layers.SimpleRNN(2, return_sequences=True, return_state=True)(x)
    return keras.Model(series, [seq, state])


def trained_classifier():
    return keras.Sequential(
        [
            keras.Input((7,), dtype="int32"),
            layers.Embedding(30, 4, mask_zero=True),
            layers.Bidirectional(layers.GRU(3)),
            layers.Dense(1, activation="sigmoid"),
        ]
    )


BUILDERS = {
    "recurrent_stack": recurrent_stack,
    "bidirectional": bidirectional,
    "cells": cells,
    "trained_classifier": trained_classifier,
}


def test_fixtures_are_tf_keras_2_files():
    versions = json.loads((FIXTURES / "versions.json").read_text())
    assert versions["tf_keras"].startswith("2.")
    for name in NAMES:
        with h5py.File(FIXTURES / f"{name}.h5", "r") as f:
            assert f.attrs["keras_version"].startswith("2.")
            assert f.attrs["backend"] == "tensorflow"


@pytest.mark.parametrize("name", NAMES)
def test_whole_model_h5_loads_with_tf_keras_predictions(name):
    model = load(FIXTURES / f"{name}.h5")
    assert_predicts_like_tf_keras(model, name)


@pytest.mark.parametrize("name", NAMES)
def test_whole_model_h5_loads_uncompiled(name):
    model = load(FIXTURES / f"{name}.h5", compile=False)
    assert_predicts_like_tf_keras(model, name)


def test_trained_model_comes_back_compiled_and_trains():
    model = load(FIXTURES / "trained_classifier.h5")
    assert model.compiled and type(model.optimizer).__name__ == "Adam"
    x, _ = recorded("trained_classifier")
    y = (x[:, 0] % 2).astype("float32")
    before = model.evaluate(x, y, verbose=0, return_dict=True)["loss"]
    model.fit(x, y, epochs=5, batch_size=5, verbose=0)
    assert model.evaluate(x, y, verbose=0, return_dict=True)["loss"] < before


@pytest.mark.parametrize("name", NAMES)
def test_json_plus_weights_file_gives_tf_keras_predictions(name):
    model = keras.models.model_from_json((FIXTURES / f"{name}.json").read_text())
    model.load_weights(FIXTURES / f"{name}_weights.h5")
    assert_predicts_like_tf_keras(model, name)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("weights", ["_weights.h5", ".h5"])
def test_weights_load_into_the_model_built_with_pykeras(name, weights):
    model = BUILDERS[name]()
    model.load_weights(FIXTURES / f"{name}{weights}")
    assert_predicts_like_tf_keras(model, name)


def test_recurrent_weights_keep_tf_keras_layouts():
    model = load(FIXTURES / "bidirectional.h5", compile=False)
    with h5py.File(FIXTURES / "bidirectional_weights.h5", "r") as f:
        group = f["bi_sum"]
        names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
        kernel = group[names[0]][()]
        bias = group[names[2]][()]
    layer = model.get_layer("bi_sum")
    # GRU(reset_after=False): one bias row of 3 * units; forward weights first.
    assert bias.shape == (9,)
    np.testing.assert_array_equal(layer.forward_layer.cell.kernel.numpy(), kernel)
    np.testing.assert_array_equal(layer.forward_layer.cell.bias.numpy(), bias)
    assert model.get_layer("bi_ave").forward_layer.cell.bias.shape == (2, 6)  # reset_after


@pytest.mark.parametrize("layer", ["stacked", "bi_backward_layer", "simple_state"])
def test_time_major_file_is_refused_not_misread(layer):
    # tf.keras 2's `time_major=True` (inputs as (time, batch, features)) has no Keras 3
    # equivalent: loading it as batch-major would silently give other outputs.
    config = json.loads((FIXTURES / "cells.json").read_text())
    for entry in config["config"]["layers"]:
        if entry["config"]["name"] == layer:
            inner = entry["config"].get("backward_layer", entry)["config"]
            inner["time_major"] = True
    with pytest.raises(ValueError, match="time_major=True"):
        keras.models.model_from_json(json.dumps(config))
