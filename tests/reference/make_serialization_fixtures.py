"""Generate the serialization-completeness fixtures with real Keras 3 (JAX backend).

A test *oracle* only, never imported by pykeras or its tests; the files it
writes are committed, so the tests run without Keras.

How to run (CPU; a few seconds)::

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_serialization_fixtures.py

Outputs (in ``saving/serialization/`` next to this script):

* ``guide_custom_saving.keras`` / ``.npz``: a model holding the Keras
  serialization guide's layer with its own ``save_own_variables`` (an extra
  ``"variables"`` entry) and ``save_assets`` (a vocabulary file); the npz holds
  the inputs ``x``, Keras's predictions ``y`` and the extra variable ``my_var``.
* ``rank_short.keras`` / ``.npz``: ``Input((6, 6, 1))`` -> Conv2D -> Flatten ->
  Dense; ``x`` is ``(4, 6, 6)`` data (one rank short) and ``y`` Keras's
  ``predict(x)`` on it.
* ``tf2_roundtrip.json``: for the real tf.keras 2 files ``tf_keras2/mlp.h5`` and
  ``tf_keras2/cnn.h5``: the compile config's ``metrics`` Keras 3 writes when it
  saves the loaded ``mlp`` as ``.keras``, and for both Keras's
  ``evaluate(x0, t0, return_dict=True)`` compiled as tf.keras 2 compiled them
  (see ``tf2_roundtrip`` for why not of the reloaded archive itself).
* ``layer_configs.json``: ``keras.layers.serialize`` of a few layers.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import keras  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "saving", "serialization")
TF2 = os.path.join(HERE, "saving", "tf_keras2")


@keras.saving.register_keras_serializable(package="my_custom_package")
class LayerWithCustomSaving(keras.layers.Layer):
    """The Keras serialization guide's layer with custom state and assets saving
    (the same class is defined in tests/python/test_saving_serialization.py)."""

    def __init__(self, units=2, vocab=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.vocab = vocab

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.my_var = self.add_weight(
            shape=(1,), initializer="ones", trainable=False, name="my_var"
        )

    def call(self, x):
        return keras.ops.matmul(x, self.kernel) * self.my_var

    def save_own_variables(self, store):
        super().save_own_variables(store)
        store["variables"] = np.asarray(self.my_var)

    def load_own_variables(self, store):
        self.my_var.assign(store["variables"])
        for i, v in enumerate(self.weights):
            v.assign(store[f"{i}"])

    def save_assets(self, dir_path):
        with open(os.path.join(dir_path, "vocabulary.txt"), "w") as f:
            f.write(self.vocab)

    def load_assets(self, dir_path):
        with open(os.path.join(dir_path, "vocabulary.txt")) as f:
            self.vocab = f.read().replace("<unk>", "little")

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def guide_custom_saving(rs):
    inp = keras.Input((3,), name="x")
    layer = LayerWithCustomSaving(vocab="Mary had a <unk> lamb.", name="custom")
    model = keras.Model(inp, layer(inp), name="guide")
    layer.my_var.assign(np.array([2.5], "float32"))
    x = rs.rand(4, 3).astype("float32")
    model.save(os.path.join(OUT, "guide_custom_saving.keras"))
    np.savez(
        os.path.join(OUT, "guide_custom_saving.npz"),
        x=x,
        y=model.predict(x, verbose=0),
        my_var=np.asarray(layer.my_var),
    )


def rank_short(rs):
    inp = keras.Input((6, 6, 1), name="image")
    h = keras.layers.Conv2D(2, 3, activation="relu", name="conv")(inp)
    h = keras.layers.Flatten(name="flatten")(h)
    out = keras.layers.Dense(3, name="dense")(h)
    model = keras.Model(inp, out, name="rank_short")
    x = rs.rand(4, 6, 6).astype("float32")
    model.save(os.path.join(OUT, "rank_short.keras"))
    np.savez(os.path.join(OUT, "rank_short.npz"), x=x, y=model.predict(x, verbose=0))


def tf2_roundtrip():
    """Keras 3.15 can round-trip `mlp.h5` through `.keras` but not evaluate the result
    (its MeanMetricWrapper keeps tf.keras 2's function name as a string and calls
    it), nor load `cnn.h5` compiled (its loss config has tf.keras 2's `fn` key). So
    recorded are the metrics config Keras writes for `mlp`, and for both models the
    `evaluate` of the weights compiled as tf.keras 2 compiled them."""
    compiled_as = {
        "mlp": ("categorical_crossentropy", keras.metrics.categorical_accuracy),
        "cnn": (
            keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            keras.metrics.sparse_categorical_accuracy,
        ),
    }
    results = {}
    for name, (loss, metric) in compiled_as.items():
        entry = {}
        if name == "mlp":
            model = keras.models.load_model(os.path.join(TF2, f"{name}.h5"))
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, f"{name}.keras")
                model.save(path)
                with zipfile.ZipFile(path) as zf:
                    entry["metrics"] = json.loads(zf.read("config.json"))["compile_config"][
                        "metrics"
                    ]
        model = keras.models.load_model(os.path.join(TF2, f"{name}.h5"), compile=False)
        model.compile(loss=loss, metrics=[keras.metrics.MeanMetricWrapper(metric, "accuracy")])
        data = np.load(os.path.join(TF2, f"{name}.npz"))
        logs = model.evaluate(data["x0"], data["t0"], verbose=0, return_dict=True)
        entry["evaluate"] = {k: float(v) for k, v in logs.items()}
        results[name] = entry
    with open(os.path.join(OUT, "tf2_roundtrip.json"), "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)


def layer_configs():
    configs = {
        "dense": keras.layers.serialize(
            keras.layers.Dense(
                3,
                activation="relu",
                kernel_initializer=keras.initializers.HeNormal(seed=1),
                kernel_regularizer=keras.regularizers.L2(0.01),
                name="d",
            )
        ),
        "dropout": keras.layers.serialize(keras.layers.Dropout(0.25, seed=3, name="drop")),
    }
    with open(os.path.join(OUT, "layer_configs.json"), "w") as f:
        json.dump(configs, f, indent=1, sort_keys=True)


def main():
    os.makedirs(OUT, exist_ok=True)
    keras.utils.set_random_seed(0)
    rs = np.random.RandomState(0)
    guide_custom_saving(rs)
    rank_short(rs)
    tf2_roundtrip()
    layer_configs()
    with open(os.path.join(OUT, "versions.json"), "w") as f:
        json.dump({"keras": keras.__version__, "backend": keras.backend.backend()}, f)


if __name__ == "__main__":
    main()
