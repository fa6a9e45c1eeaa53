"""Generate fixtures written by REAL tf.keras 2 (TensorFlow 2.15, Keras 2.15).

This script needs real TensorFlow 2.15 (``tf.keras`` is Keras 2.15 there) and
h5py; it is a test *oracle* only and is never imported by pykeras or its tests.
The files it writes are committed, so the tests run without TensorFlow.

How to run (CPU; a few seconds)::

    python3 -m venv /work/oracle-tf2
    /work/oracle-tf2/bin/pip install "tensorflow-cpu==2.15.1" h5py
    /work/oracle-tf2/bin/python tests/reference/make_tf_keras2_fixtures.py

Outputs (in ``saving/tf_keras2/`` next to this script), per model ``<name>`` in
``mlp`` (Sequential), ``two_tower`` (Functional, two inputs / two outputs) and
``cnn`` (Sequential):

* ``<name>.h5``: ``model.save("<name>.h5")``, the legacy whole-model HDF5
  (config, weights, training config and Adam state after one epoch).
* ``<name>_weights.h5``: ``model.save_weights("<name>_weights.h5")``.
* ``<name>.json``: ``model.to_json()``.
* ``<name>.npz``: fixed inputs ``x0``, ``x1``... and tf.keras's predictions
  ``y0``, ``y1``... for them (inference mode), labels ``t0``, ``t1``... and
  tf.keras's ``evaluate`` total ``loss`` on them, plus ``iterations``.
* ``versions.json``: the TensorFlow / Keras versions that wrote the files.
"""

from __future__ import annotations

import json
import os
import random
from importlib import metadata

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

keras = tf.keras
layers = tf.keras.layers

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "saving", "tf_keras2")
SEED = 1234


def seed_everything(seed=SEED):
    random.seed(seed)
    np.random.seed(seed)
    tf.random.set_seed(seed)
    keras.utils.set_random_seed(seed)


def mlp():
    """Sequential MLP: Dense(16, relu) -> Dropout(0.2) -> Dense(3, softmax)."""
    model = keras.Sequential(
        [
            layers.Dense(16, activation="relu", input_shape=(8,)),
            layers.Dropout(0.2),
            layers.Dense(3, activation="softmax"),
        ],
        name="mlp",
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(1)
    x = rng.normal(size=(32, 8)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, size=32)]
    return model, [x], [y]


def two_tower():
    """Functional: two inputs, Concatenate, Dense, BatchNormalization, two outputs."""
    a = keras.Input((6,), name="a")
    b = keras.Input((4,), name="b")
    x = layers.Concatenate(name="concat")([a, b])
    x = layers.Dense(12, activation="relu", name="hidden")(x)
    x = layers.BatchNormalization(name="bn")(x)
    out_reg = layers.Dense(1, name="reg")(x)
    out_cls = layers.Dense(2, activation="softmax", name="cls")(x)
    model = keras.Model([a, b], [out_reg, out_cls], name="two_tower")
    model.compile(
        optimizer="adam",
        loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
        loss_weights={"reg": 1.0, "cls": 0.5},
    )
    rng = np.random.default_rng(2)
    xa = rng.normal(size=(32, 6)).astype("float32")
    xb = rng.normal(size=(32, 4)).astype("float32")
    y_reg = rng.normal(size=(32, 1)).astype("float32")
    y_cls = rng.integers(0, 2, size=(32,)).astype("int32")
    return model, [xa, xb], {"reg": y_reg, "cls": y_cls}


def cnn():
    """Small CNN: Conv2D(4, 3, same, relu) -> MaxPooling2D -> Flatten -> Dense(2)."""
    model = keras.Sequential(
        [
            layers.Conv2D(4, 3, padding="same", activation="relu", input_shape=(8, 8, 1)),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(2),
        ],
        name="cnn",
    )
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    rng = np.random.default_rng(3)
    x = rng.normal(size=(16, 8, 8, 1)).astype("float32")
    y = rng.integers(0, 2, size=(16,)).astype("int32")
    return model, [x], [y]


def test_labels(name, width, rng):
    """Five labels for an output of `width` units, in the form its loss expects."""
    if width == 1:  # regression (mse)
        return rng.normal(size=(5, 1)).astype("float32")
    if name == "mlp":  # categorical_crossentropy: one-hot
        return np.eye(width, dtype="float32")[rng.integers(0, width, 5)]
    return rng.integers(0, width, 5).astype("int32")  # sparse labels


CASES = {"mlp": mlp, "two_tower": two_tower, "cnn": cnn}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, factory in CASES.items():
        seed_everything()
        model, xs, ys = factory()
        x_in = xs[0] if len(xs) == 1 else xs
        y_in = ys[0] if isinstance(ys, list) and len(ys) == 1 else ys
        model.fit(x_in, y_in, epochs=1, batch_size=8, shuffle=False, verbose=0)

        model.save(os.path.join(OUT, f"{name}.h5"))  # legacy whole-model HDF5
        model.save_weights(os.path.join(OUT, f"{name}_weights.h5"))
        with open(os.path.join(OUT, f"{name}.json"), "w") as f:
            f.write(model.to_json())

        # Fresh inputs (not the training data) and tf.keras's inference predictions.
        rng = np.random.default_rng(100)
        test_xs = [rng.normal(size=(5,) + x.shape[1:]).astype("float32") for x in xs]
        preds = model.predict(test_xs[0] if len(test_xs) == 1 else test_xs, verbose=0)
        if not isinstance(preds, list):
            preds = [preds]
        arrays = {f"x{i}": x for i, x in enumerate(test_xs)}
        arrays.update({f"y{i}": np.asarray(y) for i, y in enumerate(preds)})
        # Labels for the test inputs and tf.keras's `evaluate` loss(es): these check
        # that the compile config (losses, from_logits, loss_weights) comes back too.
        test_ys = [test_labels(name, p.shape[-1], rng) for p in preds]
        arrays.update({f"t{i}": t for i, t in enumerate(test_ys)})
        losses = model.evaluate(
            test_xs[0] if len(test_xs) == 1 else test_xs,
            test_ys[0] if len(test_ys) == 1 else test_ys,
            batch_size=5,
            verbose=0,
            return_dict=True,
        )
        arrays["loss"] = np.asarray(losses["loss"], dtype="float64")
        arrays["iterations"] = np.asarray(int(model.optimizer.iterations.numpy()))
        np.savez(os.path.join(OUT, f"{name}.npz"), **arrays)
        print(name, "iterations", int(arrays["iterations"]), [p.shape for p in preds])

    with open(os.path.join(OUT, "versions.json"), "w") as f:
        versions = {
            "tensorflow": tf.__version__,
            "keras": metadata.version("keras"),
            "h5py": h5py.__version__,
        }
        json.dump(versions, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
