"""keras.utils.FeatureSpace against Keras 3's outputs (issue 19, utils).

The expected values were recorded from Keras 3 (JAX backend, TensorFlow for
strings) by tests/reference/make_feature_space_reference.py into
tests/reference/data/feature_space.json; `feature_space.keras` is a
FeatureSpace saved by Keras.
"""

import io
import json
import pathlib
import zipfile

import h5py
import numpy as np
import pytest

import pykeras as keras
from pykeras.errors import InvalidArgumentError

DATA = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data"
REFERENCE = json.loads((DATA / "feature_space.json").read_text())
CASES = {case["name"]: case for case in REFERENCE["cases"]}
FS = keras.utils.FeatureSpace


def build(case):
    """The FeatureSpace of a recorded case, made as the generator made it."""

    def feature(name, spec):
        if isinstance(spec, str):
            return spec
        kind, kwargs = spec
        return getattr(FS, kind)(name=name, **kwargs)

    crosses = [FS.cross(**c[1]) if c[0] == "cross" else tuple(c) for c in case["crosses"]]
    return FS(
        features={k: feature(k, v) for k, v in case["features"].items()},
        crosses=crosses,
        output_mode=case["output_mode"],
        **case["kwargs"],
    )


def adapted(case):
    fs = build(case)
    fs.adapt({k: np.asarray(v) for k, v in case["train"].items()})
    return fs


def batch(case):
    return {k: np.asarray(v) for k, v in case["batch"].items()}


def weights_layout(raw):
    """`[path, name attribute, variable shapes]` of every `vars` group, as recorded."""
    layout = []
    with h5py.File(io.BytesIO(raw), "r") as f:

        def visit(path, obj):
            if path.endswith("vars") and isinstance(obj, h5py.Group):
                name = obj.attrs.get("name")
                shapes = [list(obj[k].shape) for k in sorted(obj)]
                layout.append([path, None if name is None else str(name), shapes])

        f.visititems(visit)
    return layout


def assert_matches(got, expected, dtypes=None):
    if isinstance(expected, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(expected)
        for key in expected:
            np.testing.assert_allclose(got[key], expected[key], rtol=1e-5, atol=1e-6, err_msg=key)
            if dtypes is not None:
                assert str(got[key].dtype) == dtypes[key], key
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
        if dtypes is not None:
            assert str(got.dtype) == dtypes


@pytest.mark.parametrize("name", sorted(CASES))
def test_batch_and_single_row_match_keras(name):
    case = CASES[name]
    fs = adapted(case)
    for key, vocabulary in case["vocabularies"].items():
        assert fs.preprocessors[key].get_vocabulary() == vocabulary, key
    assert_matches(fs(batch(case)), case["output"], case["output_dtypes"])
    row = {k: v[0] for k, v in batch(case).items()}
    assert_matches(fs(row), case["row_output"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_inputs_and_encoded_features(name):
    case = CASES[name]
    fs = adapted(case)
    inputs = fs.get_inputs()
    assert {k: v.dtype for k, v in inputs.items()} == case["input_dtypes"]
    assert all(tuple(v.shape) == (None, 1) for v in inputs.values())
    encoded = fs.get_encoded_features()
    if isinstance(encoded, dict):
        shapes = {k: list(v.shape) for k, v in encoded.items()}
        assert shapes == case["encoded_shapes"]
    else:
        assert list(encoded.shape) == case["encoded_shapes"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_config_is_keras_config(name):
    case = CASES[name]
    fs = adapted(case)
    config = keras.saving.serialize_keras_object(fs)
    expected = case["config"]
    assert config["module"] == expected["module"] == "keras.utils"
    assert config["class_name"] == "FeatureSpace"
    ours, theirs = config["config"], expected["config"]
    for key in ("output_mode", "crossing_dim", "hashing_dim", "num_discretization_bins"):
        assert ours[key] == theirs[key]

    def crosses(config):
        return [
            {**c["config"], "feature_names": list(c["config"]["feature_names"])}
            for c in config["crosses"]
        ]

    assert crosses(ours) == crosses(theirs)
    assert [c["module"] for c in ours["crosses"]] == [c["module"] for c in theirs["crosses"]]
    for key, feature in theirs["features"].items():
        mine = ours["features"][key]
        assert {k: mine[k] for k in ("module", "class_name", "registered_name")} == {
            k: feature[k] for k in ("module", "class_name", "registered_name")
        }
        assert mine["config"]["dtype"] == feature["config"]["dtype"]
        assert mine["config"]["output_mode"] == feature["config"]["output_mode"]
        pre, kpre = mine["config"]["preprocessor"], feature["config"]["preprocessor"]
        assert pre["class_name"] == kpre["class_name"]
        assert pre["config"]["name"] == kpre["config"]["name"]
        if kpre["class_name"] == "Discretization":
            np.testing.assert_allclose(
                pre["config"]["bin_boundaries"], kpre["config"]["bin_boundaries"], rtol=1e-6
            )
    rebuilt = keras.saving.deserialize_keras_object(json.loads(json.dumps(config)))
    assert isinstance(rebuilt, FS)
    assert rebuilt.get_config()["features"].keys() == ours["features"].keys()


@pytest.mark.parametrize("name", sorted(CASES))
def test_save_and_load_as_keras_does(name, tmp_path):
    case = CASES[name]
    fs = adapted(case)
    path = tmp_path / "fs.keras"
    fs.save(path)
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == case["saved_files"]
        layout = weights_layout(zf.read("model.weights.h5"))
    # Paths and shapes as Keras's; the names of automatically named layers
    # (encoders, concat, the FeatureSpace) depend on what the session made before.
    assert [(p, shapes) for p, _, shapes in layout] == [
        (p, shapes) for p, _, shapes in case["weights_layout"]
    ]
    fixed = ("preprocessors/", "crossers/")
    assert [x for x in layout if x[0].startswith(fixed)] == [
        x for x in case["weights_layout"] if x[0].startswith(fixed)
    ]
    reloaded = keras.models.load_model(path)
    assert isinstance(reloaded, FS)
    assert_matches(reloaded(batch(case)), case["reloaded_output"])


def test_loads_a_file_keras_saved():
    case = CASES["example_concat"]
    reloaded = keras.models.load_model(DATA / "feature_space.keras")
    assert isinstance(reloaded, FS)
    assert_matches(reloaded(batch(case)), case["output"])
    assert reloaded.preprocessors["thal"].get_vocabulary() == case["vocabularies"]["thal"]


def test_functional_model_on_encoded_features():
    case = CASES["example_concat"]
    fs = adapted(case)
    encoded = fs.get_encoded_features()
    x = keras.layers.Dense(4, activation="relu")(encoded)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs=encoded, outputs=outputs)
    features = fs(batch(case))
    labels = np.array([0, 1, 0, 1, 1, 0], np.float32)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(features, labels, epochs=1, batch_size=3, verbose=0)
    assert model.predict(features, verbose=0).shape == (6, 1)


def test_adapt_on_batches_and_pydataset():
    case = CASES["example_concat"]
    train = {k: np.asarray(v) for k, v in case["train"].items()}
    # Batches of 32 give Keras's per-batch adapt (Discretization merges summaries).
    batches = [{k: v[i : i + 32] for k, v in train.items()} for i in range(0, 80, 32)]

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return len(batches)

        def __getitem__(self, i):
            return batches[i], np.zeros(len(batches[i]["sex"]))

    for data in (batches, Batches(), iter(batches)):
        fs = build(case)
        fs.adapt(data)
        assert_matches(fs(batch(case)), case["output"])


def test_lists_and_scalars_as_input():
    case = CASES["string_names_concat"]
    fs = adapted(case)
    as_lists = {k: list(v) for k, v in case["batch"].items()}
    assert_matches(fs(as_lists), case["output"])
    row = {k: v[0] for k, v in case["batch"].items()}
    out = fs(row)
    assert out.shape == (len(case["row_output"]),)


def test_bad_input():
    with pytest.raises(InvalidArgumentError, match="cannot be None or empty"):
        FS({})
    with pytest.raises(InvalidArgumentError, match="Invalid feature type"):
        FS({"a": "floaty"})
    with pytest.raises(InvalidArgumentError, match="output_mode"):
        FS({"a": "float"}, output_mode="stack")
    with pytest.raises(InvalidArgumentError, match="unknown features"):
        FS({"a": "float"}, crosses=[("a", "b")])
    with pytest.raises(InvalidArgumentError, match="output_mode"):
        FS.cross(("a", "b"), 8, output_mode="float")
    fs = FS({"a": "float_normalized", "b": "float"})
    with pytest.raises(InvalidArgumentError, match="adapt"):
        fs({"a": [1.0], "b": [2.0]})
    fs.adapt({"a": [1.0, 2.0], "b": [0.0, 1.0]})
    with pytest.raises(InvalidArgumentError, match="with a dict"):
        fs([1.0, 2.0])
    with pytest.raises(InvalidArgumentError, match="unknown feature 'c'"):
        fs({"a": [1.0], "b": [2.0], "c": [3.0]})
    with pytest.raises(InvalidArgumentError, match="adapt"):
        fs.adapt(np.ones(3))
    with pytest.raises(InvalidArgumentError, match=r"\.keras"):
        fs.save("fs.h5")
    concat = FS({"s": FS.string_categorical(output_mode="int")}, output_mode="concat")
    with pytest.raises(InvalidArgumentError, match="not been encoded"):
        concat.adapt({"s": ["a", "b"]})


def test_features_without_adapt_and_custom_preprocessor():
    fs = FS(
        {
            "x": FS.float_rescaled(scale=2.0),
            "b": FS.float_discretized(num_bins=None, bin_boundaries=[0.0, 1.0]),
            "t": FS.feature(
                dtype="string",
                preprocessor=keras.layers.StringLookup(vocabulary=["a", "b"]),
                output_mode="one_hot",
            ),
        },
        output_mode="dict",
    )
    out = fs({"x": [1.0, 2.0], "b": [-1.0, 0.5], "t": ["b", "z"]})
    np.testing.assert_allclose(out["x"], [[2.0], [4.0]])
    np.testing.assert_array_equal(out["b"], [[1, 0, 0], [0, 1, 0]])
    np.testing.assert_array_equal(out["t"], [[0, 0, 1], [1, 0, 0]])
