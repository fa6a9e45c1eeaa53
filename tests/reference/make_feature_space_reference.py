"""Records Keras 3's `keras.utils.FeatureSpace` outputs on a synthetic table.

This is a generator, not a test. Keras's FeatureSpace needs TensorFlow for
string features (a test oracle only, never a pykeras dependency); run it with
Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_feature_space_reference.py

The table follows the idioms of Keras's "structured data classification with
FeatureSpace" example (heart-disease columns: integer and string categories,
normalized and discretized floats, crosses), with seeded synthetic values. It
writes `data/feature_space.json`: for each case the features (as
`FeatureSpace(...)` arguments described in JSON), the adapt table, a batch and
a single row with Keras's outputs (concat vector or dict of arrays), the
config, and what `FeatureSpace.save` writes (the archive's file names and
config.json, the groups of model.weights.h5); and `data/feature_space.keras`, the
first case saved by Keras.
"""

import io
import json
import os
import pathlib
import zipfile

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "data" / "feature_space.json"
MODEL_FILE = HERE / "data" / "feature_space.keras"
FS = keras.utils.FeatureSpace


def table(n, seed):
    rng = np.random.RandomState(seed)
    return {
        "sex": rng.randint(0, 2, n).tolist(),
        "cp": rng.randint(0, 5, n).tolist(),
        "ca": rng.randint(0, 4, n).tolist(),
        "thal": [["fixed", "normal", "reversible", "1"][i] for i in rng.randint(0, 4, n)],
        "city": [f"city_{i}" for i in rng.randint(0, 9, n)],
        "zip": rng.randint(10000, 10050, n).tolist(),
        "age": np.round(rng.uniform(29, 77, n), 1).tolist(),
        "chol": np.round(rng.normal(246, 50, n), 1).tolist(),
        "oldpeak": np.round(rng.exponential(1.0, n), 2).tolist(),
        "slope": np.round(rng.uniform(0, 3, n), 2).tolist(),
        "score": np.round(rng.uniform(0, 10, n), 2).tolist(),
    }


# Each feature: a string name or [constructor, kwargs] (rebuilt identically by the test).
CASES = [
    {
        "name": "example_concat",
        "features": {
            "sex": ["integer_categorical", {"output_mode": "one_hot"}],
            "cp": ["integer_categorical", {"output_mode": "one_hot"}],
            "ca": ["integer_categorical", {"output_mode": "one_hot"}],
            "thal": ["string_categorical", {"output_mode": "one_hot"}],
            "age": ["float_discretized", {"num_bins": 8}],
            "chol": ["float_normalized", {}],
            "oldpeak": ["float_normalized", {}],
            "slope": ["float_rescaled", {"scale": 0.5, "offset": -1.0}],
        },
        "crosses": [
            ["cross", {"feature_names": ["sex", "age"], "crossing_dim": 64}],
            ["cross", {"feature_names": ["thal", "ca"], "crossing_dim": 16}],
        ],
        "output_mode": "concat",
        "kwargs": {},
    },
    {
        "name": "string_names_concat",
        "features": {
            "sex": "integer_categorical",
            "thal": "string_categorical",
            "city": "string_hashed",
            "zip": "integer_hashed",
            "age": "float_discretized",
            "chol": "float_normalized",
            "score": "float",
            "slope": "float_rescaled",
        },
        "crosses": [["city", "thal"], ["sex", "zip"]],
        "output_mode": "concat",
        "kwargs": {"crossing_dim": 8, "hashing_dim": 6, "num_discretization_bins": 5},
    },
    {
        "name": "int_dict",
        "features": {
            "thal": ["string_categorical", {"output_mode": "int", "max_tokens": 3}],
            "cp": ["integer_categorical", {"output_mode": "int", "num_oov_indices": 2}],
            "city": ["string_hashed", {"num_bins": 7, "output_mode": "int"}],
            "zip": ["integer_hashed", {"num_bins": 5}],
            "age": [
                "float_discretized",
                {"num_bins": 4, "output_mode": "int"},
            ],
            "score": ["float", {}],
        },
        "crosses": [
            [
                "cross",
                {"feature_names": ["thal", "cp"], "crossing_dim": 32, "output_mode": "int"},
            ],
            ["cross", {"feature_names": ["city", "zip"], "crossing_dim": 9}],
        ],
        "output_mode": "dict",
        "kwargs": {},
    },
]


def build(case):
    def feature(name, spec):
        if isinstance(spec, str):
            return spec
        kind, kwargs = spec
        return getattr(FS, kind)(name=name, **kwargs)

    crosses = [
        FS.cross(**c[1]) if isinstance(c[0], str) and c[0] == "cross" else tuple(c)
        for c in case["crosses"]
    ]
    return FS(
        features={k: feature(k, v) for k, v in case["features"].items()},
        crosses=crosses,
        output_mode=case["output_mode"],
        **case["kwargs"],
    )


def weights_layout(raw):
    """`[path, name attribute, shape of each variable]` of every `vars` group."""
    layout = []
    with h5py.File(io.BytesIO(raw), "r") as f:

        def visit(path, obj):
            if path.endswith("vars") and isinstance(obj, h5py.Group):
                shapes = [list(obj[k].shape) for k in sorted(obj)]
                layout.append([path, obj.attrs.get("name"), shapes])

        f.visititems(visit)
    return layout


def listed(x):
    return np.asarray(x).tolist()


def main():
    train = table(80, 0)
    batch = table(6, 1)
    cases = []
    for i, case in enumerate(CASES):
        columns = {k: train[k] for k in case["features"]}
        fs = build(case)
        fs.adapt(columns)
        query = {k: np.asarray(batch[k]) for k in case["features"]}
        out = fs(query)
        row = {k: np.asarray(v[0]) for k, v in query.items()}
        out_row = fs(row)
        record = dict(case)
        record["train"] = columns
        record["batch"] = {k: batch[k] for k in case["features"]}
        if isinstance(out, dict):
            record["output"] = {k: listed(v) for k, v in out.items()}
            record["output_dtypes"] = {k: str(np.asarray(v).dtype) for k, v in out.items()}
            record["row_output"] = {k: listed(v) for k, v in out_row.items()}
        else:
            record["output"] = listed(out)
            record["output_dtypes"] = str(np.asarray(out).dtype)
            record["row_output"] = listed(out_row)
        encoded = fs.get_encoded_features()
        if isinstance(encoded, dict):
            record["encoded_shapes"] = {k: list(v.shape) for k, v in encoded.items()}
        else:
            record["encoded_shapes"] = list(encoded.shape)
        record["input_dtypes"] = {k: v.dtype for k, v in fs.get_inputs().items()}
        record["config"] = keras.saving.serialize_keras_object(fs)
        record["vocabularies"] = {
            k: listed(p.get_vocabulary())
            for k, p in fs.preprocessors.items()
            if hasattr(p, "get_vocabulary")
        }
        path = MODEL_FILE if i == 0 else HERE / "data" / "_feature_space_tmp.keras"
        fs.save(str(path))
        with zipfile.ZipFile(path) as zf:
            record["saved_files"] = sorted(zf.namelist())
            record["saved_config"] = json.loads(zf.read("config.json"))
            record["weights_layout"] = weights_layout(zf.read("model.weights.h5"))
        reloaded = keras.models.load_model(str(path))
        again = reloaded(query)
        if isinstance(again, dict):
            record["reloaded_output"] = {k: listed(v) for k, v in again.items()}
        else:
            record["reloaded_output"] = listed(again)
        if path != MODEL_FILE:
            path.unlink()
        cases.append(record)
    meta = {"keras_version": keras.__version__, "backend": keras.backend.backend()}
    OUT.write_text(json.dumps({"meta": meta, "cases": cases}, indent=1))
    print(f"wrote {OUT} and {MODEL_FILE}")


if __name__ == "__main__":
    main()
