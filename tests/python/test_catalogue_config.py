"""pykeras.config and pykeras.backend: Keras 3's settings, getters and dtype rules.

Defaults and `result_type` come from tests/reference/make_catalogue_reference.py
(Keras 3 on JAX).
"""

import json
import logging
import os

import numpy as np
import pytest

import pykeras as keras
from pykeras import backend, config

DATA = os.path.join(os.path.dirname(__file__), "..", "reference", "data")
with open(os.path.join(DATA, "catalogue.json")) as f:
    REF = json.load(f)


def test_defaults_match_keras():
    expected = REF["config_defaults"]
    assert config.floatx() == expected["floatx"]
    assert config.epsilon() == expected["epsilon"]
    assert config.image_data_format() == expected["image_data_format"]
    assert config.max_epochs() == expected["max_epochs"]
    assert config.max_steps_per_epoch() == expected["max_steps_per_epoch"]
    assert config.is_interactive_logging_enabled() == expected["is_interactive_logging_enabled"]
    assert backend.floatx() == config.floatx() and backend.epsilon() == config.epsilon()


@pytest.mark.parametrize("pair", sorted(REF["result_type"]))
def test_result_type_matches_keras(pair):
    a, b = pair.split(",")
    py = {"int": int, "float": float}
    expected = REF["result_type"][pair]
    if expected.startswith("error"):
        with pytest.raises(ValueError):
            backend.result_type(py.get(a, a), py.get(b, b))
    else:
        assert backend.result_type(py.get(a, a), py.get(b, b)) == expected


def test_dtype_helpers():
    assert backend.standardize_dtype(None) == "float32"
    assert backend.standardize_dtype(np.float64) == "float64"
    assert backend.standardize_dtype(np.dtype("int8")) == "int8"
    assert backend.standardize_dtype(float) == "float32"
    assert backend.is_float_dtype("bfloat16") and not backend.is_float_dtype("int32")
    assert backend.is_int_dtype("uint8") and not backend.is_int_dtype("bool")
    with pytest.raises(ValueError, match="Invalid dtype"):
        backend.standardize_dtype("float99")
    assert backend.result_type() == "float32"


def test_epsilon_and_image_data_format_setters_round_trip():
    try:
        config.set_epsilon(1e-5)
        assert backend.epsilon() == 1e-5
        backend.set_image_data_format("channels_first")
        assert config.image_data_format() == "channels_first"
        with pytest.raises(ValueError, match="channels"):
            config.set_image_data_format("channels_middle")
    finally:
        config.set_epsilon(1e-7)
        config.set_image_data_format("channels_last")


def test_set_floatx_refuses_what_pykeras_cannot_compute():
    config.set_floatx("float32")
    for name in ("float16", "bfloat16"):
        with pytest.raises(ValueError, match="float32 or float64"):
            config.set_floatx(name)
    with pytest.raises(ValueError, match="Unknown"):
        config.set_floatx("float8")
    assert config.floatx() == "float32"


def test_backend_is_pykeras_and_cannot_switch():
    assert config.backend() == backend.backend() == "pykeras"
    config.set_backend("pykeras")
    with pytest.raises(ValueError, match="jax"):
        config.set_backend("jax")
    assert config.is_nnx_enabled() is False


def test_flash_attention_flag():
    assert config.is_flash_attention_enabled() is None
    try:
        config.enable_flash_attention()
        assert config.is_flash_attention_enabled() is True
        config.disable_flash_attention()
        assert config.is_flash_attention_enabled() is False
    finally:
        config._FLASH_ATTENTION = None


def _fit(epochs, steps_per_epoch=None):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((40, 3), np.float32)
    history = model.fit(
        x, x[:, :1], batch_size=4, epochs=epochs, steps_per_epoch=steps_per_epoch, verbose=0
    )
    return model, history


def test_max_epochs_and_steps_cap_fit():
    try:
        config.set_max_epochs(2)
        config.set_max_steps_per_epoch(3)
        model, history = _fit(epochs=5)
        assert len(history.history["loss"]) == 2
        assert int(model.optimizer.iterations) == 6
    finally:
        config.set_max_epochs(None)
        config.set_max_steps_per_epoch(None)
    model, history = _fit(epochs=3)
    assert len(history.history["loss"]) == 3 and int(model.optimizer.iterations) == 30
    with pytest.raises(ValueError, match="max_epochs"):
        config.set_max_epochs(0)


def test_interactive_logging_routes_progress_to_logging(capsys, caplog):
    try:
        config.disable_interactive_logging()
        assert keras.utils.is_interactive_logging_enabled() is False
        with caplog.at_level(logging.INFO, logger="pykeras"):
            bar = keras.utils.Progbar(3, verbose=1)
            for i in range(3):
                bar.update(i + 1)
        assert capsys.readouterr().out == ""
        assert "3/3" in caplog.text
    finally:
        keras.utils.enable_interactive_logging()
    bar = keras.utils.Progbar(2, verbose=1)
    bar.update(2)
    assert "2/2" in capsys.readouterr().out


def test_enable_unsafe_deserialization_allows_lambdas_outside_scopes():
    from pykeras.saving import serialization_lib

    model = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda t: t * 2.0)])
    blob = keras.saving.serialize_keras_object(model)
    with pytest.raises(ValueError):
        keras.saving.deserialize_keras_object(blob)
    try:
        config.enable_unsafe_deserialization()
        again = keras.saving.deserialize_keras_object(blob)
        np.testing.assert_allclose(again(np.ones((1, 2), np.float32)), [[2.0, 2.0]])
        # An explicit scope still wins.
        with keras.saving.SafeModeScope(True), pytest.raises(ValueError):
            keras.saving.deserialize_keras_object(blob)
    finally:
        serialization_lib.set_global_safe_mode(None)


def test_get_uid_and_clear_session():
    first = backend.get_uid("catalogue_prefix")
    assert backend.get_uid("catalogue_prefix") == first + 1
    keras.utils.clear_session()
    assert backend.get_uid("catalogue_prefix") == 1
    a = keras.layers.Dense(1)
    backend.clear_session(free_memory=False)
    b = keras.layers.Dense(1)
    assert a.name == b.name == "dense"


def test_is_keras_tensor():
    assert backend.is_keras_tensor(keras.Input((2,)))
    assert not backend.is_keras_tensor(np.ones(2))
