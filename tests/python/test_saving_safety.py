"""Loading is safe and fails clearly: no code runs from a file, names outside the
registry are refused, every broken file names itself in an OSError or ValueError,
and saving never leaves a half-written file."""

import io
import json
import os
import zipfile

import h5py
import numpy as np
import pytest

import pykeras as keras
from pykeras import layers


def small_model():
    inputs = keras.Input((3,), name="x")
    return keras.Model(inputs, layers.Dense(2, name="d")(inputs), name="small")


@pytest.fixture
def saved(tmp_path):
    model = small_model()
    paths = {
        "keras": tmp_path / "m.keras",
        "h5": tmp_path / "m.h5",
        "weights": tmp_path / "m.weights.h5",
    }
    model.save(paths["keras"])
    model.save(paths["h5"])
    model.save_weights(paths["weights"])
    return model, paths


def _rewrite_config(src, dst, edit):
    with zipfile.ZipFile(src) as zin:
        members = {name: zin.read(name) for name in zin.namelist()}
    config = json.loads(members["config.json"])
    edit(config)
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(dst, "w") as zout:
        for name, data in members.items():
            zout.writestr(name, data)


# ------------------------------------------------------------- broken files


def test_missing_file_is_file_not_found(tmp_path):
    for load in (keras.models.load_model, small_model().load_weights):
        with pytest.raises(FileNotFoundError, match="nope.keras"):
            load(tmp_path / "nope.keras")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.keras"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.keras.*empty"):
        keras.models.load_model(path)
    with pytest.raises(ValueError, match="empty.keras"):
        small_model().load_weights(path)


@pytest.mark.parametrize("kind", ["keras", "h5", "weights"])
@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9])
def test_truncated_files(saved, kind, keep, tmp_path):
    _, paths = saved
    data = paths[kind].read_bytes()
    path = tmp_path / f"cut_{paths[kind].name}"
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises((OSError, ValueError), match=str(path.name)):
        if kind == "weights":
            small_model().load_weights(path)
        else:
            keras.models.load_model(path)


@pytest.mark.parametrize("kind", ["keras", "h5", "weights"])
def test_corrupted_files(saved, kind, tmp_path):
    _, paths = saved
    data = bytearray(paths[kind].read_bytes())
    rng = np.random.default_rng(0)
    # Keep the signature, scramble the rest.
    data[16:] = rng.integers(0, 256, len(data) - 16, dtype=np.uint8).tobytes()
    path = tmp_path / f"bad_{paths[kind].name}"
    path.write_bytes(bytes(data))
    with pytest.raises((OSError, ValueError), match=str(path.name)):
        if kind == "weights":
            small_model().load_weights(path)
        else:
            keras.models.load_model(path)


def test_wrong_formats(tmp_path):
    text = tmp_path / "model.keras"
    text.write_text("this is not a model")
    npz = tmp_path / "arrays.h5"
    np.savez(npz.with_suffix(".npz"), a=np.ones(3))
    os.replace(npz.with_suffix(".npz"), npz)  # a zip that is not a .keras archive
    folder = tmp_path / "saved_model"
    folder.mkdir()
    with pytest.raises(ValueError, match="model.keras.*neither"):
        keras.models.load_model(text)
    with pytest.raises(ValueError, match="arrays.h5.*config.json"):
        keras.models.load_model(npz)
    with pytest.raises(ValueError, match="saved_model.*directory"):
        keras.models.load_model(folder)


def test_weights_only_file_is_not_a_model(saved):
    _, paths = saved
    with pytest.raises(ValueError, match="m.weights.h5.*weights only.*load_weights"):
        keras.models.load_model(paths["weights"])


def test_invalid_config_json(saved, tmp_path):
    _, paths = saved
    path = tmp_path / "badjson.keras"
    with zipfile.ZipFile(paths["keras"]) as zin, zipfile.ZipFile(path, "w") as zout:
        for name in zin.namelist():
            data = b"{not json" if name == "config.json" else zin.read(name)
            zout.writestr(name, data)
    with pytest.raises(ValueError, match="badjson.keras.*not valid JSON"):
        keras.models.load_model(path)
    broken = tmp_path / "broken.keras"
    _rewrite_config(paths["keras"], broken, lambda c: c["config"].pop("layers"))
    with pytest.raises(ValueError, match="broken.keras"):
        keras.models.load_model(broken)


# ------------------------------------------------------- names and code


@pytest.mark.parametrize(
    "module,class_name",
    [
        ("os", "system"),
        ("subprocess", "Popen"),
        ("builtins", "eval"),
        ("keras.src.saving.saving_lib", "os"),
        ("keras.layers", "NotALayer"),
        (None, "TFOpLambda"),
    ],
)
def test_names_outside_the_registry_are_refused(saved, tmp_path, module, class_name):
    _, paths = saved
    path = tmp_path / "evil.keras"

    def edit(config):
        entry = config["config"]["layers"][1]
        entry["module"], entry["class_name"] = module, class_name
        entry["registered_name"] = None

    _rewrite_config(paths["keras"], path, edit)
    with pytest.raises(ValueError, match=f"evil.keras.*{class_name}"):
        keras.models.load_model(path)


@pytest.mark.parametrize("module,name", [("os", "system"), ("builtins", "eval"), (None, "exec")])
def test_functions_outside_the_registry_are_refused(module, name):
    config = keras.saving.serialize_keras_object(layers.Dense(2))
    config["config"]["activation"] = {
        "module": module,
        "class_name": "function",
        "config": name,
        "registered_name": None,
    }
    with pytest.raises(ValueError, match=f"Refusing.*'{name}'"):
        keras.saving.deserialize_keras_object(config)


def test_lambda_bytecode_is_refused_unless_unsafe(tmp_path):
    inputs = keras.Input((2,))
    model = keras.Model(inputs, layers.Lambda(lambda t: t * 3.0 - 1.0)(inputs))
    with pytest.warns(UserWarning, match="lambda"):
        model.save(tmp_path / "lam.keras")
    with pytest.raises(ValueError, match="lam.keras.*bytecode.*safe_mode=False"):
        keras.models.load_model(tmp_path / "lam.keras")
    with pytest.warns(UserWarning, match="lambda"):
        text = model.to_json()
    with pytest.raises(ValueError, match="bytecode"):
        keras.models.model_from_json(text)
    restored = keras.models.load_model(tmp_path / "lam.keras", safe_mode=False)
    x = np.array([[1.0, 2.0]])
    np.testing.assert_allclose(restored.predict(x, verbose=0), [[2.0, 5.0]])
    with keras.saving.SafeModeScope(False):
        keras.models.model_from_json(text)


def triple(x):
    return x * 3.0


def test_lambda_with_a_named_function_resolves_from_custom_objects(tmp_path):
    inputs = keras.Input((2,))
    model = keras.Model(inputs, layers.Lambda(triple)(inputs))
    model.save(tmp_path / "named.keras")
    with pytest.raises(ValueError, match="triple.*custom_objects"):
        keras.models.load_model(tmp_path / "named.keras")
    restored = keras.models.load_model(tmp_path / "named.keras", custom_objects={"triple": triple})
    np.testing.assert_allclose(restored.predict(np.ones((1, 2)), verbose=0), [[3.0, 3.0]])


def test_hdf5_links_out_of_the_file_are_refused(saved, tmp_path):
    _, paths = saved
    path = tmp_path / "linked.weights.h5"
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f.create_dataset("secret", data=np.ones((3, 2), "float32"))
    with h5py.File(paths["weights"], "r") as src, h5py.File(path, "w") as dst:
        src.copy("layers", dst)
        src.copy("vars", dst)
        del dst["layers/dense/vars/0"]
        dst["layers/dense/vars/0"] = h5py.ExternalLink(str(other), "secret")
    with pytest.raises(ValueError, match="linked.weights.h5.*ExternalLink"):
        small_model().load_weights(path)


def test_yaml_python_tags_are_refused():
    evil = "!!python/object/apply:os.system ['echo hacked']\n"
    with pytest.raises(ValueError, match="cannot be read safely"):
        keras.models.model_from_yaml(evil)


# ------------------------------------------------------------ atomic saves


@pytest.mark.parametrize("ext", [".keras", ".h5", ".weights.h5"])
def test_a_failed_save_leaves_the_old_file_intact(ext, tmp_path, monkeypatch):
    model = small_model()
    path = tmp_path / f"m{ext}"
    if ext == ".weights.h5":
        model.save_weights(path)
    else:
        model.save(path)
    before = path.read_bytes()
    from pykeras.saving import h5_weights, legacy_h5

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(h5_weights, "save_weights", boom)
    monkeypatch.setattr(legacy_h5, "save_weights", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        if ext == ".weights.h5":
            model.save_weights(path)
        else:
            model.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_overwrite_false_refuses_to_replace(tmp_path, monkeypatch):
    model = small_model()
    model.save(tmp_path / "m.keras")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(FileExistsError, match="m.keras.*overwrite=True"):
        model.save(tmp_path / "m.keras", overwrite=False)
    with pytest.raises(FileExistsError):
        model.save_weights(tmp_path / "m.keras", overwrite=False)


def test_save_needs_a_known_extension(tmp_path):
    with pytest.raises(ValueError, match="extension"):
        small_model().save(tmp_path / "model")
    with pytest.raises(ValueError, match="'tf'"):
        small_model().save(tmp_path / "model", save_format="tf")


def test_unbuilt_models_cannot_save_or_load_weights(tmp_path):
    model = keras.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="not yet been built"):
        model.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="not yet been built"):
        model.load_weights(tmp_path / "w.weights.h5")
