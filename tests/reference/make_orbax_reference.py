"""Record Keras 3's `OrbaxCheckpoint` (JAX backend) for tests/python/test_callbacks_orbax.py.

This script needs Keras 3, JAX and `orbax-checkpoint`; it is a test oracle only,
never imported by pykeras or its tests. What it writes is committed, so the
tests run without Keras.

How to run (CPU; a few seconds)::

    /work/keras-env/bin/python tests/reference/make_orbax_reference.py

Outputs (in ``saving/orbax/`` next to this script):

* ``functional/1/...``: the checkpoint Keras writes while a small Functional
  model (Dense, BatchNormalization, Dense; Adam) trains two epochs with
  ``OrbaxCheckpoint(save_freq="epoch", max_to_keep=1)``: step 1 only.
* ``expected.npz``: ``x`` (inputs), ``y`` (targets), ``initial/<i>`` (the
  weights before training, in ``model.weights`` order), ``y_trained`` (the
  trained model's predictions), ``y_load_model`` (those of
  ``keras.saving.load_model(dir)``), ``y_load_weights`` (those of a fresh model
  after ``model.load_weights(dir)``), ``iterations``.
* ``expected.json``: the step folders Keras leaves for several ``save_freq`` /
  ``max_to_keep`` / ``save_best_only`` settings, the checkpointables of a full
  and of a weights-only checkpoint, and the state tree's top-level keys.

Check mode: ``make_orbax_reference.py --check DIR NPZ`` loads a checkpoint that
pykeras wrote (``DIR``) into Keras with ``keras.saving.load_model`` and with
``model.load_weights`` on a freshly built model, and compares both models'
predictions with those pykeras stored in ``NPZ`` (``x``, ``y``; see
``test_callbacks_orbax.write_for_keras_check``). It prints the largest
differences and exits non-zero on a mismatch.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import orbax.checkpoint as ocp  # noqa: E402
from keras import layers  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "saving", "orbax")


def build_model() -> keras.Model:
    """The model of the committed checkpoint (the tests build the same in pykeras)."""
    inp = keras.Input((3,), name="features")
    h = layers.Dense(4, activation="relu", name="hidden")(inp)
    h = layers.BatchNormalization(name="norm")(h)
    out = layers.Dense(2, name="out")(h)
    model = keras.Model(inp, out, name="orbax_model")
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return model


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(12, 3)).astype("float32")
    y = rng.normal(size=(12, 2)).astype("float32")
    return x, y


def steps(directory: str) -> list[int]:
    return sorted(int(d) for d in os.listdir(directory) if d.isdigit())


def fit_steps(tmp: str, name: str, epochs: int = 3, **kwargs: object) -> list[int]:
    """The step folders left after `fit` (12 samples, batch 4: 3 batches an epoch)."""
    keras.utils.set_random_seed(1)
    model = build_model()
    x, y = data()
    directory = os.path.join(tmp, name)
    callback = keras.callbacks.OrbaxCheckpoint(directory, **kwargs)
    model.fit(x, y, batch_size=4, epochs=epochs, shuffle=False, verbose=0, callbacks=[callback])
    callback.wait_until_finished()
    return steps(directory)


def hook_steps(tmp: str, name: str, events: list, **kwargs: object) -> list[int]:
    """The step folders left after calling the callback's hooks with these logs."""
    keras.utils.set_random_seed(1)
    model = build_model()
    model.build((None, 3))
    model.optimizer.build(model.trainable_variables)
    directory = os.path.join(tmp, name)
    callback = keras.callbacks.OrbaxCheckpoint(directory, save_on_background=False, **kwargs)
    callback.set_model(model)
    # Keras 3.15 fails on a batch-level save_best_only before the first epoch
    # ends (its monitor_op is still None); pykeras sets it there. Set it here.
    callback._set_monitor_op()
    callback.on_train_begin()
    for hook, index, logs in events:
        getattr(callback, hook)(index, logs)
    callback.on_train_end()
    return steps(directory)


# The logged values the save_best_only cases see, in order.
BEST_EPOCHS = [
    ("on_epoch_end", 0, {"val_loss": 1.0}),
    ("on_epoch_end", 1, {"val_loss": 2.0}),
    ("on_epoch_end", 2, {"val_loss": 0.5}),
    ("on_epoch_end", 3, {"loss": 0.1}),
    ("on_epoch_end", 4, {"val_loss": 0.5}),
    ("on_epoch_end", 5, {"val_loss": 0.25}),
]
BEST_BATCHES = [
    ("on_train_batch_end", 0, {"accuracy": 0.5}),
    ("on_train_batch_end", 1, {"accuracy": 0.4}),
    ("on_train_batch_end", 2, {"accuracy": 0.7}),
    ("on_train_batch_end", 0, {"accuracy": 0.6}),
    ("on_train_batch_end", 1, {"accuracy": 0.9}),
    ("on_train_batch_end", 2, {"accuracy": 0.9}),
]


def record() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    x, y = data()

    keras.utils.set_random_seed(0)
    model = build_model()
    initial = [np.array(w) for w in model.get_weights()]
    directory = os.path.join(OUT, "functional")
    callback = keras.callbacks.OrbaxCheckpoint(directory, max_to_keep=1)
    model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0, callbacks=[callback])
    callback.wait_until_finished()
    y_trained = model.predict(x, verbose=0)

    loaded = keras.saving.load_model(directory)
    fresh = build_model()
    fresh.load_weights(directory)
    arrays = {
        "x": x,
        "y": y,
        "y_trained": y_trained,
        "y_load_model": loaded.predict(x, verbose=0),
        "y_load_weights": fresh.predict(x, verbose=0),
        "iterations": np.array(int(model.optimizer.iterations)),
    }
    arrays.update({f"initial/{i}": w for i, w in enumerate(initial)})
    np.savez(os.path.join(OUT, "expected.npz"), **arrays)

    with tempfile.TemporaryDirectory() as tmp:
        cases = {
            "epoch_keep_all": fit_steps(tmp, "a", max_to_keep=None),
            "epoch_keep_1": fit_steps(tmp, "b"),
            "batches_2_keep_all": fit_steps(tmp, "c", save_freq=2, max_to_keep=None),
            "batches_2_keep_2": fit_steps(tmp, "d", save_freq=2, max_to_keep=2),
            "batches_4_sync": fit_steps(
                tmp, "e", save_freq=4, max_to_keep=None, save_on_background=False
            ),
            "best_epochs": hook_steps(tmp, "f", BEST_EPOCHS, save_best_only=True, max_to_keep=None),
            "best_epochs_threshold": hook_steps(
                tmp,
                "g",
                BEST_EPOCHS,
                save_best_only=True,
                max_to_keep=None,
                initial_value_threshold=0.6,
            ),
            "best_batches_max": hook_steps(
                tmp,
                "h",
                BEST_BATCHES,
                save_best_only=True,
                max_to_keep=None,
                save_freq=1,
                monitor="accuracy",
                mode="max",
            ),
        }
        weights_only_dir = os.path.join(tmp, "w")
        fit_steps(tmp, "w", epochs=1, save_weights_only=True)
        v1 = ocp.v1

        def checkpointables(root: str) -> list[str]:
            checkpointer = v1.training.Checkpointer(directory=root)
            step = checkpointer.latest.step
            names = sorted(checkpointer.checkpointables_metadata(step).metadata.keys())
            tree = checkpointer.load_checkpointables(step, {"pytree": None})["pytree"]
            checkpointer.close()
            return names, sorted(tree)

        full_names, full_keys = checkpointables(directory)
        weights_names, weights_keys = checkpointables(weights_only_dir)

    expected = {
        "keras_version": keras.__version__,
        "orbax_checkpoint_version": ocp.__version__,
        "steps": cases,
        "steps_committed": steps(directory),
        "full_checkpointables": full_names,
        "full_state_keys": full_keys,
        "weights_only_checkpointables": weights_names,
        "weights_only_state_keys": weights_keys,
    }
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    print(json.dumps(expected, indent=1, sort_keys=True))
    print("largest |load_model - trained|:", np.abs(arrays["y_load_model"] - y_trained).max())
    print("largest |load_weights - trained|:", np.abs(arrays["y_load_weights"] - y_trained).max())


def check(directory: str, npz: str) -> int:
    """Keras loads the checkpoint pykeras wrote; 0 when its predictions match pykeras's."""
    stored = np.load(npz)
    x, y = stored["x"], stored["y"]
    loaded = keras.saving.load_model(directory)
    fresh = build_model()
    fresh.load_weights(directory)
    worst = 0.0
    for what, model in (("load_model", loaded), ("load_weights", fresh)):
        diff = float(np.abs(model.predict(x, verbose=0) - y).max())
        iterations = int(model.optimizer.iterations)
        print(f"keras {what}: largest difference {diff:.3g}, optimizer iterations {iterations}")
        worst = max(worst, diff)
    ok = worst <= 1e-5
    print("OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--check":
        sys.exit(check(sys.argv[2], sys.argv[3]))
    record()
