"""OrbaxCheckpoint and Orbax checkpoint loading, against Keras 3's (JAX) checkpoints.

The fixtures (tests/reference/saving/orbax/) are made by
tests/reference/make_orbax_reference.py with Keras 3.15 and orbax-checkpoint:
a checkpoint Keras wrote during `fit`, the predictions it gives, and the step
folders Keras leaves for several settings. A checkpoint pykeras writes is
checked against Keras's layout here, and loaded by Keras itself with
`make_orbax_reference.py --check` (see `write_for_keras_check`).
"""

from __future__ import annotations

import json
import os
import shutil
import sys

import numpy as np
import pytest

orbax_checkpoint = pytest.importorskip(
    "orbax.checkpoint", reason="orbax-checkpoint (the `orbax` extra) is not installed"
)

import pykeras as keras  # noqa: E402
from pykeras.callbacks.callback_list import CallbackList  # noqa: E402
from pykeras.errors import FileFormatError  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    # Orbax's notes on restoring JAX arrays saved with a sharding, and on the
    # tiny config checkpointable: not about pykeras.
    "ignore:Sharding info not provided:UserWarning"
)

REF = os.path.join(os.path.dirname(__file__), "..", "reference", "saving", "orbax")
KERAS_DIR = os.path.join(REF, "functional")
EXPECTED = np.load(os.path.join(REF, "expected.npz"))
with open(os.path.join(REF, "expected.json")) as f:
    META = json.load(f)
V1 = orbax_checkpoint.v1


def build_model(initial: bool = True) -> keras.Model:
    """The Keras reference's model, with Keras's initial weights."""
    inp = keras.Input((3,), name="features")
    h = keras.layers.Dense(4, activation="relu", name="hidden")(inp)
    h = keras.layers.BatchNormalization(name="norm")(h)
    out = keras.layers.Dense(2, name="out")(h)
    model = keras.Model(inp, out, name="orbax_model")
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    if initial:
        count = len(model.get_weights())
        model.set_weights([EXPECTED[f"initial/{i}"] for i in range(count)])
    return model


def steps(directory: str) -> list[int]:
    return sorted(int(d) for d in os.listdir(directory) if d.isdigit())


def load_pytree(step_dir: str) -> dict:
    return V1.load_checkpointables(step_dir, {"pytree": None})["pytree"]


def flat_arrays(step_dir: str) -> dict[str, np.ndarray]:
    """`{path: array}` of every array of a step's state tree."""

    def walk(node, prefix=""):
        for key, value in node.items():
            if isinstance(value, dict):
                yield from walk(value, f"{prefix}{key}/")
            else:
                yield f"{prefix}{key}", np.asarray(value)

    return dict(walk(load_pytree(step_dir)))


def pytree_shapes(step_dir: str) -> dict[str, tuple]:
    return {p: a.shape for p, a in flat_arrays(step_dir).items()}


def checkpointables(root: str) -> list[str]:
    checkpointer = V1.training.Checkpointer(directory=root)
    try:
        step = checkpointer.latest.step
        return sorted(checkpointer.checkpointables_metadata(step).metadata.keys())
    finally:
        checkpointer.close()


def fit_with(directory, epochs=3, model=None, **kwargs) -> keras.Model:
    model = model or build_model()
    callback = keras.callbacks.OrbaxCheckpoint(directory, **kwargs)
    x, y = EXPECTED["x"], EXPECTED["y"]
    model.fit(x, y, batch_size=4, epochs=epochs, shuffle=False, verbose=0, callbacks=[callback])
    return model


def write_for_keras_check(directory: str) -> None:
    """Trains the reference model in pykeras with OrbaxCheckpoint into
    `<directory>/ckpt` and stores its inputs and predictions in
    `<directory>/expected.npz`, for `make_orbax_reference.py --check`."""
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    model = fit_with(os.path.join(directory, "ckpt"), epochs=2)
    x = EXPECTED["x"]
    np.savez(os.path.join(directory, "expected.npz"), x=x, y=model.predict(x, verbose=0))


# ------------------------------------------------------- Keras -> pykeras


def test_load_model_restores_a_keras_checkpoint():
    model = keras.saving.load_model(KERAS_DIR)
    assert model.name == "orbax_model"
    np.testing.assert_allclose(
        model.predict(EXPECTED["x"], verbose=0), EXPECTED["y_trained"], rtol=1e-5, atol=1e-6
    )
    # Keras's own load_model gives the same (this model is Functional).
    np.testing.assert_allclose(EXPECTED["y_load_model"], EXPECTED["y_trained"], atol=1e-6)
    assert int(model.optimizer.iterations) == int(EXPECTED["iterations"])
    assert isinstance(model.optimizer, keras.optimizers.Adam)


def test_load_model_compile_false_leaves_model_uncompiled():
    model = keras.models.load_model(KERAS_DIR, compile=False)
    np.testing.assert_allclose(
        model.predict(EXPECTED["x"], verbose=0), EXPECTED["y_trained"], rtol=1e-5, atol=1e-6
    )
    assert model.__dict__.get("optimizer") is None


@pytest.mark.parametrize("where", ["root", "step"])
def test_load_weights_restores_a_keras_checkpoint(where):
    model = build_model(initial=False)
    path = KERAS_DIR if where == "root" else os.path.join(KERAS_DIR, "1")
    model.load_weights(path)
    np.testing.assert_allclose(
        model.predict(EXPECTED["x"], verbose=0), EXPECTED["y_load_weights"], rtol=1e-5, atol=1e-6
    )
    # The optimizer is built from the checkpoint's slots, so training resumes.
    assert int(model.optimizer.iterations) == int(EXPECTED["iterations"])
    # Keras's optimizer was `adam`; this process's is `adam_<n>`.
    name = model.optimizer.name
    ours = {v.path.replace(name, "adam", 1): v.numpy() for v in model.optimizer.variables}
    keras_state = flat_arrays(os.path.join(KERAS_DIR, "1"))
    for path, value in ours.items():
        np.testing.assert_array_equal(value, keras_state[f"optimizer_variables/{path}"])
    assert np.abs(ours["adam/hidden_kernel_momentum"]).max() > 0


def test_resumed_training_matches_continuing_in_one_go():
    """Training 2 epochs, checkpointing, restoring, then 1 more = 3 epochs straight."""
    straight = build_model()
    x, y = EXPECTED["x"], EXPECTED["y"]
    straight.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    resumed = build_model(initial=False)
    resumed.load_weights(KERAS_DIR)
    resumed.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    # Keras trained the first two epochs, pykeras the last: equal up to float32
    # noise, which Adam amplifies on near-zero gradient components (its step is
    # about lr * sign(g) there) and batch norm over 4-row batches passes on:
    # ~4e-4 apart on the forced baseline ISA path, whose sums round differently.
    np.testing.assert_allclose(
        resumed.predict(x, verbose=0), straight.predict(x, verbose=0), rtol=2e-3, atol=1e-3
    )


# ------------------------------------------------------- pykeras -> Keras


def test_pykeras_checkpoint_has_keras_layout(tmp_path):
    directory = str(tmp_path / "ckpt")
    model = fit_with(directory, epochs=2, max_to_keep=1)
    assert steps(directory) == META["steps_committed"]
    assert checkpointables(directory) == META["full_checkpointables"]
    # The optimizer's name is `adam_<n>` for the n-th Adam of this process.
    name = model.optimizer.name
    ours = {
        p.replace(f"optimizer_variables/{name}/", "optimizer_variables/adam/"): s
        for p, s in pytree_shapes(os.path.join(directory, "1")).items()
    }
    keras_paths = pytree_shapes(os.path.join(KERAS_DIR, "1"))
    # Every array Keras saves, at the same path with the same shape; pykeras
    # leaves out the metrics' running totals (reset at each epoch by Keras).
    assert {p: s for p, s in keras_paths.items() if not p.startswith("metrics_")} == ours
    tree = load_pytree(os.path.join(directory, "1"))
    assert sorted(tree) == META["full_state_keys"]
    # The values are the model's.
    kernel = tree["trainable_variables"]["hidden"]["kernel"]
    np.testing.assert_array_equal(kernel, model.get_layer("hidden").kernel.numpy())
    assert int(tree["optimizer_variables"][name]["iteration"]) == int(EXPECTED["iterations"])
    # Same start, same data: the same trained model as Keras's, within float32 noise.
    np.testing.assert_allclose(
        model.predict(EXPECTED["x"], verbose=0), EXPECTED["y_trained"], rtol=2e-3, atol=2e-4
    )


def test_pykeras_checkpoint_round_trips(tmp_path):
    directory = str(tmp_path / "ckpt")
    model = fit_with(directory, epochs=2)
    loaded = keras.saving.load_model(directory)
    x = EXPECTED["x"]
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    for a, b in zip(loaded.optimizer.get_weights(), model.optimizer.get_weights()):
        np.testing.assert_array_equal(a, b)
    config = json.loads(
        V1.load_checkpointables(os.path.join(directory, "1"), {"model_config": None})[
            "model_config"
        ]["config"]
    )
    assert config["class_name"] == "Functional"
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"


def test_sequential_rebuilt_from_its_config_gets_its_state(tmp_path):
    """A Sequential built by its constructor names its variables `seq/dense/kernel`
    (and Adam's slots `seq_dense_kernel_momentum`), one rebuilt from its config
    `dense/kernel`, as in Keras, where `load_model` then restores nothing."""
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4, name="dense"), keras.layers.Dense(2, name="top")],
        name="seq",
    )
    model.compile(optimizer="adam", loss="mse")
    assert model.trainable_variables[0].path == "seq/dense/kernel"
    directory = str(tmp_path / "ckpt")
    fit_with(directory, epochs=1, model=model)
    loaded = keras.saving.load_model(directory)
    assert loaded.trainable_variables[0].path == "dense/kernel"
    x = EXPECTED["x"]
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    for a, b in zip(loaded.optimizer.get_weights(), model.optimizer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_write_for_keras_check(tmp_path):
    write_for_keras_check(str(tmp_path / "check"))
    stored = np.load(tmp_path / "check" / "expected.npz")
    loaded = keras.saving.load_model(str(tmp_path / "check" / "ckpt"))
    np.testing.assert_allclose(loaded.predict(stored["x"], verbose=0), stored["y"])


# ------------------------------------------------------- when Keras saves


@pytest.mark.parametrize(
    "case, kwargs",
    [
        ("epoch_keep_all", {"max_to_keep": None}),
        ("epoch_keep_1", {}),
        ("batches_2_keep_all", {"save_freq": 2, "max_to_keep": None}),
        ("batches_2_keep_2", {"save_freq": 2, "max_to_keep": 2}),
        ("batches_4_sync", {"save_freq": 4, "max_to_keep": None, "save_on_background": False}),
    ],
)
def test_steps_match_keras(tmp_path, case, kwargs):
    directory = str(tmp_path / case)
    fit_with(directory, **kwargs)
    assert steps(directory) == META["steps"][case]


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


@pytest.mark.parametrize(
    "case, events, kwargs",
    [
        ("best_epochs", BEST_EPOCHS, {}),
        ("best_epochs_threshold", BEST_EPOCHS, {"initial_value_threshold": 0.6}),
        (
            "best_batches_max",
            BEST_BATCHES,
            {"save_freq": 1, "monitor": "accuracy", "mode": "max"},
        ),
    ],
)
def test_save_best_only_matches_keras(tmp_path, case, events, kwargs):
    model = build_model()
    model.optimizer.build(model.trainable_variables)
    directory = str(tmp_path / case)
    callback = keras.callbacks.OrbaxCheckpoint(
        directory, save_best_only=True, max_to_keep=None, save_on_background=False, **kwargs
    )
    callback.set_model(model)
    callback.on_train_begin()
    with pytest.warns(UserWarning) if case.startswith("best_epochs") else _no_warning():
        for hook, index, logs in events:
            getattr(callback, hook)(index, logs)
    callback.on_train_end()
    assert steps(directory) == META["steps"][case]


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_weights_only_checkpoint(tmp_path):
    directory = str(tmp_path / "weights")
    model = fit_with(directory, epochs=1, save_weights_only=True)
    assert checkpointables(directory) == META["weights_only_checkpointables"]
    tree = load_pytree(os.path.join(directory, "0"))
    assert sorted(tree) == META["weights_only_state_keys"]
    with pytest.raises(FileFormatError, match="save_weights_only=True"):
        keras.saving.load_model(directory)
    fresh = build_model(initial=False)
    fresh.load_weights(directory)
    x = EXPECTED["x"]
    np.testing.assert_allclose(fresh.predict(x, verbose=0), model.predict(x, verbose=0))
    assert int(fresh.optimizer.iterations) == 0


def test_epoch_saving_keeps_fit_native_and_batch_saving_does_not(tmp_path):
    by_epoch = keras.callbacks.OrbaxCheckpoint(str(tmp_path / "a"))
    by_batch = keras.callbacks.OrbaxCheckpoint(str(tmp_path / "b"), save_freq=3)
    assert not CallbackList([by_epoch]).needs_batch_hooks("train")
    assert CallbackList([by_batch]).needs_batch_hooks("train")


def test_callback_reused_across_fits_continues_step_numbers(tmp_path):
    directory = str(tmp_path / "ckpt")
    model = build_model()
    callback = keras.callbacks.OrbaxCheckpoint(directory, save_freq=3, max_to_keep=None)
    x, y = EXPECTED["x"], EXPECTED["y"]
    for _ in range(2):
        model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0, callbacks=[callback])
    assert steps(directory) == [3, 6]
    assert keras.saving.load_model(directory).optimizer.iterations == 6


def test_assets_are_saved_and_restored(tmp_path):
    inp = keras.Input((1,), dtype="string", name="words")
    lookup = keras.layers.StringLookup(name="lookup")
    # Adapted, not given: a vocabulary passed in is in the config, not an asset.
    lookup.adapt(np.array([["cat"], ["dog"], ["dog"], ["bird"]]))
    model = keras.Model(inp, lookup(inp), name="with_assets")
    model.compile(optimizer="sgd", loss="mse")
    callback = keras.callbacks.OrbaxCheckpoint(str(tmp_path / "ckpt"), save_on_background=False)
    callback.set_model(model)
    callback.on_epoch_end(0, {"val_loss": 1.0})
    callback.on_train_end()
    assert checkpointables(str(tmp_path / "ckpt")) == ["assets", "model_config", "pytree"]
    loaded = keras.saving.load_model(str(tmp_path / "ckpt"))
    assert loaded.get_layer("lookup").get_vocabulary() == lookup.get_vocabulary()


# ------------------------------------------------------- bad input


def test_missing_orbax_names_the_extra(monkeypatch, tmp_path):
    for name in [m for m in sys.modules if m == "orbax" or m.startswith("orbax.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "orbax", None)
    with pytest.raises(ImportError, match=r"pykeras\[orbax\]"):
        keras.callbacks.OrbaxCheckpoint(str(tmp_path / "ckpt"))
    with pytest.raises(ImportError, match="orbax-checkpoint"):
        build_model().load_weights(KERAS_DIR)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"save_freq": "batch"}, "Unrecognized save_freq"),
        ({"save_freq": 0}, "Unrecognized save_freq"),
        ({"max_to_keep": 0}, "max_to_keep"),
        ({"mode": "maximum"}, "mode"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        keras.callbacks.OrbaxCheckpoint(str(tmp_path / "ckpt"), **kwargs)


def test_shape_mismatch_names_the_variable():
    inp = keras.Input((3,), name="features")
    h = keras.layers.Dense(5, activation="relu", name="hidden")(inp)
    model = keras.Model(inp, keras.layers.Dense(2, name="out")(h), name="orbax_model")
    with pytest.raises(FileFormatError, match=r"hidden/kernel.*\(3, 5\).*\(3, 4\)"):
        model.load_weights(KERAS_DIR)


def test_unmatched_layer_names_are_refused_or_skipped():
    inp = keras.Input((3,), name="features")
    model = keras.Model(inp, keras.layers.Dense(2, name="other")(inp), name="orbax_model")
    with pytest.raises(FileFormatError, match="other/kernel"):
        model.load_weights(KERAS_DIR)
    with pytest.warns(UserWarning, match="other/kernel"):
        keras.saving.load_weights(model, KERAS_DIR, skip_mismatch=True)


def test_empty_directory_is_not_a_checkpoint(tmp_path):
    with pytest.raises(FileFormatError, match="directory"):
        keras.saving.load_model(str(tmp_path))
