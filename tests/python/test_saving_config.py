"""Configs: every layer, optimizer, schedule, loss, metric, initializer,
regularizer and constraint survives serialize -> deserialize, in Keras 3's
format; Keras-written configs read back; custom objects register and resolve."""

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

import pykeras as keras
from pykeras import layers
from pykeras.saving import deserialize_keras_object, serialize_keras_object

FIXTURES = Path(__file__).resolve().parent.parent / "reference" / "saving"


def as_json(value):
    return json.loads(json.dumps(value))


def round_trip(obj):
    config = serialize_keras_object(obj)
    json.dumps(config)  # plain JSON
    return config, deserialize_keras_object(json.loads(json.dumps(config)))


LAYERS = [
    layers.Dense(3, activation="relu", kernel_initializer="he_normal", kernel_regularizer="l1"),
    layers.Activation("softmax"),
    layers.Embedding(10, 3, embeddings_initializer=keras.initializers.RandomNormal(0.0, 0.1, 1)),
    layers.Dropout(0.25, seed=3),
    layers.Flatten(),
    layers.Reshape((2, -1)),
    layers.Permute((2, 1)),
    layers.RepeatVector(2),
    layers.UpSampling2D((2, 3)),
    layers.ZeroPadding2D(((1, 2), (0, 1))),
    layers.Conv1D(4, 3, strides=2, padding="same", dilation_rate=1),
    layers.Conv2D(2, (3, 1), padding="same", kernel_constraint=keras.constraints.MaxNorm(3.0)),
    layers.MaxPooling1D(3, strides=2),
    layers.AveragePooling1D(2),
    layers.MaxPooling2D((2, 2)),
    layers.AveragePooling2D(2, padding="same"),
    layers.GlobalAveragePooling1D(),
    layers.GlobalMaxPooling1D(keepdims=True),
    layers.GlobalAveragePooling2D(),
    layers.GlobalMaxPooling2D(),
    layers.BatchNormalization(axis=1, momentum=0.8, center=False),
    layers.LayerNormalization(epsilon=1e-5, scale=False),
    layers.ReLU(max_value=6.0, threshold=0.1),
    layers.LeakyReLU(negative_slope=0.05),
    layers.ELU(alpha=0.3),
    layers.Softmax(axis=1),
    layers.Add(),
    layers.Subtract(),
    layers.Multiply(),
    layers.Average(),
    layers.Maximum(),
    layers.Minimum(),
    layers.Concatenate(axis=1),
    layers.Dot(axes=(1, 1), normalize=True),
    layers.InputLayer(shape=(3, 4), name="in"),
]


@pytest.mark.parametrize("layer", LAYERS, ids=lambda layer: type(layer).__name__)
def test_every_layer_config_round_trips(layer):
    config, restored = round_trip(layer)
    assert config["module"] == "keras.layers"
    assert config["class_name"] == type(layer).__name__
    assert config["registered_name"] is None
    assert type(restored) is type(layer)
    assert as_json(restored.get_config()) == as_json(layer.get_config())


def test_built_layers_carry_a_build_config():
    layer = layers.Dense(2)
    layer(np.ones((1, 5)))
    config, restored = round_trip(layer)
    assert config["build_config"] == {"input_shape": [1, 5]}
    assert restored.built and restored.kernel.shape == (5, 2)
    merge = layers.Add()
    merge([np.ones((1, 3)), np.ones((1, 3))])
    assert serialize_keras_object(merge)["build_config"] == {"input_shape": [[1, 3], [1, 3]]}


OPTIMIZERS = [
    keras.optimizers.SGD(0.1, momentum=0.5, nesterov=True, clipnorm=1.0),
    keras.optimizers.Adam(learning_rate=keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)),
    keras.optimizers.AdamW(weight_decay=0.01, amsgrad=True),
    keras.optimizers.RMSprop(rho=0.8, centered=True),
    keras.optimizers.Adagrad(initial_accumulator_value=0.2),
    keras.optimizers.Adadelta(rho=0.9),
    keras.optimizers.Adamax(beta_1=0.8),
    keras.optimizers.Nadam(),
    keras.optimizers.Lion(beta_2=0.9),
    keras.optimizers.SGD(
        learning_rate=keras.optimizers.schedules.PiecewiseConstantDecay([5], [0.1, 0.01])
    ),
    keras.optimizers.SGD(learning_rate=keras.optimizers.schedules.CosineDecay(0.1, 100)),
    keras.optimizers.SGD(learning_rate=keras.optimizers.schedules.InverseTimeDecay(0.1, 5, 0.5)),
]


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: type(o).__name__)
def test_every_optimizer_config_round_trips(optimizer):
    config, restored = round_trip(optimizer)
    assert config["module"] == "keras.optimizers"
    assert type(restored) is type(optimizer)
    assert restored.get_config() == optimizer.get_config()


OBJECTS = [
    keras.losses.MeanSquaredError(),
    keras.losses.Huber(delta=2.0, reduction="sum"),
    keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
    keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    keras.losses.BinaryCrossentropy(),
    keras.metrics.Mean(name="m"),
    keras.metrics.AUC(num_thresholds=50),
    keras.metrics.Precision(thresholds=0.3),
    keras.metrics.SparseTopKCategoricalAccuracy(k=3),
    keras.metrics.RootMeanSquaredError(),
    keras.initializers.GlorotUniform(seed=4),
    keras.initializers.VarianceScaling(scale=2.0, mode="fan_out", distribution="uniform"),
    keras.initializers.Constant(0.5),
    keras.initializers.Orthogonal(gain=2.0),
    keras.regularizers.L1L2(l1=0.1, l2=0.2),
    keras.regularizers.L2(0.3),
    keras.constraints.MinMaxNorm(0.5, 2.0),
    keras.constraints.UnitNorm(axis=1),
    keras.constraints.NonNeg(),
]


@pytest.mark.parametrize("obj", OBJECTS, ids=lambda o: type(o).__name__)
def test_losses_metrics_initializers_regularizers_constraints_round_trip(obj):
    config, restored = round_trip(obj)
    assert config["module"].startswith("keras.")
    assert type(restored) is type(obj)
    assert restored.get_config() == obj.get_config()


def test_functions_serialize_by_reference():
    for fn in (
        keras.activations.gelu,
        keras.losses.mean_squared_error,
        keras.metrics.binary_accuracy,
    ):
        config, restored = round_trip(fn)
        # Keras 3's own form for its built-in functions.
        assert config == {
            "module": "builtins",
            "class_name": "function",
            "config": fn.__name__,
            "registered_name": "function",
        }
        assert restored is fn
    # Keras 3 also accepts its public module paths.
    ref = {"module": "keras.activations", "class_name": "function", "config": "relu"}
    assert deserialize_keras_object(ref) is keras.activations.relu


def test_plain_values_round_trip():
    value = {"a": [1, 2.5, None, True], "b": np.arange(3.0), "c": b"bytes", "d": slice(1, 5)}
    _, restored = round_trip(value)
    np.testing.assert_array_equal(restored["b"], np.arange(3.0))
    assert restored["c"] == b"bytes" and restored["d"] == slice(1, 5)
    assert restored["a"] == [1, 2.5, None, True]


def test_keras_written_layer_configs_load():
    """Every layer entry of Keras 3's own archives builds the pykeras layer (with
    DTypePolicy dicts, `quantization_config`, `renorm`, `optional` and friends)."""
    seen = set()
    for name in ("image.keras", "sequence.keras", "sequential.keras"):
        config = json.loads(zipfile.ZipFile(FIXTURES / name).read("config.json"))
        for entry in config["config"]["layers"]:
            layer = deserialize_keras_object(entry)
            assert type(layer).__name__ == entry["class_name"]
            seen.add(entry["class_name"])
    assert len(seen) >= 30


def test_keras_features_pykeras_lacks_are_refused():
    config = serialize_keras_object(layers.BatchNormalization())
    config["config"].update(renorm=True, renorm_clipping=None, renorm_momentum=0.9)
    with pytest.raises(ValueError, match="renorm=True"):
        deserialize_keras_object(config)
    dense = serialize_keras_object(layers.Dense(2))
    dense["config"]["dtype"] = {
        "module": "keras",
        "class_name": "QuantizedDTypePolicy",
        "config": {"name": "int8_from_float32"},
    }
    with pytest.raises(ValueError, match="quantized"):
        deserialize_keras_object(dense)


def test_keras2_module_paths_and_class_names_resolve():
    inputs = keras.Input((3,), name="x")
    model = keras.Model(inputs, layers.Dense(2, name="d")(inputs))
    config = serialize_keras_object(model)
    for module, class_name in [
        ("keras.engine.functional", "Functional"),
        ("keras.src.engine.functional", "Functional"),
        ("keras.engine.training", "Model"),
        ("keras.models", "Model"),
        ("tensorflow.python.keras.engine.functional", "Functional"),
        (None, "Functional"),
        (None, "Model"),
    ]:
        edited = dict(config, module=module, class_name=class_name, registered_name=None)
        restored = deserialize_keras_object(json.loads(json.dumps(edited)))
        assert type(restored).__name__ == "Functional"
        assert [layer.name for layer in restored.layers] == ["x", "d"]


def test_layers_in_keras_order():
    """`model.layers` follows Keras's depth order, not creation order."""
    inputs = keras.Input((2,), name="in")
    late = layers.Dense(2, name="created_first")
    early = layers.Dense(2, name="created_second")
    deep = layers.Dense(2, name="deep")(early(inputs))
    out = layers.Add(name="add")([late(inputs), deep])
    model = keras.Model(inputs, out)
    assert [layer.name for layer in model.layers] == [
        "in",
        "created_second",
        "created_first",
        "deep",
        "add",
    ]


# --------------------------------------------------------- registration


def test_register_keras_serializable():
    @keras.saving.register_keras_serializable(package="my_package", name="Twice")
    def twice(x):
        return x * 2

    @keras.saving.register_keras_serializable("my_package")
    class Halve(layers.Layer):
        def call(self, x):
            return x * 0.5

    assert keras.saving.get_registered_name(twice) == "my_package>Twice"
    assert keras.saving.get_registered_object("my_package>Halve") is Halve
    assert keras.saving.get_custom_objects()["my_package>Twice"] is twice
    config, restored = round_trip(twice)
    assert config["config"] == "my_package>Twice" and restored is twice
    config, restored = round_trip(Halve(name="h"))
    assert config["registered_name"] == "my_package>Halve" and isinstance(restored, Halve)
    dense = layers.Dense(2, activation=twice)
    assert round_trip(dense)[1].activation is twice
    with pytest.raises(ValueError, match="get_config"):
        keras.saving.register_keras_serializable()(type("NoConfig", (), {}))


def test_custom_object_scopes_nest():
    class A(layers.Layer):
        pass

    class B(layers.Layer):
        pass

    with keras.saving.custom_object_scope({"A": A}):
        with keras.saving.CustomObjectScope({"B": B}):
            assert keras.saving.get_registered_object("A") is A
            assert keras.saving.get_registered_object("B") is B
        assert keras.saving.get_registered_object("B") is None
    assert keras.saving.get_registered_object("A") is None


def test_keras_written_object_configs_load():
    """Keras 3's configs of every optimizer, schedule, loss, metric, initializer,
    regularizer, constraint and function family build the pykeras object."""
    configs = json.loads((FIXTURES / "keras_objects.json").read_text())
    for config in configs:
        obj = deserialize_keras_object(config)
        if config["class_name"] == "function":
            assert obj.__name__ == config["config"]
            continue
        assert type(obj).__name__ == config["class_name"]
        expected = {
            k: v for k, v in config["config"].items() if k not in ("input_axes", "output_axes")
        }
        ours = as_json(serialize_keras_object(obj)["config"])
        for key, value in expected.items():
            if isinstance(value, dict):  # a schedule: compared by its own config
                assert ours[key]["config"] == value["config"], (config["class_name"], key)
            else:
                assert ours[key] == pytest.approx(value), (config["class_name"], key)
