"""ConvLSTM1D/2D/3D against Keras 3 and against their definition.

Every case recorded by tests/reference/make_conv_lstm_reference.py (both
data formats, valid/same padding, strides, dilation, go_backwards, initial
states, return_sequences/return_state, other activations, no bias) is
rebuilt from Keras's serialized config alone, given Keras's weights, and
must give Keras's outputs and gradients (input and every weight). Keras
3.15 cannot run these layers with a mask on JAX, so masks are checked
against their definition: a masked step carries the states of the last
kept one, i.e. the layer on the kept steps alone.
"""

import json
import pathlib

import numpy as np
import pytest

import pykeras as keras
from pykeras import layers, ops
from pykeras.layers.rnn.conv_lstm_cell import ConvLSTMCell
from pykeras.saving.serialization_lib import deserialize_keras_object

REF = pathlib.Path(__file__).resolve().parents[1] / "reference"
DOC = json.loads((REF / "data" / "conv_lstm.json").read_text())
CASES = DOC["cases"]
TOL = 2e-5


def _f32(v):
    return np.asarray(v, np.float32)


def _build(case):
    x = _f32(case["x"])
    kwargs = {}
    if "initial_state" in case:
        kwargs["initial_state"] = [_f32(s) for s in case["initial_state"]]
    layer = deserialize_keras_object(case["config"])
    layer(x, **kwargs)
    weights = [_f32(w) for w in case["weights"]]
    assert [tuple(w.shape) for w in layer.trainable_weights] == [w.shape for w in weights]
    layer.set_weights(weights)
    return layer, x, kwargs


def _listed(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


@pytest.mark.parametrize("name", sorted(CASES))
def test_outputs_and_gradients_match_keras(name):
    case = CASES[name]
    layer, x, kwargs = _build(case)
    assert [w.path.split("/", 1)[1] for w in layer.trainable_weights] == [
        p.split("/", 1)[1] for p in case["weight_paths"]
    ]
    with keras.GradientTape() as tape:
        tape.watch(x)
        out = _listed(layer(x, **kwargs))
        loss = None
        for o, p in zip(out, case["probes"]):
            term = ops.sum(ops.multiply(o, _f32(p)))
            loss = term if loss is None else ops.add(loss, term)
    assert len(out) == len(case["outputs"])
    for got, want in zip(out, case["outputs"]):
        np.testing.assert_allclose(np.asarray(got), _f32(want), atol=TOL, rtol=0)
    grads = tape.gradient(loss, [x] + list(layer.trainable_weights))
    wants = [case["grad_x"]] + case["grad_weights"]
    for got, want, what in zip(grads, wants, ["x"] + case["weight_paths"]):
        np.testing.assert_allclose(np.asarray(got), _f32(want), atol=TOL, rtol=0, err_msg=what)


def _jsonable(config):
    return json.loads(json.dumps(config))


@pytest.mark.parametrize("cls", [layers.ConvLSTM1D, layers.ConvLSTM2D, layers.ConvLSTM3D])
def test_config_matches_keras_and_round_trips(cls):
    want = DOC["default_configs"][cls.__name__]
    ours = _jsonable(cls(4, 3).get_config())
    assert set(ours) == set(want)
    for key in set(want) - {"name", "dtype"}:
        assert ours[key] == want[key], key
    clone = cls.from_config(cls(4, 3, name="c").get_config())
    assert _jsonable(clone.get_config()) == _jsonable(cls(4, 3, name="c").get_config())
    # A non-default config survives the round trip too.
    layer = cls(2, 2, strides=2, padding="SAME", data_format="channels_first", dropout=0.2,
                recurrent_activation="hard_sigmoid", go_backwards=True, seed=3)  # fmt: skip
    again = cls.from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
    assert again.padding == "same" and again.strides == (2,) * cls.rank


def test_keras_saved_model_loads_with_keras_predictions():
    saved = DOC["saved_model"]
    x, want = _f32(saved["x"]), _f32(saved["predictions"])
    model = keras.saving.load_model(REF / "saving" / "keras_conv_lstm_model.keras")
    np.testing.assert_allclose(model.predict(x, verbose=0), want, atol=TOL)
    for w in model.weights:
        w.assign(np.zeros(w.shape, np.float32))
    model.load_weights(REF / "saving" / "keras_conv_lstm_model.weights.h5")
    np.testing.assert_allclose(model.predict(x, verbose=0), want, atol=TOL)


def _video(b=4, t=5, size=6, c=2, seed=0):
    return np.random.default_rng(seed).normal(size=(b, t, size, size, c)).astype("float32")


def test_functional_model_trains_saves_and_reloads(tmp_path):
    keras.utils.set_random_seed(4)
    inp = keras.Input((5, 6, 6, 2))
    z = layers.ConvLSTM2D(3, 3, padding="same", return_sequences=True, dropout=0.2,
                          recurrent_dropout=0.2, seed=1)(inp)  # fmt: skip
    z = layers.ConvLSTM2D(2, 3, data_format="channels_first", go_backwards=True)(
        layers.Permute((1, 4, 2, 3))(z)
    )
    out = layers.Dense(1)(layers.Flatten()(z))
    model = keras.Model(inp, out)
    assert model.output_shape == (None, 1)
    x = _video(16)
    y = np.random.default_rng(1).normal(size=(16, 1)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), model(x), atol=1e-5)
    model.compile("adam", "mse")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=6, batch_size=8, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before
    want = model.predict(x, verbose=0)
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), want, atol=1e-6)
    assert [w.path for w in again.weights] == [w.path for w in model.weights]


@pytest.mark.parametrize(
    "cls, shape, kwargs",
    [
        (layers.ConvLSTM1D, (2, 3, 7, 2), {"strides": 2, "padding": "same"}),
        (layers.ConvLSTM2D, (2, 3, 2, 7, 6), {"data_format": "channels_first", "dilation_rate": 2}),
        (layers.ConvLSTM3D, (2, 2, 5, 4, 4, 1), {"strides": (2, 1, 1)}),
    ],
)
def test_symbolic_shapes_match_eager(cls, shape, kwargs):
    for flags in ({}, {"return_sequences": True}, {"return_state": True}):
        layer = cls(3, 3 if cls.rank < 3 else 2, **kwargs, **flags)
        symbolic = _listed(layer(keras.Input(batch_shape=shape)))
        eager = _listed(layer(np.ones(shape, np.float32)))
        assert [tuple(s.shape) for s in symbolic] == [tuple(e.shape) for e in eager]
        shapes = layer.compute_output_shape(shape)
        shapes = shapes if flags.get("return_state") else [shapes]
        assert [tuple(s) for s in shapes] == [tuple(e.shape) for e in eager]


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("zero_output", [False, True])
def test_masked_steps_carry_the_last_kept_state(go_backwards, zero_output):
    x = _video(3, 5, 4, 2, seed=2)
    mask = np.array(
        [[1, 1, 0, 1, 0], [0, 1, 1, 1, 1], [1, 0, 0, 0, 1]], bool
    )  # holes, leading and trailing padding
    layer = layers.ConvLSTM2D(
        2, 3, padding="same", return_sequences=True, return_state=True,
        go_backwards=go_backwards, zero_output_for_mask=zero_output,
    )  # fmt: skip
    seq, h, c = (np.asarray(v) for v in layer(x, mask=mask))
    for b in range(3):
        kept = np.flatnonzero(mask[b])
        sub_seq, sub_h, sub_c = (np.asarray(v) for v in layer(x[b : b + 1, kept]))
        np.testing.assert_allclose(h[b], sub_h[0], atol=1e-6)
        np.testing.assert_allclose(c[b], sub_c[0], atol=1e-6)
        order = mask[b, ::-1] if go_backwards else mask[b]
        done = np.cumsum(order) - 1  # kept steps processed so far, minus one
        for i in range(5):
            if order[i] or (done[i] >= 0 and not zero_output):
                want = sub_seq[0, done[i]]
            else:
                want = np.zeros_like(seq[b, i])
            np.testing.assert_allclose(seq[b, i], want, atol=1e-6, err_msg=f"row {b} step {i}")


def test_variable_length_inputs():
    layer = layers.ConvLSTM2D(2, 3, return_sequences=True)
    model = keras.Model(inp := keras.Input((None, 6, 6, 2)), layer(inp))
    assert model.output_shape == (None, None, 4, 4, 2)
    for steps in (3, 5):
        x = _video(2, steps)
        np.testing.assert_allclose(model.predict(x, verbose=0), layer(x), atol=1e-6)


def test_stateful_carries_state_between_calls_and_resets():
    x = _video(2, 3)
    layer = layers.ConvLSTM2D(2, 3, stateful=True)
    model = keras.Model(inp := keras.Input(batch_shape=(2, 3, 6, 6, 2)), layer(inp))
    first = model.predict(x, verbose=0)
    second = model.predict(x, verbose=0)
    assert not np.allclose(first, second)
    layer.reset_states()
    np.testing.assert_allclose(model.predict(x, verbose=0), first, atol=1e-6)
    joined = layers.ConvLSTM2D(2, 3)
    joined(np.concatenate([x, x], 1))
    joined.set_weights(layer.get_weights())
    np.testing.assert_allclose(second, joined(np.concatenate([x, x], 1)), atol=1e-5)


def test_dropout_trains_and_inference_is_deterministic():
    x = _video(4)
    layer = layers.ConvLSTM2D(3, 3, dropout=0.4, recurrent_dropout=0.4, seed=5)
    inference = np.asarray(layer(x))
    np.testing.assert_allclose(layer(x), inference)
    a, b = np.asarray(layer(x, training=True)), np.asarray(layer(x, training=True))
    assert not np.allclose(a, inference) and not np.allclose(a, b)
    # As in Keras, a rate of 1 applies no dropout at all.
    full = layers.ConvLSTM1D(2, 2, dropout=1.0)
    x1 = x[:, :, :, 0]
    np.testing.assert_allclose(full(x1, training=True), full(x1), atol=1e-6)


def test_unit_forget_bias_and_weight_layout():
    layer = layers.ConvLSTM2D(3, (3, 2), bias_initializer="ones")
    layer(_video(1, 2))
    assert layer.cell.kernel.shape == (3, 2, 2, 12)
    assert layer.cell.recurrent_kernel.shape == (3, 2, 3, 12)
    np.testing.assert_array_equal(layer.cell.bias.numpy(), [1] * 3 + [1] * 3 + [1] * 6)
    plain = layers.ConvLSTM2D(3, 3, use_bias=True)
    plain(_video(1, 2))
    np.testing.assert_array_equal(plain.cell.bias.numpy(), [0] * 3 + [1] * 3 + [0] * 6)
    off = layers.ConvLSTM1D(2, 2, unit_forget_bias=False)
    off(np.ones((1, 2, 4, 1), np.float32))
    np.testing.assert_array_equal(off.cell.bias.numpy(), np.zeros(8))
    assert [w.path for w in plain.weights] == [
        f"{plain.name}/conv_lstm_cell/{n}" for n in ("kernel", "recurrent_kernel", "bias")
    ]
    assert plain.filters == 3 and plain.kernel_size == (3, 3) and plain.activation is not None


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_cell_call_is_one_step_of_the_layer(data_format):
    x = _video(2, 1)
    if data_format == "channels_first":
        x = np.transpose(x, (0, 1, 4, 2, 3)).copy()
    layer = layers.ConvLSTM2D(3, 3, padding="same", data_format=data_format, return_state=True)
    out, h, c = layer(x)
    cell = layer.cell
    states = cell.get_initial_state(2)
    step_h, (h2, c2) = cell(x[:, 0], states)
    np.testing.assert_allclose(step_h, out, atol=1e-6)
    np.testing.assert_allclose(c2, c, atol=1e-6)
    assert isinstance(cell, ConvLSTMCell)


def test_bad_input_raises_value_errors_naming_the_layer():
    layer = layers.ConvLSTM2D(2, 3, name="clstm")
    with pytest.raises(ValueError, match="clstm.*rank 5"):
        layer(np.zeros((2, 3, 6, 6), np.float32))
    x = _video(2, 3)
    with pytest.raises(ValueError, match="clstm.*mask"):
        layer(x, mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="clstm.*2 initial states"):
        layer(x, initial_state=[np.zeros((2, 4, 4, 2), np.float32)])
    with pytest.raises(ValueError, match=r"clstm.*initial states of shape \(2, 4, 4, 2\)"):
        layer(x, initial_state=[np.zeros((2, 6, 6, 2), np.float32)] * 2)
    with pytest.raises(ValueError, match="stateful"):
        keras.Model(inp := keras.Input((3, 6, 6, 2)), layers.ConvLSTM2D(2, 3, stateful=True)(inp))
    with pytest.raises(ValueError, match="static input shapes"):
        layers.ConvLSTM2D(2, 3)(keras.Input((3, None, 6, 2)))
    with pytest.raises(ValueError, match="larger than the input"):
        layers.ConvLSTM2D(2, 7)(x)
    with pytest.raises(ValueError, match="padding"):
        layers.ConvLSTM2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="dilation_rate"):
        layers.ConvLSTM1D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="kernel_size"):
        layers.ConvLSTM3D(2, (3, 3))
    with pytest.raises(ValueError, match="filters"):
        layers.ConvLSTM2D(0, 3)
    with pytest.raises(ValueError, match="data_format"):
        layers.ConvLSTM2D(2, 3, data_format="NHWC")


def test_bidirectional_conv_lstm_joins_both_directions():
    x = _video(2, 4)
    bi = layers.Bidirectional(layers.ConvLSTM2D(2, 3, return_sequences=True))
    out = np.asarray(bi(x))
    forward = np.asarray(bi.forward_layer(x))
    backward = np.asarray(bi.backward_layer(x))[:, ::-1]
    np.testing.assert_allclose(out, np.concatenate([forward, backward], -1), atol=1e-6)
