"""A Keras 3 model that applies many `keras.ops` functions to symbolic tensors
(recorded by tests/reference/make_ops_model_fixture.py) loads in pykeras, which
finds each op class's function by name, and computes what Keras computed; saved
again by pykeras, it still does."""

import pathlib

import numpy as np

import pykeras as keras

SAVING = pathlib.Path(__file__).resolve().parents[1] / "reference" / "saving"


def test_a_keras_model_of_many_ops_loads_and_predicts_as_keras():
    expected = np.load(SAVING / "ops_wide_expected.npz")
    model = keras.models.load_model(SAVING / "ops_wide.keras")
    got = model.predict(expected["x"], verbose=0)
    np.testing.assert_allclose(got, expected["y"], rtol=1e-5, atol=1e-5)


def test_it_round_trips_through_pykeras(tmp_path):
    expected = np.load(SAVING / "ops_wide_expected.npz")
    model = keras.models.load_model(SAVING / "ops_wide.keras")
    model.save(tmp_path / "again.keras")
    again = keras.models.load_model(tmp_path / "again.keras")
    np.testing.assert_allclose(
        again.predict(expected["x"], verbose=0), expected["y"], rtol=1e-5, atol=1e-5
    )
