"""keras.saving.KerasFileEditor against Keras 3.15's on the same files
(tests/reference/saving/file_editor_model.*, written by Keras in
tests/reference/make_misc_layers_reference.py, whose editor's readings are in
tests/reference/data/misc_layers.json): what it reads, compares and writes."""

import json
import pathlib

import numpy as np
import pytest

import pykeras as keras
from pykeras.saving import KerasFileEditor

REF = pathlib.Path(__file__).resolve().parents[1] / "reference"
KERAS_FILE = REF / "saving" / "file_editor_model.keras"
WEIGHTS_FILE = REF / "saving" / "file_editor_model.weights.h5"


def _record():
    return json.loads((REF / "data" / "misc_layers.json").read_text())["editor"]


def _structure(tree, prefix=""):
    out = {}
    for key, value in tree.items():
        path = f"{prefix}/{key}" if prefix else key
        if isinstance(value, dict):
            out.update(_structure(value, path))
        else:
            out[path] = list(np.shape(value))
    return out


def _model(units=4):
    inp = keras.Input((5,), name="x")
    h = keras.layers.Dense(units, activation="relu", name="dense")(inp)
    h = keras.layers.BatchNormalization(name="bn")(h)
    return keras.Model(inp, keras.layers.Dense(2, name="head")(h), name="editor_model")


@pytest.mark.parametrize("kind, path", [("keras", KERAS_FILE), ("weights", WEIGHTS_FILE)])
def test_reads_what_keras_reads(kind, path, capsys):
    editor = KerasFileEditor(path)
    assert _structure(editor.weights_dict) == _record()[f"{kind}_structure"]
    printed = capsys.readouterr().out
    assert f"Keras model file '{path}'" in printed
    if kind == "keras":
        assert "Saved with Keras 3.15" in printed
        assert editor.config["class_name"] == "Functional"
    else:
        assert editor.config is None and editor.metadata is None
    assert editor.object_metadata["layers/dense_1"] == {"name": "head"}
    editor.summary()
    summary = capsys.readouterr().out
    assert summary.startswith("Weights structure\n")
    assert "dense_1 ('head')" in summary and "0: shape=(5, 4), dtype=float32" in summary


def test_compare_status_as_keras(capsys):
    record = _record()
    editor = KerasFileEditor(KERAS_FILE)
    model = _model()
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.zeros((8, 5)), np.zeros((8, 2)), epochs=1, verbose=0)
    same = editor.compare(model)
    assert same["status"] == record["compare_same"]["status"] == "success"
    # Keras 3.15 adds its nested running totals twice (50 for these 22 weights);
    # these are the true counts.
    assert same == {"status": "success", "error_count": 0, "match_count": 22}
    other = editor.compare(_model(units=6))
    assert other["status"] == record["compare_other"]["status"] == "error"
    # 7 shapes differ, and the optimizer's state is missing from the new model.
    assert other["error_count"] == 8 and other["match_count"] == 1
    printed = capsys.readouterr().out
    assert "Weight shape mismatch for /layers/dense/0" in printed
    assert "Object /optimizer present in saved file, missing from reference model" in printed


def test_edits_and_save_as_keras(tmp_path):
    editor = KerasFileEditor(KERAS_FILE)
    editor.rename_object("layers/dense_1", "output_head")
    editor.delete_weight("layers/batch_normalization", "3")
    editor.add_weights("layers/dense", {"2": np.ones((3,), np.float32)})
    editor.add_object("layers/extra", {"0": np.arange(6, dtype=np.float32).reshape(2, 3)})
    editor.delete_object("optimizer")
    out = tmp_path / "edited.weights.h5"
    editor.save(out)
    assert _structure(KerasFileEditor(out).weights_dict) == _record()["edited_structure"]
    # Order among siblings is kept by a rename.
    assert list(editor.weights_dict["layers"]) == [
        "batch_normalization", "dense", "output_head", "extra",
    ]  # fmt: skip


def test_resaved_file_loads_into_the_model(tmp_path):
    record = _record()
    editor = KerasFileEditor(WEIGHTS_FILE)
    editor.rename_object("dense_1", "head_tmp")  # unique names work as paths do
    editor.rename_object("head_tmp", "dense_1")
    out = tmp_path / "resaved.weights.h5"
    editor.resave_weights(out)
    model = _model()
    model.load_weights(out)
    x = np.asarray(record["predict_input"], np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), record["predict_output"], atol=2e-5)


def test_nested_objects_are_kept(tmp_path):
    """A wrapper's own variables and its wrapped layer's both survive a resave."""
    model = keras.Sequential([
        keras.Input((4,)), keras.layers.SpectralNormalization(keras.layers.Dense(3)),
    ])  # fmt: skip
    path = tmp_path / "sn.weights.h5"
    model.save_weights(path)
    editor = KerasFileEditor(path)
    sn = editor.weights_dict["layers"]["spectral_normalization"]
    assert sorted(sn) == ["0", "1", "layer"] and sorted(sn["layer"]) == ["0", "1"]
    out = tmp_path / "sn2.weights.h5"
    editor.save(out)
    clone = keras.Sequential.from_config(model.get_config())
    clone.load_weights(out)
    for a, b in zip(clone.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert editor.compare(model)["status"] == "success"


def test_errors():
    with pytest.raises(ValueError, match="expected a `.keras` `.weights.h5` extension"):
        KerasFileEditor("model.h5")
    editor = KerasFileEditor(WEIGHTS_FILE)
    with pytest.raises(ValueError, match="not found in model"):
        editor.delete_object("layers/nothing")
    with pytest.raises(ValueError, match="does not appear in the model"):
        editor.rename_object("nothing", "x")
    with pytest.raises(ValueError, match="occurs more than once"):
        editor.delete_object("0")
    with pytest.raises(ValueError, match="leaf name"):
        editor.rename_object("dense", "layers/dense_9")
    with pytest.raises(ValueError, match="Weight 7 not found in object dense"):
        editor.delete_weight("dense", "7")
    with pytest.raises(ValueError, match="should be a dict"):
        editor.add_weights("dense", [np.ones(2)])
    with pytest.raises(ValueError, match="Path 'nowhere' not found"):
        editor.add_object("nowhere/layer", {"0": np.ones(2)})
    with pytest.raises(ValueError, match=r"expected a `\.weights\.h5` extension"):
        editor.save("out.keras")


def test_damaged_file_raises_file_format_error(tmp_path):
    bad = tmp_path / "bad.weights.h5"
    bad.write_bytes(b"not an hdf5 file at all")
    with pytest.raises(keras.errors.FileFormatError):
        KerasFileEditor(bad)
