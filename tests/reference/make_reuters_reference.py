"""Records Keras 3's `keras.datasets.reuters.load_data` on a small synthetic file.

Run with the oracle environment (Keras is a test oracle, never a dependency):

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_reuters_reference.py

Writes `data/reuters_small.npz` (60 synthetic newswires in Keras's file
layout: `x` an object array of word-index lists, `y` topic labels) and
`data/reuters_reference.json`: for each argument set, what Keras's loader
returns from that file. Keras's `get_file` is pointed at the local file, so
nothing is downloaded.
"""

import json
import os
import pathlib

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")
from keras.src.datasets import reuters  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent / "data"
CASES = {
    "defaults": {},
    "num_words": {"num_words": 20, "skip_top": 2},
    "maxlen": {"maxlen": 9, "seed": 7},
    "no_start_no_oov": {"start_char": None, "oov_char": None, "num_words": 25},
    "split": {"test_split": 0.35, "index_from": 5, "seed": 0},
    "no_offset": {"start_char": None, "index_from": 0},
}


def main():
    rng = np.random.default_rng(0)
    x = np.empty(60, dtype=object)
    for i in range(60):
        x[i] = [int(w) for w in rng.integers(1, 40, size=int(rng.integers(1, 15)))]
    y = rng.integers(0, 46, size=60).astype("int64")
    path = HERE / "reuters_small.npz"
    np.savez(path, x=x, y=y)
    reuters.get_file = lambda *args, **kwargs: str(path)
    results = {}
    for name, kwargs in CASES.items():
        (x_train, y_train), (x_test, y_test) = reuters.load_data(**kwargs)
        results[name] = {
            "kwargs": kwargs,
            "x_train": [list(map(int, s)) for s in x_train],
            "y_train": [int(v) for v in y_train],
            "x_test": [list(map(int, s)) for s in x_test],
            "y_test": [int(v) for v in y_test],
        }
    results["label_names"] = list(reuters.get_label_names())
    (HERE / "reuters_reference.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
