"""Recurrent layers in models: Functional with unknown batch and time,
Sequential, traced subclassed models, fit, saving (.keras both ways with
Keras 3), stateful, dropout, configs, user cells, bad input. Numbers against
Keras are in test_layers_rnn_reference.py."""

import json
import pathlib

import numpy as np
import pytest

import pykeras as keras
from pykeras import layers

REF = pathlib.Path(__file__).resolve().parents[1] / "reference"
RNNS = [
    lambda **k: layers.LSTM(5, **k),
    lambda **k: layers.GRU(5, **k),
    lambda **k: layers.GRU(5, reset_after=False, **k),
    lambda **k: layers.SimpleRNN(5, **k),
]


def _x(b=3, t=6, d=4, seed=0):
    return np.random.default_rng(seed).normal(size=(b, t, d)).astype("float32")


@pytest.mark.parametrize("make", RNNS)
def test_functional_with_unknown_batch_and_time(make):
    inp = keras.Input((None, 4))
    seq, *states = make(return_sequences=True, return_state=True)(inp)
    assert seq.shape == (None, None, 5)
    assert all(s.shape == (None, 5) for s in states)
    model = keras.Model(inp, [seq] + states)
    for t in (3, 7):
        x = _x(t=t)
        outs = model.predict(x, verbose=0)
        eager = make(return_sequences=True, return_state=True)
        eager(x)
        eager.set_weights(model.layers[1].get_weights())
        for got, want in zip(outs, eager(x)):
            np.testing.assert_allclose(got, want, atol=1e-6)
        # The last step of the sequence is the state h.
        np.testing.assert_allclose(outs[0][:, -1], outs[1], atol=1e-6)


def test_go_backwards_is_reversed_processing():
    x = _x()
    fwd = layers.LSTM(5, return_sequences=True)
    back = layers.LSTM(5, return_sequences=True, go_backwards=True)
    fwd(x)
    back(x)
    back.set_weights(fwd.get_weights())
    np.testing.assert_allclose(back(x), fwd(x[:, ::-1]), atol=1e-6)


def test_sequential_fit_with_mask_zero_learns():
    rng = np.random.default_rng(0)
    x = rng.integers(1, 30, size=(128, 10))
    lengths = rng.integers(2, 10, size=128)
    for i, n in enumerate(lengths):
        x[i, n:] = 0
    y = (x[:, 0] > 15).astype("float32")[:, None]
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            layers.Embedding(30, 8, mask_zero=True),
            layers.LSTM(8, go_backwards=True),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(keras.optimizers.Adam(0.02), "binary_crossentropy")
    history = model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    # Masked padding: the prediction ignores whatever follows a sequence.
    short = x[:4].copy()
    p = model.predict(short, verbose=0)
    padded = np.concatenate([short, np.zeros((4, 5), short.dtype)], 1)
    np.testing.assert_allclose(model.predict(padded, verbose=0), p, atol=1e-6)


class Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.rnn = layers.Bidirectional(layers.GRU(4, return_sequences=True))
        self.td = layers.TimeDistributed(layers.Dense(3))
        self.pool = layers.LSTM(2)

    def call(self, x):
        return self.pool(self.td(self.rnn(x)))


def test_traced_subclassed_model_trains_and_matches_eager():
    x, y = _x(8), np.random.default_rng(1).normal(size=(8, 2)).astype("float32")
    model = Subclassed()
    eager = np.asarray(model(x))
    np.testing.assert_allclose(model.predict(x, verbose=0), eager, atol=1e-6)
    model.compile("adam", "mse")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before


def test_keras_file_loads_with_keras_predictions(tmp_path):
    expected = np.load(REF / "saving" / "keras_rnn_expected.npz")
    model = keras.saving.load_model(REF / "saving" / "keras_rnn_model.keras")
    np.testing.assert_allclose(model.predict(expected["ids"], verbose=0), expected["predictions"],
                               atol=2e-5)  # fmt: skip
    model.load_weights(REF / "saving" / "keras_rnn_model.weights.h5")
    np.testing.assert_allclose(model.predict(expected["ids"], verbose=0), expected["predictions"],
                               atol=2e-5)  # fmt: skip


def test_pykeras_model_round_trips(tmp_path):
    keras.utils.set_random_seed(2)
    inp = keras.Input((7,), dtype="int32")
    z = layers.Embedding(20, 4, mask_zero=True)(inp)
    z = layers.Bidirectional(layers.LSTM(3, return_sequences=True), merge_mode="ave")(z)
    z = layers.RNN([layers.GRUCell(3), layers.SimpleRNNCell(3)])(z)
    model = keras.Model(inp, z)
    ids = np.random.default_rng(0).integers(0, 20, size=(4, 7))
    want = model.predict(ids, verbose=0)
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(ids, verbose=0), want, atol=1e-6)
    assert [w.path for w in again.weights] == [w.path for w in model.weights]


def test_config_round_trip_matches_keras_keys():
    meta = json.loads((REF / "data" / "rnn.json").read_text())["cases"]
    for name in ("lstm", "gru", "simple_rnn", "bidirectional_concat", "stacked_cells"):
        config = meta[name]["config"]
        layer = keras.saving.deserialize_keras_object(config)
        ours = layer.get_config()
        assert set(config["config"]) - {"dtype"} <= set(ours) | {"build_config"}, name
        clone = type(layer).from_config(ours)
        assert clone.get_config() == ours


def test_stateful_carries_state_between_calls_and_resets():
    x = _x(b=2, t=3)
    layer = layers.GRU(4, stateful=True)
    inp = keras.Input(batch_shape=(2, 3, 4))
    model = keras.Model(inp, layer(inp))
    first = model.predict(x, verbose=0)
    second = model.predict(x, verbose=0)
    assert not np.allclose(first, second)
    layer.reset_states()
    np.testing.assert_allclose(model.predict(x, verbose=0), first, atol=1e-6)
    # The same as one call on the two halves joined.
    layer.reset_states()
    joined = layers.GRU(4, return_sequences=True)
    joined(np.concatenate([x, x], 1))
    joined.set_weights(layer.get_weights())
    np.testing.assert_allclose(second, joined(np.concatenate([x, x], 1))[:, -1], atol=1e-5)


def test_dropout_and_recurrent_dropout_train_and_infer_deterministically():
    x, y = _x(16), np.random.default_rng(1).normal(size=(16, 5)).astype("float32")
    for layer in (
        layers.LSTM(5, dropout=0.3, recurrent_dropout=0.3, seed=1),
        layers.GRU(5, dropout=0.3, seed=1),
        layers.SimpleRNN(5, recurrent_dropout=0.5),
    ):
        model = keras.Sequential([keras.Input((6, 4)), layer])
        model.compile("adam", "mse")
        model.fit(x, y, epochs=2, verbose=0)
        np.testing.assert_allclose(model.predict(x, verbose=0), model.predict(x, verbose=0))
        a, b = layer(x, training=True), layer(x, training=True)
        assert not np.allclose(a, b)


class MinimalRNNCell(layers.Layer):
    """The user cell of Keras's RNN docstring."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), name="rk")

    def call(self, inputs, states):
        prev_output = states[0]
        h = keras.ops.matmul(inputs, self.kernel)
        output = h + keras.ops.matmul(prev_output, self.recurrent_kernel)
        return output, [output]


def test_user_cell_and_stacked_cells():
    x = _x()
    cell = MinimalRNNCell(3)
    out = layers.RNN(cell)(x)
    k, rk = cell.kernel.numpy(), cell.recurrent_kernel.numpy()
    h = np.zeros((3, 3), np.float32)
    for t in range(6):
        h = x[:, t] @ k + h @ rk
    np.testing.assert_allclose(out, h, atol=1e-5)
    stacked = layers.RNN([MinimalRNNCell(3), MinimalRNNCell(2)], return_state=True)
    out, s1, s2 = stacked(x)
    assert out.shape == (3, 2) and s1.shape == (3, 3) and s2.shape == (3, 2)
    # Step by step in a model whose number of steps is known at run time only.
    cell = MinimalRNNCell(3)
    model = keras.Model(inp := keras.Input((None, 4)), layers.RNN(cell)(inp))
    np.testing.assert_allclose(model.predict(x, verbose=0), layers.RNN(cell)(x), atol=1e-6)


def test_time_distributed_and_bidirectional_shapes():
    x = _x()
    assert layers.TimeDistributed(layers.Dense(7))(x).shape == (3, 6, 7)
    out = layers.Bidirectional(layers.LSTM(2, return_state=True))(x)
    assert [o.shape for o in out] == [(3, 4)] + [(3, 2)] * 4
    both = layers.Bidirectional(layers.SimpleRNN(2, return_sequences=True), merge_mode=None)(x)
    assert [o.shape for o in both] == [(3, 6, 2), (3, 6, 2)]


def test_bad_input_raises_value_errors_naming_the_layer():
    lstm = layers.LSTM(3, name="my_lstm")
    with pytest.raises(ValueError, match="my_lstm.*rank 3"):
        lstm(np.zeros((2, 4), np.float32))
    x = _x()
    with pytest.raises(ValueError, match="my_lstm.*mask"):
        lstm(x, mask=np.ones((3, 5), bool))
    with pytest.raises(ValueError, match="my_lstm.*2 initial state"):
        lstm(x, initial_state=[np.zeros((3, 3), np.float32)])
    with pytest.raises(ValueError, match="my_lstm.*initial states of shape"):
        lstm(x, initial_state=[np.zeros((3, 4), np.float32)] * 2)
    with pytest.raises(ValueError, match="stateful"):
        keras.Model(inp := keras.Input((3, 4)), layers.GRU(2, stateful=True)(inp))
    with pytest.raises(ValueError, match="merge mode"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError):
        layers.Embedding(5, 2)(np.array([[1, 5]]))


def test_pad_sequences_matches_keras():
    cases = json.loads((REF / "data" / "rnn.json").read_text())["pad_sequences"]
    for case in cases:
        got = keras.utils.pad_sequences(case["sequences"], **case["args"])
        assert str(got.dtype) == case["dtype"]
        np.testing.assert_array_equal(got, np.asarray(case["result"], case["dtype"]))
    ragged = np.array([[1, 2], [3]], dtype=object)
    np.testing.assert_array_equal(keras.preprocessing.sequence.pad_sequences(ragged),
                                  [[1, 2], [0, 3]])  # fmt: skip
    with pytest.raises(ValueError, match="index 1"):
        keras.utils.pad_sequences([[1], 5])
    with pytest.raises(ValueError, match="Padding type"):
        keras.utils.pad_sequences([[1]], padding="middle")
