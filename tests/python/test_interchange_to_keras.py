"""pykeras -> Keras 3 (issues 16 point 5 and 17 point 4): files pykeras writes
with the sequence and attention layers load in Keras 3.

The fixtures in tests/reference/saving/interchange/ were written by pykeras
and read by Keras 3.15 (JAX) in tests/reference/make_interchange_reference.py,
which recorded Keras's predictions from them. Without Keras, these tests
check that pykeras reads the same files with Keras's predictions, and that
current pykeras still writes the same archives (config, weight paths, shapes
and values), so that a change in what pykeras writes, which Keras might no
longer read, fails here until the fixtures are re-recorded with Keras.
"""

import io
import json
import pathlib
import sys
import zipfile

import h5py
import numpy as np
import pytest

import pykeras as keras

REFERENCE = pathlib.Path(__file__).resolve().parents[1] / "reference"
FIXTURES = REFERENCE / "saving" / "interchange"
sys.path.insert(0, str(REFERENCE))
import interchange_models as im  # noqa: E402

im.define(keras)  # registers the custom layers the transformer's file names

NAMES = sorted(im.BUILDERS)
# The attention model keeps Keras's deprecated LayerNormalization(rms_scaling=True).
pytestmark = pytest.mark.filterwarnings("ignore:You passed `rms_scaling=True`:UserWarning")
TOLERANCE = 2e-5
RERECORD = (
    "pykeras now writes {name} differently from the file Keras 3 read; if the change "
    "is intended, re-run tests/reference/make_interchange_reference.py (it has Keras 3 "
    "load the new files) and commit the new fixtures"
)
# Values that change from one save to the next, not the file's meaning.
VOLATILE = {"date_saved", "keras_version", "pykeras_version", "shared_object_id"}


def recorded(name):
    data = np.load(FIXTURES / f"{name}.npz")
    xs = [data[f"x{i}"] for i in range(len([k for k in data.files if k.startswith("x")]))]
    return (xs[0] if len(xs) == 1 else xs), data


def assert_predicts(model, name, kind):
    x, data = recorded(name)
    ys = model.predict(x, verbose=0)
    ys = list(ys) if isinstance(ys, (list, tuple)) else [ys]
    expected = [data[k] for k in sorted(data.files) if k.startswith(f"{kind}_y")]
    assert len(ys) == len(expected)
    for i, (y, e) in enumerate(zip(ys, expected)):
        assert y.shape == e.shape, (name, i)
        np.testing.assert_allclose(y, e, rtol=0, atol=TOLERANCE, err_msg=f"{name} output {i}")


def build(name):
    keras.utils.set_random_seed(0)
    model = im.BUILDERS[name](keras)
    im.set_weights(model)
    im.train_one_step(model, name)
    return model


def h5_arrays(source):
    """`{dataset path: array}` of an HDF5 file given by path or bytes."""
    f = h5py.File(io.BytesIO(source) if isinstance(source, bytes) else source, "r")
    arrays = {}
    f.visititems(lambda n, o: arrays.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
    f.close()
    return arrays


def stable(value):
    """`value` without the keys whose values change from one save to the next."""
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value


def assert_same_weights(ours, theirs, name, compare_values):
    message = RERECORD.format(name=name)
    assert {k: np.shape(v) for k, v in ours.items()} == {
        k: np.shape(v) for k, v in theirs.items()
    }, message
    if compare_values:
        # Paths and shapes alone would miss two same-shaped weights changing places.
        for path, value in theirs.items():
            np.testing.assert_allclose(ours[path], value, atol=1e-6, err_msg=f"{path}: {message}")


@pytest.mark.parametrize("name", NAMES)
def test_pykeras_reads_its_files_as_keras_did(name):
    model = keras.models.load_model(FIXTURES / f"{name}.keras")
    assert_predicts(model, name, "keras_model")
    _, data = recorded(name)
    if "keras_model_iterations" in data.files:
        # The optimizer's state came back in both libraries.
        assert int(model.optimizer.iterations) == int(data["keras_model_iterations"])
        assert len(model.optimizer.variables) == int(data["keras_model_optimizer_variables"])


@pytest.mark.parametrize("name", NAMES)
def test_pykeras_reads_its_weights_files_as_keras_did(name):
    model = im.BUILDERS[name](keras)
    if getattr(model, "optimizer", None) is not None:
        model.optimizer.build(model.trainable_variables)
    model.load_weights(FIXTURES / f"{name}.weights.h5")
    assert_predicts(model, name, "keras_weights")


@pytest.mark.parametrize("name", NAMES)
def test_current_pykeras_writes_the_archive_keras_read(name, tmp_path):
    model = build(name)
    model.save(tmp_path / "m.keras")
    message = RERECORD.format(name=name)
    with (
        zipfile.ZipFile(tmp_path / "m.keras") as ours,
        zipfile.ZipFile(FIXTURES / f"{name}.keras") as theirs,
    ):
        assert sorted(ours.namelist()) == sorted(theirs.namelist()), message
        for member in ("config.json", "metadata.json"):
            assert stable(json.loads(ours.read(member))) == stable(
                json.loads(theirs.read(member))
            ), f"{member}: {message}"
        # A trained model's values depend on pykeras's training numerics: layout only.
        trained = getattr(model, "optimizer", None) is not None
        assert_same_weights(
            h5_arrays(ours.read("model.weights.h5")),
            h5_arrays(theirs.read("model.weights.h5")),
            name,
            compare_values=not trained,
        )


@pytest.mark.parametrize("name", NAMES)
def test_current_pykeras_writes_the_weights_file_keras_read(name, tmp_path):
    model = build(name)
    model.save_weights(tmp_path / "m.weights.h5")
    assert_same_weights(
        h5_arrays(tmp_path / "m.weights.h5"),
        h5_arrays(FIXTURES / f"{name}.weights.h5"),
        name,
        compare_values=getattr(model, "optimizer", None) is None,
    )


def test_fixtures_were_written_by_pykeras_and_read_by_keras():
    versions = json.loads((FIXTURES / "versions.json").read_text())
    assert versions["keras"].startswith("3.") and versions["backend"] == "jax"
    for name in NAMES:
        with zipfile.ZipFile(FIXTURES / f"{name}.keras") as archive:
            assert "pykeras_version" in json.loads(archive.read("metadata.json"))
