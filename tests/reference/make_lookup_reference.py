"""Records Keras 3's outputs of the lookup, hashing, encoding and text layers.

This is a generator, not a test. Keras's lookup layers need TensorFlow (a
test oracle only, never a pykeras dependency); run it with Keras 3 on the
JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_lookup_reference.py

It writes `data/lookup.json`: for each case the layer class, its
constructor arguments, the data it was adapted on (if any), an input, the
output (values and dtype), the vocabulary and the config; raw hash buckets
of TensorFlow's `to_hash_bucket_fast` / `_strong`; and
`data/lookup_text_vectorization.keras`, a Keras model file holding an
adapted `TextVectorization` and `StringLookup` (vocabularies as assets).
"""

import json
import os
import pathlib
import zipfile

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "data" / "lookup.json"
MODEL_FILE = HERE / "data" / "lookup_text_vectorization.keras"

WORDS = ["the", "cat", "sat", "on", "mat", "a", "dog", "ran", "far", "héllo", "ünïcode"]
TEXTS = [
    "The cat sat on the mat.",
    "A dog ran far, far away!",
    "The dog  sat\ton a MAT; the cat ran.",
    "Héllo ÜNÏCODE wörld -- the end?",
    "",
]
STRINGS = [["the", "cat", "zebra"], ["mat", "", "the"], ["héllo", "cat", "cat"]]
INTS = [[12, 36, 1138], [42, 1000, 36], [12, 12, -1]]

CASES = [
    # (class, constructor kwargs, adapt data or None, input)
    ("StringLookup", {}, WORDS + ["the", "the", "cat"], STRINGS),
    ("StringLookup", {"max_tokens": 4}, WORDS + ["the", "the", "cat", "dog"], STRINGS),
    ("StringLookup", {"vocabulary": ["the", "cat", "mat"]}, None, STRINGS),
    ("StringLookup", {"vocabulary": ["the", "cat", "mat"], "mask_token": ""}, None, STRINGS),
    ("StringLookup", {"vocabulary": ["the", "cat"], "num_oov_indices": 3}, None, STRINGS),
    ("StringLookup", {"vocabulary": ["the"], "num_oov_indices": 4, "salt": 7}, None, STRINGS),
    (
        "StringLookup",
        {"vocabulary": ["the", "cat", "mat"], "output_mode": "one_hot"},
        None,
        [["the"], ["zz"], ["mat"]],
    ),
    (
        "StringLookup",
        {"vocabulary": ["the", "cat", "mat"], "output_mode": "multi_hot"},
        None,
        STRINGS,
    ),
    (
        "StringLookup",
        {"vocabulary": ["the", "cat", "mat"], "output_mode": "count", "mask_token": ""},
        None,
        STRINGS,
    ),
    (
        "StringLookup",
        {
            "vocabulary": ["the", "cat", "mat"],
            "output_mode": "count",
            "pad_to_max_tokens": True,
            "max_tokens": 7,
        },
        None,
        STRINGS,
    ),
    (
        "StringLookup",
        {"output_mode": "tf_idf"},
        [["the", "cat"], ["the", "the"], ["dog", "a"]],
        STRINGS,
    ),
    (
        "StringLookup",
        {
            "vocabulary": ["the", "cat", "mat"],
            "output_mode": "tf_idf",
            "idf_weights": [0.5, 1.5, 2.0],
        },
        None,
        STRINGS,
    ),
    (
        "StringLookup",
        {"output_mode": "tf_idf", "pad_to_max_tokens": True, "max_tokens": 8},
        [["the", "cat"], ["the", "the"], ["dog", "a"]],
        STRINGS,
    ),
    ("IntegerLookup", {}, [12, 36, 36, 1138, 42, 42, 42, 7], INTS),
    ("IntegerLookup", {"vocabulary": [12, 36, 1138, 42]}, None, INTS),
    (
        "IntegerLookup",
        {"vocabulary": [12, 36, 1138, 42], "mask_token": 0},
        None,
        [[12, 0, 36], [0, 5, 42]],
    ),
    ("IntegerLookup", {"vocabulary": [12, 36], "num_oov_indices": 3}, None, INTS),
    (
        "IntegerLookup",
        {"vocabulary": [12, 36], "num_oov_indices": 3, "oov_method": "farmhash"},
        None,
        INTS,
    ),
    (
        "IntegerLookup",
        {"vocabulary": [12, 36], "num_oov_indices": 3, "oov_method": "farmhash", "salt": [1, 2]},
        None,
        INTS,
    ),
    ("IntegerLookup", {"vocabulary": [12, 36, 1138, 42], "output_mode": "multi_hot"}, None, INTS),
    (
        "IntegerLookup",
        {"vocabulary": [12, 36, 1138, 42], "output_mode": "one_hot"},
        None,
        [12, 42, 5],
    ),
    (
        "IntegerLookup",
        {"vocabulary": [12, 36, 1138, 42], "invert": True},
        None,
        [[1, 2, 0], [4, 7, 3]],
    ),
    (
        "IntegerLookup",
        {"vocabulary": [12, 36, 1138], "invert": True, "mask_token": 0},
        None,
        [[1, 2, 0], [4, 7, 3]],
    ),
    ("Hashing", {"num_bins": 10}, None, [["the"], ["cat"], ["héllo"], [""]]),
    ("Hashing", {"num_bins": 10, "salt": 133}, None, [["the"], ["cat"], ["héllo"], [""]]),
    ("Hashing", {"num_bins": 7, "salt": [5, 9]}, None, STRINGS),
    ("Hashing", {"num_bins": 10, "mask_value": ""}, None, STRINGS),
    ("Hashing", {"num_bins": 10}, None, INTS),
    ("Hashing", {"num_bins": 10, "mask_value": 12}, None, INTS),
    ("Hashing", {"num_bins": 10}, None, [[1.7, -2.5], [3.0, 1e6]]),
    ("Hashing", {"num_bins": 5, "output_mode": "one_hot"}, None, [["the"], ["cat"], ["dog"]]),
    ("Hashing", {"num_bins": 5, "output_mode": "multi_hot"}, None, STRINGS),
    ("Hashing", {"num_bins": 5, "output_mode": "count"}, None, STRINGS),
    ("CategoryEncoding", {"num_tokens": 4, "output_mode": "one_hot"}, None, [3, 2, 0, 1]),
    (
        "CategoryEncoding",
        {"num_tokens": 4, "output_mode": "multi_hot"},
        None,
        [[0, 1], [0, 0], [1, 2], [3, 1]],
    ),
    (
        "CategoryEncoding",
        {"num_tokens": 5, "output_mode": "count"},
        None,
        [[0, 1, 1, 4], [2, 2, 2, 0]],
    ),
    ("CategoryEncoding", {"num_tokens": 3, "output_mode": "one_hot"}, None, [[1], [2], [0]]),
    (
        "Discretization",
        {"bin_boundaries": [0.0, 1.0, 2.0]},
        None,
        [[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]],
    ),
    (
        "Discretization",
        {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": "one_hot"},
        None,
        [-1.5, 1.0, 3.4, 0.5],
    ),
    (
        "Discretization",
        {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": "multi_hot"},
        None,
        [[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]],
    ),
    (
        "Discretization",
        {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": "count"},
        None,
        [[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]],
    ),
    ("Discretization", {"num_bins": 4, "epsilon": 0.01}, "QUANTILES", [[0.1, 25.0, 49.5, 99.0]]),
    ("TextVectorization", {}, TEXTS, TEXTS[:4]),
    ("TextVectorization", {"output_sequence_length": 4}, TEXTS, TEXTS),
    ("TextVectorization", {"max_tokens": 6, "output_sequence_length": 12}, TEXTS, TEXTS),
    ("TextVectorization", {"standardize": "lower"}, TEXTS, TEXTS[:3]),
    (
        "TextVectorization",
        {"standardize": "strip_punctuation", "split": "character", "output_sequence_length": 10},
        TEXTS,
        TEXTS[:2],
    ),
    ("TextVectorization", {"standardize": None, "split": None}, WORDS, [["the"], ["cat"], ["x"]]),
    ("TextVectorization", {"ngrams": 2, "output_sequence_length": 20}, TEXTS, TEXTS[:2]),
    ("TextVectorization", {"ngrams": (1, 3), "output_mode": "multi_hot"}, TEXTS, TEXTS),
    ("TextVectorization", {"output_mode": "count"}, TEXTS, TEXTS),
    ("TextVectorization", {"output_mode": "tf_idf"}, TEXTS, TEXTS),
    (
        "TextVectorization",
        {"output_mode": "tf_idf", "max_tokens": 5, "pad_to_max_tokens": True},
        TEXTS,
        TEXTS[:3],
    ),
    (
        "TextVectorization",
        {"vocabulary": ["the", "cat", "dog"], "output_sequence_length": 6},
        None,
        TEXTS[:3],
    ),
]

QUANTILE_DATA = [float(v) for v in np.linspace(0.0, 100.0, 257) ** 1.5 / 10.0]


def _plain(x):
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "SO":
            return [_plain(v) for v in x.tolist()]
        return x.tolist()
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, bytes):
        return x.decode("utf-8")
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return float(x)
    if isinstance(x, np.str_):
        return str(x)
    return x


def _config(layer):
    config = layer.get_config()
    config.pop("dtype", None)
    return json.loads(json.dumps(_plain(config), default=str))


def record_case(cls_name, kwargs, adapt, inputs):
    layer = getattr(keras.layers, cls_name)(**kwargs)
    if adapt == "QUANTILES":
        adapt = QUANTILE_DATA
        layer.adapt(np.asarray(adapt))
    elif adapt is not None:
        if cls_name == "StringLookup" and adapt and isinstance(adapt[0], list):
            layer.adapt(tf.ragged.constant(adapt))
        else:
            layer.adapt(adapt)
    if cls_name in ("StringLookup", "TextVectorization", "Hashing") or kwargs.get("invert"):
        # Keras on JAX cannot turn string tensors into arrays; call it on TF tensors.
        out = layer(tf.constant(inputs))
    else:
        out = layer(np.asarray(inputs))
    out_np = np.asarray(out) if not isinstance(out, tf.Tensor) else out.numpy()
    case = {
        "layer": cls_name,
        "kwargs": _plain(kwargs),
        "adapt": _plain(adapt),
        "input": _plain(inputs),
        "output": _plain(out_np),
        "dtype": str(keras.backend.standardize_dtype(out.dtype))
        if not isinstance(out, tf.Tensor)
        else out.dtype.name,
        "config": _config(layer),
    }
    if hasattr(layer, "get_vocabulary"):
        case["vocabulary"] = _plain(layer.get_vocabulary())
        case["vocabulary_size"] = int(layer.vocabulary_size())
    if cls_name == "Discretization":
        case["bin_boundaries"] = _plain(layer.bin_boundaries)
    return case


def record_hashes():
    rng = np.random.default_rng(0)
    strings = [""] + [
        "".join(chr(int(c)) for c in rng.integers(32, 0x2FF, size=n))
        for n in [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 128, 129, 300]
    ]
    return {
        "strings": strings,
        "fast": [int(v) for v in tf.strings.to_hash_bucket_fast(strings, 2**62).numpy()],
        "strong_key": [123456789, 987654321],
        "strong": [
            int(v)
            for v in tf.strings.to_hash_bucket_strong(
                strings, 2**62, key=[123456789, 987654321]
            ).numpy()
        ],
    }


def record_crossing():
    cases = []
    for num_bins, a, b in [
        (5, [1, 2, 3, 4, 5], ["A", "B", "A", "B", "A"]),
        (1000, [["x"], ["héllo"], [""]], [[3], [-4], [2**40]]),
    ]:
        layer = keras.layers.HashedCrossing(num_bins=num_bins)
        a_t = tf.constant(a)
        b_t = (
            tf.constant(b, dtype=tf.int64)
            if isinstance(np.asarray(b).flat[0], np.integer)
            else tf.constant(b)
        )
        out = layer((a_t, b_t))
        cases.append({"num_bins": num_bins, "a": a, "b": b, "output": _plain(np.asarray(out))})
    return cases


def record_model_file():
    tv = keras.layers.TextVectorization(output_sequence_length=6, name="tv")
    tv.adapt(TEXTS)
    lookup = keras.layers.StringLookup(name="lookup", output_mode="tf_idf")
    lookup.adapt(tf.ragged.constant([["the", "cat"], ["the", "the"], ["dog", "a"]]))
    inp = keras.Input(shape=(1,), dtype="string", name="text")
    tokens = keras.Input(shape=(3,), dtype="string", name="tokens")
    model = keras.Model([inp, tokens], [tv(inp), lookup(tokens)])
    model.save(MODEL_FILE)
    with zipfile.ZipFile(MODEL_FILE) as zf:
        members = sorted(zf.namelist())
    return {
        "file": MODEL_FILE.name,
        "members": members,
        "tv_vocabulary": _plain(tv.get_vocabulary()),
        "tv_output": _plain(np.asarray(tv(tf.constant(TEXTS[:2])))),
        "lookup_vocabulary": _plain(lookup.get_vocabulary()),
        "lookup_idf": _plain(np.asarray(lookup.idf_weights)),
        "lookup_output": _plain(np.asarray(lookup(tf.constant(STRINGS)))),
    }


def main():
    data = {
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
        "cases": [record_case(*case) for case in CASES],
        "hashes": record_hashes(),
        "crossing": record_crossing(),
        "model_file": record_model_file(),
    }
    OUT.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {OUT} ({len(data['cases'])} cases) and {MODEL_FILE}")


if __name__ == "__main__":
    main()
