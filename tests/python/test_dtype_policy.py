"""Dtype policies: Keras 3's float32 policy, and every other policy refused clearly.

(`mixed_bfloat16`, the other policy pykeras honours, is tested in
test_mixed_bfloat16.py.)

Keras's behaviour for the float32 policy is recorded by
tests/reference/make_dtype_policy_reference.py (data/dtype_policy.json, and
data/mixed_float16_mlp.keras, a model saved under "mixed_float16").
"""

import json
import pathlib
import warnings

import numpy as np
import pytest

import pykeras as keras
from pykeras import dtype_policies

DATA = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data"
with open(DATA / "dtype_policy.json", encoding="utf-8") as _f:
    REF = json.load(_f)

UNSUPPORTED = ["mixed_float16", "float16", "bfloat16"]


@pytest.fixture(autouse=True)
def _restore_global_policy():
    yield
    keras.config.set_dtype_policy("float32")


def describe(policy):
    return {
        "repr": repr(policy),
        "name": policy.name,
        "compute_dtype": policy.compute_dtype,
        "variable_dtype": policy.variable_dtype,
        "quantization_mode": policy.quantization_mode,
        "get_config": policy.get_config(),
        "serialize": dtype_policies.serialize(policy),
        "serialize_keras_object": keras.saving.serialize_keras_object(policy),
    }


@pytest.mark.parametrize("class_name", ["DTypePolicy", "FloatDTypePolicy"])
def test_float32_policy_matches_keras(class_name):
    cls = getattr(keras, class_name)
    assert cls is getattr(dtype_policies, class_name)
    assert describe(cls("float32")) == REF["policies"][class_name]


def test_equality_and_aliases_match_keras():
    same = keras.FloatDTypePolicy("float32") == keras.DTypePolicy("float32")
    assert same == REF["float_equals_dtype_policy"]
    assert keras.DTypePolicy("float32") != "float32"
    assert keras.mixed_precision.Policy is keras.DTypePolicy
    assert keras.mixed_precision.DTypePolicy is keras.DTypePolicy
    assert keras.mixed_precision.LossScaleOptimizer is keras.optimizers.LossScaleOptimizer


def test_get_matches_keras():
    got = {
        "name": repr(dtype_policies.get("float32")),
        "dict": repr(
            dtype_policies.get({"class_name": "DTypePolicy", "config": {"name": "float32"}})
        ),
        "numpy_dtype": repr(dtype_policies.get(np.float32)),
        "none": repr(dtype_policies.get(None)),
    }
    assert got == REF["get"]
    policy = keras.DTypePolicy("float32")
    assert dtype_policies.get(policy) is policy


@pytest.mark.parametrize("class_name", ["DTypePolicy", "FloatDTypePolicy"])
def test_config_and_serialization_round_trip(class_name):
    policy = getattr(keras, class_name)("float32")
    again = type(policy).from_config(policy.get_config())
    assert type(again) is type(policy) and again == policy
    restored = dtype_policies.deserialize(dtype_policies.serialize(policy))
    assert type(restored) is type(policy) and restored == policy
    # Keras 2's class name reads as the same policy.
    legacy = dtype_policies.deserialize({"class_name": "Policy", "config": {"name": "float32"}})
    assert legacy == policy


def test_deserialize_uses_custom_objects_and_refuses_unknown_classes():
    class MyPolicy(keras.DTypePolicy):
        pass

    config = dtype_policies.serialize(MyPolicy("float32"))
    assert config["registered_name"] == "MyPolicy"
    assert type(dtype_policies.deserialize(config, {"MyPolicy": MyPolicy})) is MyPolicy
    with pytest.raises(ValueError, match="Unknown dtype policy class 'Nope'"):
        dtype_policies.deserialize({"class_name": "Nope", "config": {"name": "float32"}})
    with pytest.raises(ValueError, match="expected a dict"):
        dtype_policies.deserialize("float32")
    with pytest.raises(ValueError, match="expected a DTypePolicy"):
        dtype_policies.serialize("float32")


def test_global_policy_matches_keras_and_round_trips():
    assert repr(keras.config.dtype_policy()) == REF["global_policy"]
    assert repr(keras.mixed_precision.global_policy()) == REF["mixed_precision_global_policy"]
    policy = keras.FloatDTypePolicy("float32")
    keras.config.set_dtype_policy(policy)
    assert keras.config.dtype_policy() is policy
    assert keras.mixed_precision.dtype_policy() is policy
    keras.mixed_precision.set_global_policy("float32")
    assert keras.mixed_precision.global_policy() == keras.DTypePolicy("float32")
    assert keras.DTypePolicy().name == "float32"  # None takes the global policy
    with pytest.raises(ValueError, match="Invalid `policy` argument"):
        keras.config.set_dtype_policy(3)


@pytest.mark.parametrize("name", UNSUPPORTED)
def test_other_float_policies_raise_naming_the_request(name):
    pattern = rf"'{name}'.*computes in float32 or float64, or in bfloat16 with float32 variables"
    with pytest.raises(ValueError, match=pattern):
        keras.DTypePolicy(name)
    with pytest.raises(ValueError, match=pattern):
        keras.config.set_dtype_policy(name)
    with pytest.raises(ValueError, match=pattern):
        keras.mixed_precision.set_global_policy(name)
    with pytest.raises(ValueError, match=rf"Layer 'dense_req'.*{pattern}"):
        keras.layers.Dense(2, dtype=name, name="dense_req")
    with pytest.raises(ValueError, match=pattern):
        keras.layers.Dense(2, dtype={"class_name": "DTypePolicy", "config": {"name": name}})
    # Nothing was set behind the user's back.
    assert keras.config.dtype_policy().name == "float32"


def test_mixed_message_says_what_was_asked():
    with pytest.raises(ValueError, match="float16 computation with float32 variables"):
        keras.DTypePolicy("mixed_float16")
    with pytest.raises(ValueError, match="bfloat16 computation and variables"):
        keras.DTypePolicy("bfloat16")
    with pytest.raises(ValueError, match="quantized weights"):
        keras.DTypePolicy("int8_from_float32")


def test_bad_names_and_types_raise_as_keras():
    with pytest.raises(TypeError, match="'name' must be a string"):
        keras.DTypePolicy(3)
    with pytest.raises(ValueError, match="Cannot convert 'foo' to a DTypePolicy"):
        keras.DTypePolicy("foo")
    with pytest.raises(ValueError, match="Cannot interpret `dtype` argument"):
        dtype_policies.get(object())
    with pytest.raises(ValueError, match="float16"):
        dtype_policies.get(np.float16)


@pytest.mark.parametrize(
    "dtype",
    [
        None,
        "float32",
        np.float32,
        keras.DTypePolicy("float32"),
        keras.FloatDTypePolicy("float32"),
        REF["dense_config_dtype"],
    ],
)
def test_layers_take_the_float32_policy_in_every_form(dtype):
    layer = keras.layers.Dense(2, dtype=dtype)
    assert layer.dtype == "float32"
    assert layer.dtype_policy == keras.DTypePolicy("float32")
    assert layer.compute_dtype == layer.variable_dtype == "float32"
    out = layer(np.ones((1, 3), "float32"))
    assert np.asarray(out).dtype == np.float32


def test_layer_configs_carrying_keras_policy_dicts_load():
    config = keras.layers.Dense(2).get_config()
    config["dtype"] = REF["dense_config_dtype"]
    layer = keras.layers.Dense.from_config(config)
    assert layer.dtype_policy.name == "float32"
    restored = keras.layers.deserialize(
        {"module": "keras.layers", "class_name": "Dense", "config": config}
    )
    assert restored.dtype_policy.name == "float32"


def test_keras_model_saved_under_mixed_float16_loads_in_float32_with_a_warning():
    saved = REF["mixed_float16_model"]
    assert all(d["config"]["name"] == "mixed_float16" for d in saved["layer_dtypes"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = keras.saving.load_model(DATA / "mixed_float16_mlp.keras")
    messages = [str(w.message) for w in caught]
    assert any("'mixed_float16'" in m and "loads computing in float32" in m for m in messages), (
        messages
    )
    assert all(layer.dtype_policy.name == "float32" for layer in model.layers)
    x = np.asarray(saved["x"], "float32")
    y = np.asarray(model.predict(x, verbose=0))
    # Computed in float32 from the saved (float32) weights.
    w1, b1, w2, b2 = (np.asarray(w) for w in model.get_weights())
    expected = np.maximum(x @ w1 + b1, 0.0) @ w2 + b2
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)
    # Keras computed in float16: the same up to float16 rounding.
    np.testing.assert_allclose(y, saved["y_float16_compute"], rtol=1e-2, atol=5e-3)


@pytest.mark.parametrize("name", ["mixed_float16", "float16"])
def test_other_float_policies_in_saved_configs_load_in_float32(name):
    config = keras.layers.Dense(2).get_config()
    config["dtype"] = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name}}
    with pytest.warns(UserWarning, match=rf"'{name}'.*loads computing in float32"):
        layer = keras.layers.deserialize(
            {"module": "keras.layers", "class_name": "Dense", "config": config}
        )
    assert layer.dtype_policy.name == "float32"


def test_quantized_policies_in_saved_configs_are_refused():
    config = keras.layers.Dense(2).get_config()
    config["dtype"] = {
        "module": "keras",
        "class_name": "QuantizedDTypePolicy",
        "config": {"mode": "int8", "source_name": "float32"},
    }
    with pytest.raises(ValueError, match="quantized"):
        keras.layers.deserialize(
            {"module": "keras.layers", "class_name": "Dense", "config": config}
        )
