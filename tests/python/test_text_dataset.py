"""`text_dataset_from_directory`: files, labels, splits and batches as Keras
makes them (file order and seeded shuffle as in Keras's `index_directory`),
string batches as NumPy arrays of str, and the pipeline into
`TextVectorization` and `fit`."""

from __future__ import annotations

import numpy as np
import pytest

import pykeras as keras


@pytest.fixture
def corpus(tmp_path):
    texts = {
        "neg": ["bad movie", "awful, boring", "not good at all", "worst ever"],
        "pos": ["great film", "loved it!", "héllo wonderful", "best ever", "so good"],
    }
    for label, items in texts.items():
        (tmp_path / label).mkdir()
        for i, text in enumerate(items):
            (tmp_path / label / f"{i:02d}.txt").write_text(text, encoding="utf-8")
    (tmp_path / "pos" / "ignored.md").write_text("not a text file")
    return tmp_path, texts


def _all(ds):
    texts, labels = [], []
    for i in range(len(ds)):
        x, y = ds[i]
        assert isinstance(x, np.ndarray) and x.dtype.kind == "U"
        texts += x.tolist()
        labels += np.asarray(y).tolist()
    return texts, labels


def test_inferred_labels_unshuffled(corpus):
    root, texts = corpus
    ds = keras.utils.text_dataset_from_directory(root, batch_size=4, shuffle=False, verbose=False)
    assert ds.class_names == ["neg", "pos"]
    assert len(ds) == 3
    got, labels = _all(ds)
    assert got == texts["neg"] + texts["pos"]
    assert labels == [0] * 4 + [1] * 5
    assert ds[0][1].dtype == np.int32


def test_label_modes_and_max_length(corpus):
    root, _ = corpus
    cat = keras.utils.text_dataset_from_directory(
        root, label_mode="categorical", shuffle=False, max_length=4, verbose=False
    )
    x, y = cat[0]
    assert y.shape == (9, 2) and y.dtype == np.float32
    assert x.tolist()[:2] == ["bad ", "awfu"]
    assert x.tolist()[6] == "hél"  # 4 bytes: "é" takes two
    # A character cut by the byte limit becomes U+FFFD, as decoding TF's bytes would.
    short = keras.utils.text_dataset_from_directory(
        root, shuffle=False, max_length=2, verbose=False
    )
    assert short[0][0].tolist()[6] == "h\ufffd"
    binary = keras.preprocessing.text_dataset_from_directory(
        root, label_mode="binary", shuffle=False, verbose=False
    )
    assert binary[0][1].shape == (9, 1)
    unlabelled = keras.utils.text_dataset_from_directory(
        root, labels=None, shuffle=False, verbose=False
    )
    assert isinstance(unlabelled[0], np.ndarray) and unlabelled[0].shape == (9,)
    assert unlabelled.class_names is None


def test_seeded_shuffle_and_split_match_keras_order(corpus):
    root, texts = corpus
    paths = sorted((root / c / f).as_posix() for c in ("neg", "pos") for f in sorted(
        p.name for p in (root / c).iterdir() if p.suffix == ".txt"))  # fmt: skip
    order = np.random.RandomState(7).permutation(np.asarray(paths, object))
    train, val = keras.utils.text_dataset_from_directory(
        root, batch_size=3, seed=7, validation_split=0.25, subset="both", verbose=False
    )
    assert train.file_paths == list(order[:7])
    assert val.file_paths == list(order[7:])
    got, labels = _all(val)
    by_path = {p: (open(p, encoding="utf-8").read(), int("/pos/" in p)) for p in paths}
    assert got == [by_path[p][0] for p in order[7:]]
    assert labels == [by_path[p][1] for p in order[7:]]
    only_train = keras.utils.text_dataset_from_directory(
        root, seed=7, validation_split=0.25, subset="training", verbose=False
    )
    assert only_train.file_paths == train.file_paths


def test_unbatched_and_explicit_labels(corpus):
    root, _ = corpus
    ds = keras.utils.text_dataset_from_directory(
        root / "pos", labels=[0, 1, 0, 1, 1], batch_size=None, shuffle=False, verbose=False
    )
    text, label = ds[1]
    assert str(text) == "loved it!"
    assert len(ds) == 5 and int(label) == 1


def test_feeds_text_vectorization_and_fit(corpus):
    root, _ = corpus
    ds = keras.utils.text_dataset_from_directory(root, batch_size=4, seed=1, verbose=False)
    tv = keras.layers.TextVectorization(output_sequence_length=4)
    tv.adapt(ds)
    assert "ever" in tv.get_vocabulary()
    x = np.concatenate([tv(ds[i][0]) for i in range(len(ds))])
    y = np.concatenate([ds[i][1] for i in range(len(ds))])
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Embedding(tv.vocabulary_size(), 3),
         keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1, activation="sigmoid")]
    )  # fmt: skip
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, y, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"labels": "bogus"}, "labels"),
        ({"labels": [0, 1], "class_names": ["a"]}, "class_names"),
        ({"label_mode": "sparse"}, "label_mode"),
        ({"validation_split": 0.2}, "subset"),
        ({"validation_split": 0.2, "subset": "training"}, "seed"),
        ({"subset": "train", "validation_split": 0.2, "seed": 1}, "subset"),
        ({"label_mode": "binary", "labels": "inferred", "class_names": ["neg"]}, "class_names"),
    ],
)
def test_bad_arguments(corpus, kwargs, match):
    root, _ = corpus
    with pytest.raises(ValueError, match=match):
        keras.utils.text_dataset_from_directory(root, verbose=False, **kwargs)


def test_empty_directory(tmp_path):
    (tmp_path / "a").mkdir()
    with pytest.raises(ValueError, match="No text files found"):
        keras.utils.text_dataset_from_directory(tmp_path, verbose=False)
