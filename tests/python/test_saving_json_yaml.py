"""Architectures as JSON and YAML: Keras 3's form out, Keras 3 and tf.keras 2 forms in."""

import json

import numpy as np
import pytest
import yaml

import pykeras as keras
from pykeras import layers


def functional():
    inputs = keras.Input((4,), name="x")
    x = layers.Dense(3, activation="relu", name="d1")(inputs)
    x = layers.Dropout(0.2, name="drop")(x)
    return keras.Model(inputs, layers.Dense(1, name="d2")(x), name="net")


def test_to_json_is_keras3s_serialized_form():
    config = json.loads(functional().to_json())
    assert config["module"] == "keras.src.models.functional"
    assert config["class_name"] == "Functional"
    assert config["registered_name"] == "Functional"
    inner = config["config"]
    assert inner["input_layers"] == ["x", 0, 0] and inner["output_layers"] == ["d2", 0, 0]
    node = inner["layers"][1]["inbound_nodes"][0]
    assert node["args"][0]["class_name"] == "__keras_tensor__"
    assert node["args"][0]["config"]["keras_history"] == ["x", 0, 0]
    assert node["args"][0]["config"]["shape"] == [None, 4]


def test_json_and_yaml_round_trip():
    model = functional()
    for text, load in (
        (model.to_json(indent=2), keras.models.model_from_json),
        (model.to_yaml(), keras.models.model_from_yaml),
    ):
        clone = load(text)
        assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
        clone.set_weights(model.get_weights())
        x = np.ones((2, 4))
        np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))


def test_to_yaml_output_is_plain_yaml():
    text = keras.Sequential([keras.Input((2,)), layers.Dense(1)]).to_yaml()
    assert "!!python" not in text
    assert yaml.safe_load(text)["class_name"] == "Sequential"


def test_compiled_json_recompiles():
    model = functional()
    model.compile(optimizer=keras.optimizers.SGD(0.3), loss="mae", metrics=["mse"])
    clone = keras.models.model_from_json(model.to_json())
    assert clone.compiled and clone.optimizer.get_config()["learning_rate"] == pytest.approx(0.3)


def test_keras2_json_with_model_class_and_list_nodes():
    """A tf.keras 2.3-era `to_json()`: class "Model", no modules, list-form nodes."""
    text = json.dumps(
        {
            "class_name": "Model",
            "config": {
                "name": "model_1",
                "layers": [
                    {
                        "class_name": "InputLayer",
                        "config": {"batch_input_shape": [None, 3], "dtype": "float32",
                                   "sparse": False, "ragged": False, "name": "input_1"},
                        "name": "input_1",
                        "inbound_nodes": [],
                    },
                    {
                        "class_name": "Dense",
                        "config": {"name": "dense", "trainable": True, "dtype": "float32",
                                   "units": 2, "activation": "linear", "use_bias": True},
                        "name": "dense",
                        "inbound_nodes": [[["input_1", 0, 0, {}]]],
                    },
                    {
                        "class_name": "Dense",
                        "config": {"name": "dense_1", "trainable": True, "dtype": "float32",
                                   "units": 2, "activation": "softmax"},
                        "name": "dense_1",
                        "inbound_nodes": [[["dense", 0, 0, {}]]],
                    },
                    {
                        "class_name": "Add",
                        "config": {"name": "add", "trainable": True, "dtype": "float32"},
                        "name": "add",
                        "inbound_nodes": [[["dense", 0, 0, {}], ["dense_1", 0, 0, {}]]],
                    },
                ],
                "input_layers": [["input_1", 0, 0]],
                "output_layers": [["add", 0, 0]],
            },
            "keras_version": "2.3.0",
            "backend": "tensorflow",
        }
    )  # fmt: skip
    model = keras.models.model_from_json(text)
    assert [layer.name for layer in model.layers] == ["input_1", "dense", "dense_1", "add"]
    assert model.predict(np.ones((1, 3)), verbose=0).shape == (1, 2)


def test_keras2_yaml_python_tuple_tag_reads_as_list():
    text = (
        "class_name: Sequential\n"
        "config:\n"
        "  name: seq\n"
        "  layers:\n"
        "  - class_name: Dense\n"
        "    config:\n"
        "      name: d\n"
        "      units: 2\n"
        "      batch_input_shape: !!python/tuple [null, 5]\n"
    )
    model = keras.models.model_from_yaml(text)
    assert model.input_shape == (None, 5)


def test_bad_json_and_configs():
    with pytest.raises(ValueError, match="not valid JSON"):
        keras.models.model_from_json("{oops")
    with pytest.raises(ValueError, match="class_name"):
        keras.models.model_from_json('{"name": "x"}')
    with pytest.raises(TypeError, match="dict"):
        keras.saving.model_from_config([1, 2])
    with pytest.raises(ValueError, match="unknown layer 'ghost'"):
        keras.models.model_from_json(
            json.dumps(
                {
                    "class_name": "Functional",
                    "config": {
                        "layers": [],
                        "input_layers": [["ghost", 0, 0]],
                        "output_layers": [["ghost", 0, 0]],
                    },
                }
            )
        )
