"""Records what Keras 3's `keras.tree` does on the cases of tests/python/tree_cases.py.

This is a generator, not a test. Run it with Keras 3 on the JAX backend (any
Python with keras, jax and optree installed):

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_tree_reference.py

For every case (a `keras.tree` function, its arguments, named functions to map)
it records the outcome: the returned value, or the error's type and message;
the arguments of every call of the mapped function, in order; and warnings.
Values are stored in tree_cases.encode's tagged form, which keeps list vs
tuple, dict key order and the container types. Output:
tests/reference/data/tree_reference.json, which tests/python/test_tree.py
replays against pykeras.tree.
"""

import json
import os
import pathlib
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import optree  # noqa: E402
from keras import tree  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "python"))

import tree_cases  # noqa: E402

OUT = HERE / "data" / "tree_reference.json"


def dumps_one_case_per_line(data):
    """JSON with one line per case: a third of the size of indented JSON, and diffable."""
    compact = {"sort_keys": True, "separators": (",", ":")}
    lines = [
        f" {json.dumps(name)}: {json.dumps(record, **compact)}"
        for name, record in sorted(data["cases"].items())
    ]
    return (
        '{\n"cases": {\n'
        + ",\n".join(lines)
        + '\n},\n"versions": '
        + json.dumps(data["versions"], sort_keys=True)
        + "\n}\n"
    )


def main():
    records = {}
    for case, fresh in zip(tree_cases.cases(), tree_cases.cases()):
        if case["name"] in records:
            raise ValueError(f"duplicate case name: {case['name']}")
        records[case["name"]] = {
            "call": case["call"],
            "args": tree_cases.encode(fresh["args"]),
            "kwargs": tree_cases.encode(fresh["kwargs"]),
            **tree_cases.run_case(tree, case),
        }
    data = {
        "versions": {
            "keras": keras.__version__,
            "backend": keras.backend.backend(),
            "optree": optree.__version__,
            "python": sys.version.split()[0],
        },
        "cases": records,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(dumps_one_case_per_line(data))
    print(f"wrote {len(records)} cases to {OUT}")


if __name__ == "__main__":
    main()
