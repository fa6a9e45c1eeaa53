"""The lookup, hashing, encoding and text layers against Keras 3's outputs
(tests/reference/make_lookup_reference.py, Keras 3.15 with TensorFlow as its
lookup oracle), plus graph tracing, config round trips, saving, bad input."""

from __future__ import annotations

import json
import os
import pathlib
import zipfile

import numpy as np
import pytest

import pykeras as keras
from pykeras.errors import DTypeError, GraphError, InvalidArgumentError, OutOfRangeError
from pykeras.layers.preprocessing import farmhash

DATA = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data"
REF = json.loads((DATA / "lookup.json").read_text())
# The texts the model file's TextVectorization was adapted on (its first case's).
TEXTS = next(c["adapt"] for c in REF["cases"] if c["layer"] == "TextVectorization")
STRINGS = REF["cases"][0]["input"]

# Keras on JAX returns int32 for int64 results (x64 off); the fixture's string
# layers were called on TF tensors (int64): pykeras gives int32 either way.
_DTYPES = {"int64": "int32", "int32": "int32", "float32": "float32"}


def _make(case):
    kwargs = dict(case["kwargs"])
    if isinstance(kwargs.get("ngrams"), list):
        kwargs["ngrams"] = tuple(kwargs["ngrams"])  # JSON has no tuples
    layer = getattr(keras.layers, case["layer"])(**kwargs)
    adapt = case["adapt"]
    if adapt is not None:
        layer.adapt(np.asarray(adapt) if case["layer"] == "Discretization" else adapt)
    return layer


def _ids(case):
    return f"{case['layer']}-{json.dumps(case['kwargs'], ensure_ascii=True)[:60]}"


@pytest.mark.parametrize("case", REF["cases"], ids=[_ids(c) for c in REF["cases"]])
def test_matches_keras(case):
    layer = _make(case)
    out = layer(case["input"])
    expected = np.asarray(case["output"])
    if expected.dtype.kind in "fi":
        np.testing.assert_allclose(np.asarray(out, np.float64), expected, rtol=1e-6, atol=1e-6)
        want = "int64" if case["kwargs"].get("invert") else _DTYPES[case["dtype"]]
        assert str(np.asarray(out).dtype) == want
    else:
        assert np.asarray(out).tolist() == case["output"]
    if "vocabulary" in case:
        assert layer.get_vocabulary() == case["vocabulary"]
        assert layer.vocabulary_size() == case["vocabulary_size"]
    if "bin_boundaries" in case:
        np.testing.assert_allclose(layer.bin_boundaries, case["bin_boundaries"], rtol=1e-6)
    config = layer.get_config()
    for key, value in case["config"].items():
        if key == "name":
            continue  # unique names depend on the layers made before
        got = config[key]
        if isinstance(got, tuple):
            got = list(got)
        if key == "bin_boundaries" and value is not None:
            np.testing.assert_allclose(got, value, rtol=1e-6)
            continue
        assert json.loads(json.dumps(got)) == value, key


@pytest.mark.parametrize("case", REF["cases"], ids=[_ids(c) for c in REF["cases"]])
def test_config_round_trip_keeps_outputs(case):
    layer = _make(case)
    config = layer.get_config()
    clone = type(layer).from_config(config)
    if case["adapt"] is not None and case["layer"] != "Discretization":
        # An adapted vocabulary is not in the config (it is saved as an asset).
        vocabulary = layer.get_vocabulary()
        idf = []
        if config.get("output_mode") == "tf_idf":
            lookup = getattr(layer, "_lookup_layer", layer)
            idf = [lookup.idf_weights[: len(vocabulary)]]
        clone.set_vocabulary(vocabulary, *idf)
    np.testing.assert_array_equal(
        np.asarray(clone(case["input"])), np.asarray(layer(case["input"]))
    )


def test_hashes_match_tensorflow():
    h = REF["hashes"]
    for s, fast, strong in zip(h["strings"], h["fast"], h["strong"]):
        data = s.encode("utf-8")
        assert farmhash.fingerprint64(data) % 2**62 == fast, len(data)
        assert farmhash.siphash24(h["strong_key"], data) % 2**62 == strong, len(data)


@pytest.mark.parametrize("case", REF["crossing"])
def test_hashed_crossing_matches_keras(case):
    layer = keras.layers.HashedCrossing(num_bins=case["num_bins"])
    b = np.asarray(case["b"])
    inputs = (np.asarray(case["a"]), b.astype(np.int64) if b.dtype.kind == "i" else b)
    out = layer(inputs)
    assert np.asarray(out).tolist() == case["output"]
    one_hot = keras.layers.HashedCrossing(num_bins=case["num_bins"], output_mode="one_hot")
    encoded = one_hot(inputs)
    np.testing.assert_array_equal(np.argmax(encoded, -1), np.asarray(case["output"]).reshape(-1))


def test_keras_model_file_loads_with_vocabularies():
    ref = REF["model_file"]
    model = keras.saving.load_model(DATA / ref["file"])
    tv = model.get_layer("tv")
    assert tv.get_vocabulary() == ref["tv_vocabulary"]
    assert tv(TEXTS[:2]).tolist() == ref["tv_output"]
    lookup = model.get_layer("lookup")
    assert lookup.get_vocabulary() == ref["lookup_vocabulary"]
    np.testing.assert_allclose(lookup.idf_weights, ref["lookup_idf"], rtol=1e-6)
    np.testing.assert_allclose(lookup(STRINGS), ref["lookup_output"], rtol=1e-6)


def test_saved_file_has_keras_layout_and_round_trips(tmp_path):
    ref = REF["model_file"]
    tv = keras.layers.TextVectorization(output_sequence_length=6, name="tv")
    tv.adapt(TEXTS)
    lookup = keras.layers.StringLookup(name="lookup", output_mode="tf_idf")
    lookup.adapt([["the", "cat"], ["the", "the"], ["dog", "a"]])
    inp = keras.Input(shape=(1,), dtype="string", name="text")
    tokens = keras.Input(shape=(3,), dtype="string", name="tokens")
    model = keras.Model([inp, tokens], [tv(inp), lookup(tokens)])
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ref["members"]
        written = zf.read("assets/layers/text_vectorization/vocabulary.txt").decode()
    assert written.split("\n") == ref["tv_vocabulary"]
    loaded = keras.saving.load_model(path)
    assert loaded.get_layer("tv").get_vocabulary() == ref["tv_vocabulary"]
    np.testing.assert_allclose(loaded.get_layer("lookup").idf_weights, ref["lookup_idf"], rtol=1e-6)


def test_integer_layers_trace_into_a_model():
    inp = keras.Input(shape=(3,), dtype="int64")
    lookup = keras.layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], mask_token=0)
    ids = lookup(inp)
    hot = keras.layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], output_mode="multi_hot")(inp)
    enc = keras.layers.CategoryEncoding(num_tokens=6, output_mode="count")(ids)
    binned = keras.layers.Discretization(bin_boundaries=[20.0, 100.0], output_mode="one_hot")(inp)
    model = keras.Model(inp, [ids, hot, enc, binned])
    x = np.array([[12, 0, 36], [0, 5, 42], [1138, 1138, 7]])
    got = model.predict(x, verbose=0)
    eager = [
        lookup(x),
        keras.layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], output_mode="multi_hot")(x),
        keras.layers.CategoryEncoding(num_tokens=6, output_mode="count")(lookup(x)),
        keras.layers.Discretization(bin_boundaries=[20.0, 100.0], output_mode="one_hot")(x),
    ]
    for g, e in zip(got, eager):
        np.testing.assert_array_equal(np.asarray(g), np.asarray(e, np.float32))


def test_integer_lookup_feeds_an_embedding_in_fit():
    inp = keras.Input(shape=(2,), dtype="int64")
    h = keras.layers.IntegerLookup(vocabulary=list(range(100, 110)), num_oov_indices=2)(inp)
    h = keras.layers.Embedding(13, 4)(h)
    out = keras.layers.Dense(1)(keras.layers.Flatten()(h))
    model = keras.Model(inp, out)
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).integers(98, 112, size=(32, 2))
    history = model.fit(x, np.ones((32, 1)), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_string_layers_refuse_the_graph_with_a_hint():
    inp = keras.Input(shape=(1,), dtype="string")
    tv = keras.layers.TextVectorization(vocabulary=["a", "b"], output_sequence_length=3)
    model = keras.Model(inp, tv(inp))
    assert model.output.shape == (None, 3)
    # Strings never reach the compiled graph; a numeric batch reaches the layer.
    with pytest.raises(DTypeError, match="numeric"):
        model.predict(np.array([["a b"]]), verbose=0)
    with pytest.raises(GraphError, match="data pipeline"):
        model.predict(np.zeros((1, 1)), verbose=0)


def test_adapt_on_a_dataset_of_batches():
    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            texts = np.array([["a b b"], ["c b"]]) if i == 0 else np.array([["a a a a"], ["d"]])
            return texts, np.zeros(2)

    tv = keras.layers.TextVectorization()
    tv.adapt(Batches())
    assert tv.get_vocabulary() == ["", "[UNK]", "a", "b", "d", "c"]
    tv.adapt(Batches(), steps=1)
    assert tv.get_vocabulary() == ["", "[UNK]", "b", "c", "a"]
    lookup = keras.layers.StringLookup()
    lookup.adapt(iter([np.array(["x", "y"]), np.array(["y"])]))
    assert lookup.get_vocabulary() == ["[UNK]", "y", "x"]


def test_callable_standardize_and_split():
    def standardize(x):
        return np.char.upper(x)

    def split(x):
        return [s.split("-") for s in x]

    tv = keras.layers.TextVectorization(standardize=standardize, split=split)
    tv.adapt(["a-b-b", "c"])
    assert tv.get_vocabulary() == ["", "[UNK]", "B", "C", "A"]
    assert tv(["c-a-z"]).tolist() == [[3, 4, 1]]


def test_invert_round_trip_and_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("cat\ndog\nbird\n")
    lookup = keras.layers.StringLookup(vocabulary=str(path))
    # A file vocabulary is saved as an asset, never as a path in the config...
    assert lookup.get_config()["vocabulary"] is None
    # ...so a config naming a file is refused, as Keras refuses it in safe mode.
    crafted = dict(lookup.get_config(), vocabulary=str(path), vocabulary_size=None)
    for cls in (keras.layers.StringLookup, keras.layers.TextVectorization):
        config = crafted if cls is keras.layers.StringLookup else {"vocabulary": str(path)}
        with pytest.raises(InvalidArgumentError, match="outside of the model archive"):
            cls.from_config(config)
    inverse = keras.layers.StringLookup(vocabulary=lookup.get_vocabulary(), invert=True)
    x = np.array([["dog", "fish"], ["bird", "cat"]])
    assert inverse(lookup(x)).tolist() == [["dog", "[UNK]"], ["bird", "cat"]]


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: keras.layers.StringLookup(sparse=True, output_mode="multi_hot"),
         InvalidArgumentError, "sparse tensors"),
        (lambda: keras.layers.TextVectorization(ragged=True), InvalidArgumentError, "ragged"),
        (lambda: keras.layers.Hashing(num_bins=0), InvalidArgumentError, "num_bins"),
        (lambda: keras.layers.StringLookup(output_mode="bogus"), InvalidArgumentError,
         "output_mode"),
        (lambda: keras.layers.StringLookup(invert=True, output_mode="count"),
         InvalidArgumentError, "invert"),
        (lambda: keras.layers.IntegerLookup(vocabulary=[1, 1]), InvalidArgumentError, "repeated"),
        (lambda: keras.layers.Discretization(), InvalidArgumentError, "num_bins"),
        (lambda: keras.layers.CategoryEncoding(), InvalidArgumentError, "num_tokens"),
        (lambda: keras.layers.StringLookup(max_tokens=2, vocabulary=["a", "b"]),
         InvalidArgumentError, "larger than the maximum"),
    ],
)  # fmt: skip
def test_bad_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_bad_inputs():
    with pytest.raises(OutOfRangeError, match="num_oov_indices=0"):
        keras.layers.StringLookup(vocabulary=["a"], num_oov_indices=0)(["a", "b"])
    with pytest.raises(DTypeError, match="integer"):
        keras.layers.IntegerLookup(vocabulary=[1])(np.array([1.5]))
    with pytest.raises(InvalidArgumentError, match="set the layer's vocabulary"):
        keras.layers.StringLookup(output_mode="multi_hot")(["a"])
    with pytest.raises(InvalidArgumentError, match="at least two"):
        keras.layers.HashedCrossing(num_bins=3)([np.array([1])])
    with pytest.raises(ValueError, match="last shape dimension must be 1"):
        keras.layers.TextVectorization(vocabulary=["a"])(np.array([["a", "b"]]))
    with pytest.raises(GraphError, match="farmhash"):
        inp = keras.Input(shape=(2,), dtype="int64")
        layer = keras.layers.IntegerLookup(vocabulary=[1], num_oov_indices=2, oov_method="farmhash")
        keras.Model(inp, layer(inp)).predict(np.array([[1, 2]]), verbose=0)


def test_scalar_and_bytes_inputs():
    tv = keras.layers.TextVectorization(vocabulary=["hello", "world"])
    assert tv("Hello world!").tolist() == [2, 3]
    lookup = keras.layers.StringLookup(vocabulary=["héllo"])
    assert lookup(np.array(["héllo".encode(), b"x"], dtype=object)).tolist() == [1, 0]
    assert os.fspath(DATA).endswith("data")
