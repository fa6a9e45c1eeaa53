"""Records what Keras 3's recurrent layers return, and their gradients.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_rnn_reference.py

Each case builds one Keras layer (LSTM, GRU both ways, SimpleRNN, RNN over
cells, StackedRNNCells, Bidirectional in every merge mode,
TimeDistributed), calls it on random data (with a mask, initial states or
`go_backwards` where the case says), and records the layer's serialized
config, its weights, its outputs and the gradients of
`sum_k sum(outputs[k] * probe[k])` with respect to the input and every
weight. tests/python/test_layers_rnn_reference.py rebuilds each layer from
the config alone, sets the weights and compares. Output:
tests/reference/data/rnn.json (configs) and rnn.npz (arrays); and a saved
text model (`save_models`) in tests/reference/saving/keras_rnn_*.
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

DATA = pathlib.Path(__file__).resolve().parent / "data"


def mask_of(batch, steps, rng):
    """A mask with padding at the end of some rows and inside others, every
    row with at least one kept step."""
    m = rng.random((batch, steps)) > 0.35
    m[:, 0] = True
    m[0, steps // 2 :] = False
    return m


def cases():
    L = layers
    yield "lstm", lambda: L.LSTM(4), {}
    yield "lstm_seq_state", lambda: L.LSTM(4, return_sequences=True, return_state=True), {}
    yield "lstm_backwards", lambda: L.LSTM(4, go_backwards=True, return_sequences=True), {}
    yield "lstm_masked", lambda: L.LSTM(4, return_sequences=True, return_state=True), {"mask": 1}
    yield (
        "lstm_masked_backwards",
        lambda: L.LSTM(3, go_backwards=True, return_sequences=True),
        {"mask": 1},
    )
    yield (
        "lstm_masked_zero_output",
        lambda: L.RNN(L.LSTMCell(3), return_sequences=True, zero_output_for_mask=True),
        {"mask": 1},
    )
    yield "lstm_initial_state", lambda: L.LSTM(4, return_state=True), {"initial_state": [4, 4]}
    yield (
        "lstm_no_bias_hard_sigmoid",
        lambda: L.LSTM(
            3, use_bias=False, recurrent_activation="hard_sigmoid", return_sequences=True
        ),
        {},
    )
    yield (
        "lstm_softsign",
        lambda: L.LSTM(3, activation="softsign", return_sequences=True),
        {"mask": 1},
    )
    yield "gru", lambda: L.GRU(4, return_sequences=True, return_state=True), {}
    yield "gru_reset_before", lambda: L.GRU(4, reset_after=False, return_sequences=True), {}
    yield (
        "gru_masked_backwards",
        lambda: L.GRU(3, go_backwards=True, return_sequences=True),
        {"mask": 1},
    )
    yield (
        "gru_reset_before_masked",
        lambda: L.GRU(3, reset_after=False, return_state=True),
        {"mask": 1},
    )
    yield "gru_initial_state", lambda: L.GRU(4), {"initial_state": [4]}
    yield "simple_rnn", lambda: L.SimpleRNN(4, return_sequences=True), {}
    yield (
        "simple_rnn_relu_masked",
        lambda: L.SimpleRNN(3, activation="relu", go_backwards=True, return_state=True),
        {"mask": 1},
    )
    yield "rnn_lstm_cell", lambda: L.RNN(L.LSTMCell(3), return_sequences=True), {}
    yield (
        "stacked_cells",
        lambda: L.RNN(
            L.StackedRNNCells([L.LSTMCell(3), L.GRUCell(4), L.SimpleRNNCell(2)]),
            return_sequences=True,
            return_state=True,
        ),
        {"mask": 1},
    )
    for mode in ("concat", "sum", "mul", "ave", None):
        yield (
            f"bidirectional_{mode}",
            lambda mode=mode: L.Bidirectional(L.LSTM(3, return_sequences=True), merge_mode=mode),
            {"mask": 1},
        )
    yield "bidirectional_gru_state", lambda: L.Bidirectional(L.GRU(3, return_state=True)), {}
    yield (
        "bidirectional_backward_layer",
        lambda: L.Bidirectional(
            L.SimpleRNN(3, return_sequences=True),
            backward_layer=L.GRU(3, return_sequences=True, go_backwards=True),
            merge_mode="sum",
        ),
        {},
    )
    yield "time_distributed_dense", lambda: L.TimeDistributed(L.Dense(3, activation="tanh")), {}


def record(name, make, opts, rng, arrays):
    batch, steps, features = 3, 6, 2
    x = rng.normal(size=(batch, steps, features)).astype("float32")
    layer = make()
    kwargs = {}
    if opts.get("mask"):
        kwargs["mask"] = mask_of(batch, steps, rng)
    if opts.get("initial_state"):
        kwargs["initial_state"] = [
            rng.normal(size=(batch, n)).astype("float32") for n in opts["initial_state"]
        ]
    layer(x, **kwargs)
    # Nonzero biases so that a wrong bias layout shows.
    for w in layer.trainable_weights:
        w.assign(rng.normal(scale=0.5, size=w.shape).astype("float32"))
    # Dropout seed generators' states are Keras's only non-trainable variables here.
    weights = [np.asarray(w.value) for w in layer.trainable_weights]
    frozen = [w.value for w in layer.non_trainable_variables]
    outputs = layer(x, **kwargs)
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    outputs = [np.asarray(o) for o in outputs]
    probes = [rng.normal(size=o.shape).astype("float32") for o in outputs]

    def loss(trainable, x):
        out, _ = layer.stateless_call(trainable, frozen, x, **kwargs)
        out = list(out) if isinstance(out, (list, tuple)) else [out]
        return sum(
            jax.numpy.sum(jax.numpy.asarray(o) * jax.numpy.asarray(p)) for o, p in zip(out, probes)
        )

    g_weights, g_x = jax.grad(loss, argnums=(0, 1))(weights, x)
    arrays[f"{name}/x"] = x
    if "mask" in kwargs:
        arrays[f"{name}/mask"] = kwargs["mask"]
    for i, s in enumerate(kwargs.get("initial_state", [])):
        arrays[f"{name}/state{i}"] = s
    for kind, values in (
        ("weight", weights),
        ("output", outputs),
        ("probe", probes),
        ("grad_weight", g_weights),
    ):
        for i, v in enumerate(values):
            arrays[f"{name}/{kind}{i}"] = np.asarray(v)
    arrays[f"{name}/grad_x"] = np.asarray(g_x)
    return {
        "config": keras.saving.serialize_keras_object(layer),
        "weight_paths": [w.path for w in layer.trainable_weights],
        "n_weights": len(weights),
        "n_outputs": len(outputs),
        "n_states": len(kwargs.get("initial_state", [])),
        "mask": "mask" in kwargs,
    }


def pad_cases():
    """`keras.utils.pad_sequences` on ragged lists with every option."""
    seqs = [[1, 2, 3, 4, 5], [6], [], [7, 8, 9], [10, 11]]
    floats = [[0.5, 1.5], [2.5, 3.5, 4.5, 5.5]]
    samples = [np.arange(6).reshape(3, 2).tolist(), [[9, 9]]]
    out = []
    for args in (
        {},
        {"maxlen": 3},
        {"maxlen": 3, "padding": "post"},
        {"maxlen": 3, "truncating": "post"},
        {"maxlen": 4, "padding": "post", "truncating": "post", "value": -1},
        {"maxlen": 6, "value": 7.0},
    ):
        out.append({"sequences": seqs, "args": args})
    out.append({"sequences": floats, "args": {"dtype": "float32", "value": 0.25}})
    out.append({"sequences": samples, "args": {"maxlen": 2, "padding": "post"}})
    for case in out:
        result = keras.utils.pad_sequences(case["sequences"], **case["args"])
        case["result"] = result.tolist()
        case["dtype"] = str(result.dtype)
    return out


def main():
    rng = np.random.default_rng(16)
    arrays, meta = {}, {}
    for name, make, opts in cases():
        keras.utils.set_random_seed(1)
        meta[name] = record(name, make, opts, rng, arrays)
    DATA.mkdir(exist_ok=True)
    np.savez_compressed(DATA / "rnn.npz", **arrays)
    (DATA / "rnn.json").write_text(
        json.dumps(
            {"keras_version": keras.__version__, "cases": meta, "pad_sequences": pad_cases()},
            indent=1,
        )
        + "\n"
    )
    print(f"{len(meta)} cases -> {DATA / 'rnn.json'}")


def save_models():
    """A Keras 3 text model with every recurrent layer kind, saved as
    `.keras` and `.weights.h5`, with its predictions on padded ids:
    tests/reference/saving/keras_rnn_model.keras (+ keras_rnn_expected.npz)."""
    keras.utils.set_random_seed(3)
    L = layers
    inputs = keras.Input((10,), dtype="int32", name="ids")
    z = L.Embedding(50, 6, mask_zero=True)(inputs)
    z = L.Bidirectional(L.LSTM(5, return_sequences=True), merge_mode="concat")(z)
    z = L.GRU(4, return_sequences=True, reset_after=False)(z)
    z = L.TimeDistributed(L.Dense(3))(z)
    z = L.SimpleRNN(4, go_backwards=True)(z)
    outputs = L.Dense(1, activation="sigmoid")(z)
    model = keras.Model(inputs, outputs)
    rng = np.random.default_rng(5)
    for w in model.weights:
        w.assign(rng.normal(scale=0.4, size=w.shape).astype("float32"))
    ids = rng.integers(1, 50, size=(4, 10)).astype("int32")
    ids[0, 6:] = 0
    ids[2, 3:] = 0
    out = DATA.parent / "saving"
    model.save(out / "keras_rnn_model.keras")
    model.save_weights(out / "keras_rnn_model.weights.h5")
    np.savez(out / "keras_rnn_expected.npz", ids=ids, predictions=np.asarray(model.predict(ids)))


if __name__ == "__main__":
    main()
    save_models()
