"""Writes legacy `.h5` files of recurrent models WITH tf.keras 2 (the
`tf_keras` package, Keras 2.21 on TensorFlow 2.21), and its predictions
(issue 16 point 5: LSTM/GRU/SimpleRNN/Bidirectional weights load from tf.keras 2
`.h5` files and give Keras's outputs).

This is a test oracle only, never imported by pykeras or its tests; the files
it writes are committed. How to run (CPU, a few seconds)::

    /work/keras-env/bin/pip install tf_keras   # matches tensorflow 2.21 there
    /work/keras-env/bin/python tests/reference/make_tfkeras2_rnn_reference.py

Outputs, in tests/reference/saving/tf_keras2_rnn/, for each model `<name>` of
`CASES`:

* `<name>.h5`: `model.save("<name>.h5")`, the legacy whole-model HDF5 (config,
  weights and, for the compiled model, its training config and Adam state);
* `<name>_weights.h5`: `model.save_weights("<name>_weights.h5")`;
* `<name>.json`: `model.to_json()`;
* `<name>.npz`: fixed inputs `x0, x1, ...` and tf.keras's predictions `y0,
  y1, ...` for them (inference mode);
* `versions.json`: the TensorFlow, tf_keras and h5py versions.

tests/python/test_tfkeras2_rnn_h5.py loads them with pykeras (`load_model`,
`model_from_json` + `load_weights`, and `load_weights` into the same model
built with pykeras's API) and compares the outputs.
"""

import json
import os
import pathlib
import random
from importlib import metadata

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

layers = keras.layers
OUT = pathlib.Path(__file__).resolve().parent / "saving" / "tf_keras2_rnn"


def rounded(seed, shape, low=-0.5, high=0.5):
    """Values on a 1/64 grid, exact in float32."""
    values = np.random.default_rng(seed).uniform(low, high, shape)
    return (np.round(values * 64) / 64).astype(np.float32)


def recurrent_stack():
    """Sequential: SimpleRNN, LSTM, GRU(reset_after=True), GRU(reset_after=False)."""
    model = keras.Sequential(
        [
            layers.SimpleRNN(4, return_sequences=True, input_shape=(5, 3), name="simple_rnn"),
            layers.LSTM(3, return_sequences=True, go_backwards=True, name="lstm"),
            layers.GRU(3, return_sequences=True, name="gru_after"),
            layers.GRU(2, reset_after=False, name="gru_before"),
        ],
        name="recurrent_stack",
    )
    return model, [rounded(1, (4, 5, 3), -1.0, 1.0)]


def bidirectional():
    """Functional: Embedding(mask_zero) into Bidirectional in every merge mode,
    and Masking into an LSTM returning its states; two outputs."""
    ids = keras.Input((6,), dtype="int32", name="ids")
    feats = keras.Input((6, 3), name="feats")
    x = layers.Embedding(20, 4, mask_zero=True, name="embed")(ids)
    x = layers.Bidirectional(layers.LSTM(3, return_sequences=True), name="bi_concat")(x)
    x = layers.Bidirectional(
        layers.GRU(3, return_sequences=True, reset_after=False), merge_mode="sum", name="bi_sum"
    )(x)
    x = layers.Bidirectional(
        layers.SimpleRNN(2, return_sequences=True), merge_mode="mul", name="bi_mul"
    )(x)
    x = layers.Bidirectional(layers.GRU(2, return_sequences=True), merge_mode="ave", name="bi_ave")(
        x
    )
    fwd, bwd = layers.Bidirectional(layers.LSTM(2), merge_mode=None, name="bi_none")(x)
    m = layers.Masking(mask_value=0.0, name="masking")(feats)
    seq, h, c = layers.LSTM(2, return_sequences=True, return_state=True, name="lstm_state")(m)
    y = layers.Concatenate(name="concat")([fwd, bwd, h, c])
    model = keras.Model([ids, feats], [y, seq], name="bidirectional")
    rng = np.random.default_rng(2)
    ids_x = rng.integers(1, 20, (4, 6)).astype("int32")
    ids_x[0, 4:] = 0
    ids_x[2, 2:] = 0
    feats_x = rounded(2, (4, 6, 3), -1.0, 1.0)
    feats_x[1, 3:] = 0.0
    feats_x[3, 5:] = 0.0
    return model, [ids_x, feats_x]


def trained_classifier():
    """Sequential, compiled and trained one epoch: Embedding -> Bidirectional(GRU)
    -> Dense; its `.h5` holds the training config and Adam's state."""
    model = keras.Sequential(
        [
            layers.Embedding(30, 4, mask_zero=True, input_length=7, name="embed"),
            layers.Bidirectional(layers.GRU(3), name="bi_gru"),
            layers.Dense(1, activation="sigmoid", name="out"),
        ],
        name="trained_classifier",
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(3)
    x = rng.integers(0, 30, (5, 7)).astype("int32")
    x[1, 3:] = 0
    return model, [x]


def cells():
    """Functional: RNN over StackedRNNCells, Bidirectional with a
    `backward_layer`, TimeDistributed(Dense), SimpleRNN returning its state."""
    series = keras.Input((5, 3), name="series")
    x = layers.RNN(
        layers.StackedRNNCells(
            [layers.LSTMCell(3), layers.GRUCell(2, reset_after=False), layers.SimpleRNNCell(3)]
        ),
        return_sequences=True,
        name="stacked",
    )(series)
    x = layers.Bidirectional(
        layers.LSTM(2, return_sequences=True),
        backward_layer=layers.GRU(2, return_sequences=True, go_backwards=True),
        name="bi_backward_layer",
    )(x)
    x = layers.TimeDistributed(layers.Dense(3, activation="tanh"), name="time_dist")(x)
    seq, state = layers.SimpleRNN(2, return_sequences=True, return_state=True, name="simple_state")(
        x
    )
    model = keras.Model(series, [seq, state], name="cells")
    return model, [rounded(5, (3, 5, 3), -1.0, 1.0)]


CASES = {
    "recurrent_stack": recurrent_stack,
    "bidirectional": bidirectional,
    "cells": cells,
    "trained_classifier": trained_classifier,
}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, factory in CASES.items():
        random.seed(0)
        np.random.seed(0)
        tf.random.set_seed(0)
        model, xs = factory()
        # Nonzero biases so that a wrong bias layout shows.
        for i, w in enumerate(model.trainable_weights):
            w.assign(rounded(2000 + i, tuple(w.shape)))
        x = xs[0] if len(xs) == 1 else xs
        if model.optimizer is not None:
            rng = np.random.default_rng(4)
            train_x = rng.integers(0, 30, (16, 7)).astype("int32")
            train_y = (train_x[:, 0] % 2).astype("float32")
            model.fit(train_x, train_y, epochs=1, batch_size=8, shuffle=False, verbose=0)
        model.save(OUT / f"{name}.h5")
        model.save_weights(OUT / f"{name}_weights.h5")
        (OUT / f"{name}.json").write_text(model.to_json())
        ys = model.predict(x, verbose=0)
        ys = ys if isinstance(ys, list) else [ys]
        arrays = {f"x{i}": v for i, v in enumerate(xs)}
        arrays.update({f"y{i}": np.asarray(v) for i, v in enumerate(ys)})
        np.savez(OUT / f"{name}.npz", **arrays)
        print(name, [v.shape for v in ys])
    versions = {
        "tensorflow": tf.__version__,
        "tf_keras": metadata.version("tf_keras"),
        "h5py": h5py.__version__,
    }
    (OUT / "versions.json").write_text(json.dumps(versions, indent=1) + "\n")


if __name__ == "__main__":
    main()
