"""Weights in memory and in files: count and shape checks that name the layer,
both HDF5 layouts read whatever the file is called, `by_name` and `skip_mismatch`."""

import os
import shutil
import warnings

import h5py
import numpy as np
import pytest

import pykeras as keras
from pykeras import layers


def mlp(units=(4, 2), name="mlp", names=("hidden", "out")):
    inputs = keras.Input((3,), name="x")
    x = inputs
    for u, n in zip(units, names):
        x = layers.Dense(u, name=n)(x)
    model = keras.Model(inputs, x, name=name)
    rng = np.random.default_rng(sum(units))
    model.set_weights([rng.normal(size=w.shape) for w in model.weights])
    return model


def names(values):
    """An HDF5 list attribute as str (Keras 3 stores variable-length strings, tf.keras 2 bytes)."""
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def assert_same_weights(a, b):
    assert len(a.get_weights()) == len(b.get_weights())
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(u, v)


def test_set_weights_errors_name_the_layer():
    model = mlp()
    with pytest.raises(ValueError, match="'hidden' expected 2 weights, but received 1"):
        model.get_layer("hidden").set_weights([np.ones((3, 4))])
    with pytest.raises(ValueError, match="'hidden'.*\\(3, 4\\).*\\(4, 4\\)"):
        model.get_layer("hidden").set_weights([np.ones((4, 4)), np.ones(4)])
    with pytest.raises(ValueError, match="'mlp' expected 4 weights"):
        model.set_weights(model.get_weights()[:3])


@pytest.mark.parametrize(
    "name,layout",
    [
        ("w.weights.h5", "keras"),
        ("w.h5", "legacy"),
        ("w.hdf5", "legacy"),
        ("w.bin", "keras"),
    ],
)
def test_weights_files_round_trip_and_pick_the_layout(name, layout, tmp_path):
    model, other = mlp(), mlp()
    model.save_weights(tmp_path / name)
    with h5py.File(tmp_path / name, "r") as f:
        assert ("layer_names" in f.attrs) == (layout == "legacy")
        if layout == "keras":
            assert set(f["layers"]) == {"dense", "dense_1", "input_layer"}
            assert f["layers/dense/vars"].attrs["name"] == "hidden"
            assert f["vars"].attrs["name"] == "mlp"
        else:
            assert names(f.attrs["layer_names"]) == ["x", "hidden", "out"]
            assert names(f["hidden"].attrs["weight_names"]) == ["hidden/kernel", "hidden/bias"]
    other.load_weights(tmp_path / name)
    assert_same_weights(model, other)


def test_either_layout_loads_whatever_the_name(tmp_path):
    model = mlp()
    model.save_weights(tmp_path / "a.weights.h5")
    model.save_weights(tmp_path / "b.h5")
    model.save(tmp_path / "c.keras")
    model.save(tmp_path / "d.h5")
    for src, dst in [
        ("a.weights.h5", "a_renamed.h5"),
        ("b.h5", "b_renamed.weights.h5"),
        ("c.keras", "c_renamed.h5"),
        ("d.h5", "d_renamed.weights.h5"),
    ]:
        shutil.copy(tmp_path / src, tmp_path / dst)
        other = mlp(units=(4, 2))
        other.load_weights(tmp_path / dst)
        assert_same_weights(model, other)
    assert isinstance(keras.models.load_model(tmp_path / "c_renamed.h5"), keras.Model)


def test_explicit_save_format(tmp_path):
    model = mlp()
    model.save_weights(tmp_path / "w.weights.h5", save_format="h5")
    with h5py.File(tmp_path / "w.weights.h5", "r") as f:
        assert "layer_names" in f.attrs
    with pytest.raises(ValueError, match="save_format"):
        model.save_weights(tmp_path / "w.tf", save_format="tf")


def test_count_and_shape_mismatches_name_layer_and_file(tmp_path):
    mlp().save_weights(tmp_path / "w.weights.h5")
    mlp().save_weights(tmp_path / "w.h5")
    wider = mlp(units=(5, 2))
    with pytest.raises(ValueError, match="w.weights.h5.*'hidden'.*\\(3, 5\\).*\\(3, 4\\)"):
        wider.load_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="'hidden'.*\\(3, 5\\).*w.h5.*\\(3, 4\\)"):
        wider.load_weights(tmp_path / "w.h5")
    deeper = mlp(units=(4, 4, 2), names=("hidden", "mid", "out"))
    with pytest.raises(ValueError, match="Layer count mismatch.*w.h5"):
        deeper.load_weights(tmp_path / "w.h5")
    no_bias = keras.Model(
        deeper.inputs[0], layers.Dense(4, use_bias=False, name="hidden")(deeper.inputs[0])
    )
    with pytest.raises(ValueError, match="'hidden' expected 1 variables.*holds 2"):
        no_bias.load_weights(tmp_path / "w.weights.h5")


def test_skip_mismatch_reports_what_it_skipped(tmp_path):
    model = mlp()
    model.save_weights(tmp_path / "w.weights.h5")
    model.save_weights(tmp_path / "w.h5")
    wider = mlp(units=(4, 5))
    before = wider.get_layer("out").get_weights()
    for name in ("w.weights.h5", "w.h5"):
        with pytest.warns(UserWarning, match="[Ss]kipp.*out"):
            wider.load_weights(tmp_path / name, skip_mismatch=True)
        np.testing.assert_array_equal(
            wider.get_layer("hidden").get_weights()[0], model.get_layer("hidden").get_weights()[0]
        )
        for a, b in zip(wider.get_layer("out").get_weights(), before):
            np.testing.assert_array_equal(a, b)


def test_legacy_by_name(tmp_path):
    source = mlp()
    source.save_weights(tmp_path / "w.h5")
    # Other layer order, an extra layer, and a layer whose shapes differ.
    inputs = keras.Input((3,), name="x")
    x = layers.Dense(4, name="hidden")(inputs)
    x = layers.Dense(7, name="new")(x)
    target = keras.Model(inputs, layers.Dense(2, name="out")(x))
    new_before = target.get_layer("new").get_weights()
    with pytest.raises(ValueError, match="out.*\\(7, 2\\).*\\(4, 2\\)"):
        target.load_weights(tmp_path / "w.h5", by_name=True)
    with pytest.warns(UserWarning, match="Skipping loading weights.*out"):
        target.load_weights(tmp_path / "w.h5", by_name=True, skip_mismatch=True)
    assert_same_weights(target.get_layer("hidden"), source.get_layer("hidden"))
    for a, b in zip(target.get_layer("new").get_weights(), new_before):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="by_name"):
        source.save_weights(tmp_path / "k.weights.h5")
        target.load_weights(tmp_path / "k.weights.h5", by_name=True)


def test_frozen_layers_keep_legacy_weight_order(tmp_path):
    inputs = keras.Input((3,))
    bn = layers.BatchNormalization(name="bn")
    model = keras.Model(inputs, bn(layers.Dense(3, name="d")(inputs)))
    rng = np.random.default_rng(0)
    model.set_weights([rng.uniform(0.5, 1.0, w.shape) for w in model.weights])
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r") as f:
        assert names(f["bn"].attrs["weight_names"]) == [
            "bn/gamma",
            "bn/beta",
            "bn/moving_mean",
            "bn/moving_variance",
        ]
    clone = keras.models.model_from_json(model.to_json())
    clone.get_layer("bn").trainable = False
    clone.load_weights(tmp_path / "w.h5")
    assert_same_weights(model, clone)


def test_weights_of_shared_and_nested_layers(tmp_path):
    inner_in = keras.Input((3,))
    inner = keras.Model(inner_in, layers.Dense(3, name="inner_dense")(inner_in), name="inner")
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layers.Dense(1, name="head")(inner(inner(inputs))))
    rng = np.random.default_rng(2)
    model.set_weights([rng.normal(size=w.shape) for w in model.weights])
    for name in ("w.weights.h5", "w.h5"):
        model.save_weights(tmp_path / name)
        clone = keras.models.model_from_json(model.to_json())
        clone.load_weights(tmp_path / name)
        assert_same_weights(model, clone)
    with h5py.File(tmp_path / "w.weights.h5", "r") as f:
        assert "layers/functional/layers/dense/vars/0" in f


def test_custom_save_own_variables_is_used(tmp_path):
    class Scaled(layers.Layer):
        def build(self, shape):
            self.w = self.add_weight(shape=(shape[-1],), initializer="ones", name="w")

        def call(self, x):
            return x * self.w

        def save_own_variables(self, store):
            store["scale"] = self.w.numpy() * 10

        def load_own_variables(self, store):
            self.w.assign(store["scale"] / 10)

    inputs = keras.Input((2,))
    model = keras.Model(inputs, Scaled(name="s")(inputs))
    model.layers[1].w.assign(np.array([2.0, 3.0]))
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5", "r") as f:
        np.testing.assert_array_equal(f["layers/scaled/vars/scale"][()], [20.0, 30.0])
    model.layers[1].w.assign(np.zeros(2))
    model.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_array_equal(model.layers[1].w.numpy(), [2.0, 3.0])


def test_backup_and_restore_resumes_with_optimizer_state(tmp_path):
    """BackupAndRestore saves with `save_weights`; the optimizer state goes along."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 2))
    model = mlp()
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    model.save_weights(tmp_path / "ckpt.weights.h5")
    resumed = mlp()
    resumed.compile(optimizer="adam", loss="mse")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        resumed.load_weights(tmp_path / "ckpt.weights.h5")
    assert int(resumed.optimizer.iterations) == 4
    assert os.path.getsize(tmp_path / "ckpt.weights.h5") > 0
