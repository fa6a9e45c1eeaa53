"""Interop with real Keras, both ways.

Keras → pykeras: files written by Keras 3.15 (and tf.keras 2 style files, see
`tests/reference/make_saving_fixtures.py`) load with Keras's predictions.

pykeras → Keras: files pykeras writes have the exact layout Keras 3 wrote for
the same models (weight paths and shapes, config structure), which is what
Keras reads. Where the Keras oracle venv exists, a live test also has Keras 3
load pykeras-written files and compares predictions.
"""

import io
import json
import os
import subprocess
import sys
import textwrap
import warnings
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

import pykeras as keras
from pykeras import layers

FIXTURES = Path(__file__).resolve().parent.parent / "reference" / "saving"
EXPECTED = np.load(FIXTURES / "expected.npz")
META = json.loads((FIXTURES / "fixtures.json").read_text())
ORACLE = Path("/work/oracle/bin/python")


@keras.saving.register_keras_serializable(package="fixtures")
class TwoTower(keras.Model):
    """pykeras's twin of the fixture's registered subclassed model."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.left = layers.Dense(units, name="left")
        self.right = layers.Dense(units, name="right")
        self.head = layers.Dense(1, name="head")

    def call(self, x):
        return self.head(self.right(self.left(x)))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def case_inputs(case):
    xs = [EXPECTED[k] for k in sorted(EXPECTED.files) if k.startswith(f"{case}/x")]
    if case == "sequence":
        return {"tokens": xs[0], "feats": xs[1]}
    return xs[0]


def case_outputs(case):
    return [EXPECTED[k] for k in sorted(EXPECTED.files) if k.startswith(f"{case}/y")]


def assert_predicts_like_keras(model, case):
    ys = model.predict(case_inputs(case), verbose=0)
    ys = ys if isinstance(ys, list) else [ys]
    expected = case_outputs(case)
    assert len(ys) == len(expected)
    for y, e in zip(ys, expected):
        np.testing.assert_allclose(y, e, rtol=1e-5, atol=1e-6)


def weight_layout(path):
    """`{dataset path: shape}` of an HDF5 file or of a .keras archive's weights."""
    path = str(path)
    if path.endswith(".keras"):
        with zipfile.ZipFile(path) as zf:
            f = h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r")
    else:
        f = h5py.File(path, "r")
    layout = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            layout[name] = list(obj.shape)

    f.visititems(visit)
    f.close()
    return layout


KERAS_FILES = [
    ("image.keras", "image"),
    ("image.h5", "image"),
    ("sequence.keras", "sequence"),
    ("sequence.h5", "sequence"),
    ("sequential.keras", "sequential"),
    ("sequential.h5", "sequential"),
    ("nested.keras", "nested"),
    ("nested.h5", "nested"),
    ("subclassed.keras", "subclassed"),
    ("ops.keras", "ops"),
    ("keras2_image.h5", "image"),
    ("keras2_sequential.h5", "sequential"),
    ("keras213_sequential.keras", "sequential"),
]


@pytest.mark.parametrize("filename,case", KERAS_FILES, ids=[f for f, _ in KERAS_FILES])
def test_keras_written_models_load_with_keras_predictions(filename, case):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # loading a well-formed Keras 3 file warns about nothing
        if filename.startswith("keras2_"):
            # tf.keras 2's optimizer slots are laid out differently: said, not loaded.
            warnings.filterwarnings("ignore", message=".*optimizer state.*Keras 2")
        if filename == "sequence.h5":
            # Keras 3 itself cannot rebuild this file's list of losses.
            warnings.filterwarnings("ignore", message=".*training configuration")
        model = keras.models.load_model(FIXTURES / filename)
    assert_predicts_like_keras(model, case)
    trained = f"{case}/iterations"
    if trained in EXPECTED.files and filename.startswith(("image", "sequential")):
        assert int(model.optimizer.iterations) == int(EXPECTED[trained])


def test_keras2_names_are_read():
    with h5py.File(FIXTURES / "keras2_image.h5", "r") as f:
        config = json.loads(f.attrs["model_config"])
        names = list(f["model_weights/conv_a"].attrs["weight_names"])
    assert config["class_name"] == "Functional"
    assert "module" not in config["config"]["layers"][1]
    assert config["config"]["layers"][1]["inbound_nodes"] == [[["image", 0, 0, {}]]]
    assert names[0] == b"conv_a/kernel:0"
    with pytest.warns(UserWarning, match="optimizer state.*Keras 2.15.0"):
        model = keras.models.load_model(FIXTURES / "keras2_image.h5")
    assert model.compiled and type(model.optimizer).__name__ == "Adam"
    assert model.get_layer("bn").axis == 3


def test_lambda_fixture_needs_safe_mode_off():
    with pytest.raises(ValueError, match="bytecode.*safe_mode=False"):
        keras.models.load_model(FIXTURES / "lambda.keras")
    model = keras.models.load_model(FIXTURES / "lambda.keras", safe_mode=False)
    assert_predicts_like_keras(model, "lambda")


@pytest.mark.parametrize(
    "filename,factory",
    [
        ("image.weights.h5", "image"),
        ("sequential.weights.h5", "sequential"),
        ("subclassed.weights.h5", "subclassed"),
        ("keras2_sequential_weights.h5", "sequential"),
    ],
)
def test_keras_written_weights_load_into_pykeras_built_models(filename, factory):
    model = BUILDERS[factory]()
    model.load_weights(FIXTURES / filename)
    assert_predicts_like_keras(model, factory)


def test_keras2_json_and_yaml_build_the_same_model():
    from_json = keras.models.model_from_json((FIXTURES / "keras2_sequential.json").read_text())
    from_yaml = keras.models.model_from_yaml((FIXTURES / "keras2_sequential.yaml").read_text())
    for model in (from_json, from_yaml):
        assert isinstance(model, keras.Sequential)
        assert model.input_shape == (None, 4)
        assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dropout", "Dense"]
        assert model.layers[-1].get_config()["activation"] == "sigmoid"


# ------------------------------------------------- the same models in pykeras


def image_model():
    inp = keras.Input((8, 8, 3), name="image")
    x = layers.ZeroPadding2D(1, name="pad")(inp)
    x = layers.Conv2D(4, 3, activation="relu", name="conv_a")(x)
    x = layers.BatchNormalization(name="bn")(x)
    x = layers.MaxPooling2D(2, name="max_pool")(x)
    x = layers.Conv2D(4, 3, padding="same", name="conv_b")(x)
    x = layers.UpSampling2D(2, name="upsample")(x)
    x = layers.AveragePooling2D(2, name="avg_pool")(x)
    a = layers.GlobalAveragePooling2D(name="gap")(x)
    b = layers.GlobalMaxPooling2D(name="gmp")(x)
    c = layers.Flatten(name="flatten")(layers.MaxPooling2D(4, name="max_pool_4")(x))
    x = layers.Concatenate(name="concat")([a, b, c])
    x = layers.Dense(8, name="dense_a")(x)
    x = layers.LayerNormalization(name="ln")(x)
    x = layers.ReLU(name="relu")(x)
    x = layers.Dropout(0.3, name="dropout")(x)
    x = layers.Dense(3, name="dense_b")(x)
    out = layers.Softmax(name="softmax")(x)
    model = keras.Model(inp, out, name="image_model")
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["mae"])
    return model


def sequential_model():
    model = keras.Sequential(
        [
            keras.Input((4,)),
            layers.Dense(8, activation="relu", name="hidden"),
            layers.BatchNormalization(name="bn"),
            layers.Dense(1, activation="sigmoid", name="out"),
        ],
        name="seq",
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
    return model


def subclassed_model():
    model = TwoTower(units=3, name="two_tower")
    model(np.zeros((1, 4), "float32"))
    return model


BUILDERS = {"image": image_model, "sequential": sequential_model, "subclassed": subclassed_model}


def _train_one_step(model, case):
    x = case_inputs(case)
    y = np.zeros((len(x), model.output_shape[-1]), "float32")
    model.fit(x, y, epochs=1, batch_size=len(x), verbose=0)


@pytest.mark.parametrize("case", ["image", "sequential", "subclassed"])
def test_pykeras_archives_have_keras_weight_layout(case, tmp_path):
    """Built from scratch in pykeras, the archive holds the same weight paths and
    shapes as the one Keras 3 wrote for the same model (optimizer slots included)."""
    model = BUILDERS[case]()
    if model.compiled:
        _train_one_step(model, case)
    model.save(tmp_path / "m.keras")
    assert weight_layout(tmp_path / "m.keras") == META["layouts"][case]


@pytest.mark.parametrize("case", ["image", "sequence", "sequential", "nested", "subclassed", "ops"])
def test_resaved_keras_files_keep_keras_layout_and_config(case, tmp_path):
    model = keras.models.load_model(FIXTURES / f"{case}.keras")
    model.save(tmp_path / "m.keras")
    assert weight_layout(tmp_path / "m.keras") == weight_layout(FIXTURES / f"{case}.keras")
    ours = json.loads(zipfile.ZipFile(tmp_path / "m.keras").read("config.json"))
    theirs = json.loads(zipfile.ZipFile(FIXTURES / f"{case}.keras").read("config.json"))
    for key in ("class_name", "registered_name"):
        assert ours[key] == theirs[key]
    if "layers" in theirs["config"]:
        assert _structure(ours["config"]) == _structure(theirs["config"])
    assert set(ours.get("compile_config") or {}) <= set(theirs.get("compile_config") or {})
    assert set(json.loads(zipfile.ZipFile(tmp_path / "m.keras").read("metadata.json"))) >= {
        "keras_version",
        "date_saved",
    }


def legacy_layout(path):
    """Per layer group of a legacy file: the weights' shapes in `weight_names` order;
    and the optimizer weights' shapes in order."""
    with h5py.File(path, "r") as f:
        weights = f["model_weights"]
        names = [n.decode() if isinstance(n, bytes) else n for n in weights.attrs["layer_names"]]
        layout = {"layer_names": names}
        for name in names + ["top_level_model_weights"]:
            group = weights[name]
            layout[name] = [list(group[w].shape) for w in group.attrs["weight_names"]]
        if "optimizer_weights" in f:
            group = f["optimizer_weights"]
            layout["optimizer"] = [list(group[w].shape) for w in group.attrs["weight_names"]]
        return layout


def _structure(config):
    """What Keras needs to rebuild the graph: each layer's class, module, name and calls."""
    keys = ("module", "class_name", "registered_name", "name", "inbound_nodes")
    out = {k: config.get(k) for k in ("input_layers", "output_layers", "name")}
    out["layers"] = [
        {k: _drop_mask(entry.get(k)) for k in keys} for entry in config.get("layers", [])
    ]
    # `x / 3.0` is Keras's TrueDivide op, the same op as `keras.ops.divide`'s Divide.
    return json.loads(json.dumps(out).replace('"TrueDivide"', '"Divide"'))


def _drop_mask(value):
    # Keras records `mask=None` on calls of layers that support masking; pykeras does not.
    if isinstance(value, list):
        return [_drop_mask(v) for v in value]
    if isinstance(value, dict):
        return {k: _drop_mask(v) for k, v in value.items() if k != "mask"}
    return value


@pytest.mark.parametrize("case", ["image", "sequence", "sequential", "nested"])
def test_resaved_legacy_h5_keeps_keras_layout(case, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = keras.models.load_model(FIXTURES / f"{case}.h5")
    model.save(tmp_path / "m.h5")
    # Weight names are the variables' paths, which Keras 3 prefixes with the scope a layer was
    # built in (`seq/hidden/kernel` inside a Sequential); readers go by `weight_names` and
    # order, so what must match is the layer groups and the shapes in order.
    assert legacy_layout(tmp_path / "m.h5") == legacy_layout(FIXTURES / f"{case}.h5")
    with h5py.File(tmp_path / "m.h5", "r") as ours, h5py.File(FIXTURES / f"{case}.h5") as theirs:
        assert set(theirs.attrs) <= set(ours.attrs) | {"training_config"}
        a, b = json.loads(ours.attrs["model_config"]), json.loads(theirs.attrs["model_config"])
        assert a["class_name"] == b["class_name"]
        if "inbound_nodes" in json.dumps(b):
            assert _structure(a["config"]) == _structure(b["config"])
        for attr in ("layer_names", "keras_version", "backend"):
            assert attr in ours["model_weights"].attrs


# ------------------------------------------------------------- live oracle

_ORACLE_SCRIPT = textwrap.dedent(
    """
    import json, os, sys, warnings
    warnings.simplefilter("ignore")
    import keras, numpy as np

    @keras.saving.register_keras_serializable(package="fixtures")
    class TwoTower(keras.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.left = keras.layers.Dense(units, name="left")
            self.right = keras.layers.Dense(units, name="right")
            self.head = keras.layers.Dense(1, name="head")
        def call(self, x):
            return self.head(self.right(self.left(x)))
        def get_config(self):
            return {**super().get_config(), "units": self.units}

    jobs = json.loads(sys.argv[1])
    results = {}
    for key, path, inputs, compile_ in jobs:
        data = dict(np.load(inputs))
        x = {k[2:]: v for k, v in data.items()} if any(k.startswith("d:") for k in data) \\
            else [data[k] for k in sorted(data)]
        x = x[0] if isinstance(x, list) and len(x) == 1 else x
        model = keras.models.load_model(path, compile=compile_, safe_mode=False)
        ys = model.predict(x, verbose=0)
        ys = ys if isinstance(ys, list) else [ys]
        for i, y in enumerate(ys):
            results[f"{key}/y{i}"] = np.asarray(y)
        if compile_ and getattr(model, "optimizer", None) is not None:
            results[f"{key}/iterations"] = np.asarray(int(model.optimizer.iterations))
    np.savez(os.environ["ORACLE_OUT"], **results)
    """
)


@pytest.mark.skipif(
    not ORACLE.exists(),
    reason="the Keras 3 oracle venv (/work/oracle) is not installed; the committed fixtures "
    "above carry the interop proof",
)
def test_live_keras_loads_pykeras_files(tmp_path):
    jobs, expected = [], {}

    def add(key, model, x, ext, compile_=True):
        path = tmp_path / f"{key}{ext}"
        model.save(path)
        inputs = tmp_path / f"{key}_inputs.npz"
        if isinstance(x, dict):
            np.savez(inputs, **{f"d:{k}": v for k, v in x.items()})
        else:
            np.savez(inputs, x0=x)
        jobs.append((key + ext, str(path), str(inputs), compile_))
        ys = model.predict(x, verbose=0)
        for i, y in enumerate(ys if isinstance(ys, list) else [ys]):
            expected[f"{key}{ext}/y{i}"] = y
        if compile_ and model.compiled:
            expected[f"{key}{ext}/iterations"] = int(model.optimizer.iterations)

    for case in ("image", "sequence", "sequential", "nested", "subclassed", "ops"):
        model = keras.models.load_model(FIXTURES / f"{case}.keras")
        model.set_weights([w * 1.5 + 0.1 for w in model.get_weights()])
        add(case, model, case_inputs(case), ".keras")
        if case not in ("subclassed", "ops"):
            # Keras 3 cannot compile its own legacy file of the two-loss sequence model.
            add(case, model, case_inputs(case), ".h5", compile_=case != "sequence")
    for case in ("image", "sequential"):
        model = BUILDERS[case]()
        _train_one_step(model, case)
        add(f"scratch_{case}", model, case_inputs(case), ".keras")
        add(f"scratch_{case}", model, case_inputs(case), ".h5")

    env = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
    env.update(KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", ORACLE_OUT=str(tmp_path / "out.npz"))
    script = tmp_path / "oracle.py"
    script.write_text(_ORACLE_SCRIPT)
    proc = subprocess.run(
        [str(ORACLE), str(script), json.dumps(jobs)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = np.load(tmp_path / "out.npz")
    assert set(got.files) == set(expected), (sorted(got.files), sorted(expected))
    for key, value in expected.items():
        np.testing.assert_allclose(got[key], value, rtol=1e-5, atol=1e-6, err_msg=key)
    assert sys.executable  # the comparison above ran against Keras 3 itself
