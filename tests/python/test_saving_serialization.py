"""Serialization completeness: `layers.serialize`/`deserialize`, `serialize_keras_object` /
`deserialize_keras_object`, registered classes and functions, nested objects in a
custom `get_config()`, compiled metrics of tf.keras 2 files through `.keras`, and the
`save_own_variables` / `load_own_variables` / `save_assets` / `load_assets` hooks.

Fixtures in ``tests/reference/saving/serialization/`` were written by real Keras 3
(``tests/reference/make_serialization_fixtures.py``).
"""

import json
import os
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

import pykeras as keras
from pykeras.errors import FileFormatError

REFERENCE = Path(__file__).resolve().parent.parent / "reference" / "saving"
FIXTURES = REFERENCE / "serialization"


@keras.saving.register_keras_serializable(package="my_custom_package")
class LayerWithCustomSaving(keras.layers.Layer):
    """The Keras guide's layer with its own state and assets saving (the same class
    wrote the Keras fixture)."""

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


@keras.saving.register_keras_serializable(package="ComplexModels")
class CustomLayer(keras.layers.Layer):
    """The Keras guide's layer holding layers, as written there (its `from_config`
    calls `keras.layers.deserialize`)."""

    def __init__(self, first_layer, second_layer=None, **kwargs):
        super().__init__(**kwargs)
        self.first_layer = first_layer
        self.second_layer = second_layer if second_layer is not None else keras.layers.Dense(8)

    def call(self, x):
        return self.second_layer(self.first_layer(x))

    def get_config(self):
        config = super().get_config()
        config.update({"first_layer": self.first_layer, "second_layer": self.second_layer})
        return config

    @classmethod
    def from_config(cls, config):
        config["first_layer"] = keras.layers.deserialize(config["first_layer"])
        config["second_layer"] = keras.layers.deserialize(config["second_layer"])
        return cls(**config)


@keras.saving.register_keras_serializable(package="nested")
class Block(keras.layers.Layer):
    """Holds a layer, an initializer and a regularizer, with no `from_config` of its own."""

    def __init__(self, inner, init, reg, **kwargs):
        super().__init__(**kwargs)
        self.inner, self.init, self.reg = inner, init, reg

    def build(self, input_shape):
        self.scale = self.add_weight(
            shape=(1,), initializer=self.init, regularizer=self.reg, name="scale"
        )

    def call(self, x):
        return self.inner(x) * self.scale

    def get_config(self):
        return {**super().get_config(), "inner": self.inner, "init": self.init, "reg": self.reg}


@keras.saving.register_keras_serializable(package="my_package", name="twice")
def twice(x):
    return x * 2.0


def save_and_load(model, tmp_path, name="m.keras", **kwargs):
    path = tmp_path / name
    model.save(path)
    return keras.models.load_model(path, **kwargs), path


# ----------------------------------------------------------- serialize / deserialize


def test_layers_serialize_matches_keras_config():
    keras_configs = json.loads((FIXTURES / "layer_configs.json").read_text())
    layer = keras.layers.Dense(
        3,
        activation="relu",
        kernel_initializer=keras.initializers.HeNormal(seed=1),
        kernel_regularizer=keras.regularizers.L2(0.01),
        name="d",
    )
    ours = keras.layers.serialize(layer)
    theirs = keras_configs["dense"]
    for key in ("module", "class_name", "registered_name"):
        assert ours[key] == theirs[key]
    for key in ("units", "activation", "use_bias", "name"):
        assert ours["config"][key] == theirs["config"][key]
    for key in ("kernel_initializer", "kernel_regularizer", "bias_initializer"):
        assert ours["config"][key]["class_name"] == theirs["config"][key]["class_name"]
    assert ours["config"]["kernel_regularizer"]["config"] == pytest.approx(
        theirs["config"]["kernel_regularizer"]["config"]
    )
    # Keras's own config deserializes here, and ours reproduces the layer.
    for config in (theirs, ours):
        rebuilt = keras.layers.deserialize(config)
        assert isinstance(rebuilt, keras.layers.Dense)
        assert rebuilt.units == 3 and rebuilt.name == "d"
        assert isinstance(rebuilt.kernel_regularizer, keras.regularizers.L2)
    dropout = keras.layers.deserialize(keras_configs["dropout"])
    assert dropout.rate == 0.25


def test_layers_deserialize_guide_idiom_and_errors():
    layer = keras.layers.Dense(3, activation="relu")
    new_layer = keras.layers.deserialize(keras.layers.serialize(layer))
    assert type(new_layer) is keras.layers.Dense and new_layer.get_config() == layer.get_config()
    assert keras.layers.deserialize(layer) is layer
    with pytest.raises(TypeError, match="layer config dict"):
        keras.layers.deserialize(["Dense"])
    with pytest.raises(ValueError, match="NoSuchLayer"):
        keras.layers.deserialize({"class_name": "NoSuchLayer", "config": {}})


def test_serialize_keras_object_round_trips_plain_and_keras_values():
    values = {
        "ints": [1, 2, (3, 4)],
        "array": np.arange(6, dtype="float32").reshape(2, 3),
        "slice": slice(1, 5, 2),
        "bytes": b"abc",
        "initializer": keras.initializers.RandomNormal(stddev=0.5, seed=2),
        "regularizer": keras.regularizers.L1L2(l1=0.1, l2=0.2),
        "fn": twice,
        "activation": keras.activations.relu,
    }
    config = keras.saving.serialize_keras_object(values)
    json.dumps(config)  # JSON-serializable
    back = keras.saving.deserialize_keras_object(config)
    assert back["ints"] == [1, 2, [3, 4]]
    np.testing.assert_array_equal(back["array"], values["array"])
    assert back["slice"] == slice(1, 5, 2) and back["bytes"] == b"abc"
    assert back["initializer"].get_config() == values["initializer"].get_config()
    assert back["regularizer"].get_config() == pytest.approx(values["regularizer"].get_config())
    assert back["fn"] is twice and back["activation"] is keras.activations.relu


def test_deserialize_keras_object_passes_objects_through():
    dense = keras.layers.Dense(2)
    assert keras.saving.deserialize_keras_object(dense) is dense
    assert keras.saving.deserialize_keras_object(twice) is twice
    with pytest.raises(TypeError, match="Could not parse config"):
        keras.saving.deserialize_keras_object(object())


def test_register_keras_serializable_on_functions_and_classes(tmp_path):
    assert keras.saving.get_registered_name(twice) == "my_package>twice"
    assert keras.saving.get_registered_object("my_package>twice") is twice
    config = keras.saving.serialize_keras_object(twice)
    assert config == {
        "module": "builtins",
        "class_name": "function",
        "config": "my_package>twice",
        "registered_name": "function",
    }
    inputs = keras.Input((3,))
    outputs = keras.layers.Dense(2, activation=twice)(inputs)
    model = keras.Model(inputs, outputs)
    loaded, _ = save_and_load(model, tmp_path)
    assert loaded.layers[-1].activation is twice
    x = np.random.RandomState(0).rand(4, 3).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    with pytest.raises(ValueError, match="get_config"):
        keras.saving.register_keras_serializable()(type("NoConfig", (), {}))


# ------------------------------------------------------------- nested objects


def test_nested_layers_in_guide_custom_layer_round_trip(tmp_path):
    inputs = keras.Input((32,))
    outputs = CustomLayer(keras.layers.Dense(4))(inputs)
    model = keras.Model(inputs, outputs)
    config = keras.saving.serialize_keras_object(model.layers[-1])
    first = config["config"]["first_layer"]
    assert first["class_name"] == "Dense" and first["config"]["units"] == 4
    loaded, _ = save_and_load(model, tmp_path)
    rebuilt = loaded.layers[-1]
    assert isinstance(rebuilt.first_layer, keras.layers.Dense)
    assert isinstance(rebuilt.second_layer, keras.layers.Dense)
    x = np.random.RandomState(1).rand(3, 32).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_nested_initializers_and_regularizers_rebuild_with_default_from_config(tmp_path):
    block = Block(
        keras.layers.Dense(2, kernel_regularizer=keras.regularizers.L2(0.5)),
        keras.initializers.Constant(3.0),
        keras.regularizers.L1(0.25),
    )
    config = keras.saving.serialize_keras_object(block)
    assert config["config"]["init"]["class_name"] == "Constant"
    assert config["config"]["reg"]["class_name"] == "L1"
    rebuilt = Block.from_config(keras.saving.deserialize_keras_object(config).get_config())
    assert isinstance(rebuilt.init, keras.initializers.Constant)
    inputs = keras.Input((3,))
    model = keras.Model(inputs, block(inputs))
    loaded, _ = save_and_load(model, tmp_path)
    layer = loaded.layers[-1]
    assert isinstance(layer.reg, keras.regularizers.L1) and layer.reg.l1 == pytest.approx(0.25)
    assert isinstance(layer.inner.kernel_regularizer, keras.regularizers.L2)
    np.testing.assert_allclose(layer.scale.numpy(), [3.0])


def test_subclassed_model_holding_layers_in_its_config(tmp_path):
    @keras.saving.register_keras_serializable(package="tests")
    class Wrapper(keras.Model):
        def __init__(self, block, init=None, **kwargs):
            super().__init__(**kwargs)
            self.block, self.init = block, init

        def call(self, x):
            return self.block(x)

        def get_config(self):
            return {**super().get_config(), "block": self.block, "init": self.init}

    model = Wrapper(CustomLayer(keras.layers.Dense(4)), init=keras.initializers.Ones())
    x = np.ones((2, 5), "float32")
    model(x)
    loaded, _ = save_and_load(model, tmp_path)
    assert isinstance(loaded.block, CustomLayer)
    assert isinstance(loaded.init, keras.initializers.Ones)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


# ----------------------------------------------------- compiled metrics of tf.keras 2


@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_tf_keras2_compiled_metrics_survive_keras_round_trip(name, tmp_path):
    recorded = json.loads((FIXTURES / "tf2_roundtrip.json").read_text())[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = keras.models.load_model(REFERENCE / "tf_keras2" / f"{name}.h5")
        loaded, path = save_and_load(model, tmp_path, f"{name}.keras")
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    (metric,) = config["compile_config"]["metrics"][0]
    assert metric["class_name"] == "MeanMetricWrapper"
    fn = metric["config"]["fn"]
    assert fn["config"] == (
        "categorical_accuracy" if name == "mlp" else "sparse_categorical_accuracy"
    )
    if "metrics" in recorded:  # what Keras writes for the same model
        (theirs,) = recorded["metrics"][0]
        assert theirs["class_name"] == metric["class_name"]
        assert theirs["config"]["name"] == metric["config"]["name"]
        assert theirs["config"]["fn"] == fn["config"]
    data = np.load(REFERENCE / "tf_keras2" / f"{name}.npz")
    logs = loaded.evaluate(data["x0"], data["t0"], verbose=0, return_dict=True)
    assert set(logs) == set(recorded["evaluate"])
    for key, value in recorded["evaluate"].items():
        assert logs[key] == pytest.approx(value, rel=1e-5, abs=1e-6)


def test_mean_metric_wrapper_config_holds_its_function():
    metric = keras.metrics.MeanMetricWrapper(keras.metrics.binary_accuracy, name="acc")
    config = keras.saving.serialize_keras_object(metric)
    assert config["config"]["fn"]["config"] == "binary_accuracy"
    rebuilt = keras.saving.deserialize_keras_object(config)
    assert rebuilt.name == "acc" and rebuilt._fn is keras.metrics.binary_accuracy
    assert "fn" not in keras.metrics.CategoricalAccuracy().get_config()


# ------------------------------------------------------------- state and asset hooks


def test_hooks_on_keras_written_archive():
    data = np.load(FIXTURES / "guide_custom_saving.npz")
    model = keras.models.load_model(FIXTURES / "guide_custom_saving.keras")
    layer = model.get_layer("custom")
    assert layer.vocab == "Mary had a little lamb."
    np.testing.assert_allclose(layer.my_var.numpy(), data["my_var"])
    np.testing.assert_allclose(model.predict(data["x"], verbose=0), data["y"], rtol=1e-5, atol=1e-6)


def test_hooks_called_on_save_and_load_as_keras(tmp_path):
    inputs = keras.Input((3,), name="x")
    layer = LayerWithCustomSaving(vocab="Mary had a <unk> lamb.", name="custom")
    model = keras.Model(inputs, layer(inputs), name="guide")
    layer.my_var.assign(np.array([4.0], "float32"))
    loaded, path = save_and_load(model, tmp_path)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    keras_names = zipfile.ZipFile(FIXTURES / "guide_custom_saving.keras").namelist()
    assert sorted(names) == sorted(keras_names)
    # Under the class's name in `layers/`, as Keras names the paths of a model's layers.
    assert "assets/layers/layer_with_custom_saving/vocabulary.txt" in names
    rebuilt = loaded.get_layer("custom")
    assert rebuilt.vocab == "Mary had a little lamb."
    np.testing.assert_allclose(rebuilt.my_var.numpy(), [4.0])
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_default_state_hooks_and_store_contents(tmp_path):
    layer = keras.layers.BatchNormalization()
    layer.build((None, 3))
    store = {}
    layer.save_own_variables(store)
    assert sorted(store) == ["0", "1", "2", "3"]
    np.testing.assert_array_equal(store["0"], np.ones(3))  # gamma: trainable first
    fresh = keras.layers.BatchNormalization()
    fresh.build((None, 3))
    store["2"] = np.full(3, 7.0, "float32")
    fresh.load_own_variables(store)
    np.testing.assert_array_equal(fresh.moving_mean.numpy(), np.full(3, 7.0))
    with pytest.raises(ValueError, match="expected 4 variables"):
        fresh.load_own_variables({"0": np.ones(3)})


def test_load_assets_called_with_none_when_object_stored_nothing(tmp_path):
    seen = []

    @keras.saving.register_keras_serializable(package="tests")
    class Reader(keras.layers.Layer):
        def call(self, x):
            return x

        def load_assets(self, dir_path):
            seen.append(dir_path)

    inputs = keras.Input((2,))
    model = keras.Model(inputs, Reader(name="reader")(LayerWithCustomSaving(vocab="v")(inputs)))
    save_and_load(model, tmp_path)
    assert seen == [None]
    # An archive with no assets at all: Keras does not call `load_assets`.
    seen.clear()
    plain = keras.Model(inputs, Reader(name="reader2")(inputs))
    save_and_load(plain, tmp_path, "plain.keras")
    assert seen == []


@pytest.mark.parametrize("member", ["assets/../evil.txt", "assets//abs.txt", "assets/a\\..\\b"])
def test_hostile_asset_names_are_refused(member, tmp_path):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, LayerWithCustomSaving(vocab="v", name="custom")(inputs))
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(member, "x")
    with pytest.raises(FileFormatError, match="outside"):
        keras.models.load_model(path)
    assert not (tmp_path / "evil.txt").exists()
