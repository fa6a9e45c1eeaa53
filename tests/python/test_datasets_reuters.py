"""keras.datasets.reuters against Keras 3's loader on a small synthetic file
(tests/reference/make_reuters_reference.py records Keras's outputs)."""

import json
import pathlib

import numpy as np
import pytest

import pykeras as keras

DATA = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data"
FILE = str(DATA / "reuters_small.npz")
REFERENCE = json.loads((DATA / "reuters_reference.json").read_text())
CASES = [name for name in REFERENCE if name != "label_names"]


@pytest.mark.parametrize("case", CASES)
def test_load_data_equals_keras(case):
    want = REFERENCE[case]
    (x_train, y_train), (x_test, y_test) = keras.datasets.reuters.load_data(
        path=FILE, **want["kwargs"]
    )
    assert x_train.dtype == object and x_train.ndim == 1
    assert [list(s) for s in x_train] == want["x_train"]
    assert [list(s) for s in x_test] == want["x_test"]
    np.testing.assert_array_equal(y_train, want["y_train"])
    np.testing.assert_array_equal(y_test, want["y_test"])


def test_label_names_are_keras():
    assert list(keras.datasets.reuters.get_label_names()) == REFERENCE["label_names"]


def test_word_index_reads_a_local_file(tmp_path):
    path = tmp_path / "reuters_word_index.json"
    path.write_text(json.dumps({"the": 1, "of": 2}))
    assert keras.datasets.reuters.get_word_index(str(path)) == {"the": 1, "of": 2}
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="JSON object"):
        keras.datasets.reuters.get_word_index(str(path))


def test_bad_arguments_and_files(tmp_path):
    with pytest.raises(ValueError, match="test_split"):
        keras.datasets.reuters.load_data(path=FILE, test_split=1.5)
    with pytest.raises(ValueError, match="maxlen=1"):
        keras.datasets.reuters.load_data(path=FILE, maxlen=1)
    with pytest.raises(FileNotFoundError):
        keras.datasets.reuters.load_data(path=str(tmp_path / "missing.npz"))
    bad = tmp_path / "bad.npz"
    np.savez(bad, x=np.zeros((3, 2)), y=np.zeros(4))
    with pytest.raises(ValueError, match="Could not read"):
        keras.datasets.reuters.load_data(path=str(bad))
