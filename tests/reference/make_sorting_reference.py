"""Records what Keras 3's sorting, special-function and segment ops return.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_sorting_reference.py

Each case calls one `keras.ops` function (sort, argsort, top_k, erf, erfc,
erfinv, segment_sum/max/min/prod) on small arguments and records the
result's shape, dtype and values (or the error's type), with the arguments,
so tests/python/test_ops_sort.py, test_ops_special.py and
test_ops_segment.py replay every case against `pykeras.ops` from the JSON
alone. Output: tests/reference/data/sorting.json.

What is recorded is where Keras differs from NumPy or where the choice is
Keras's own: NaN placement and ties in sort/argsort/top_k, int32 indices,
erfinv at and beyond ±1, erfc far in the tail, and segment ids that are
negative or past num_segments (dropped), empty segments and integer data.
Arrays are 32-bit (JAX without x64 makes 64-bit ones 32-bit).
argpartition is left out: Keras allows any valid partition, so its exact
output is not a reference (the tests check the partition property).
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402, F401
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "data" / "sorting.json"
NAN = float("nan")


def arr(values, dtype):
    """An array argument, as stored: {"array": nested values, "dtype": name}."""
    return {"array": np.asarray(values, dtype).tolist(), "dtype": dtype}


def decode(value):
    if isinstance(value, dict) and "array" in value:
        return np.asarray(value["array"], value["dtype"])
    return value


def encode_result(value):
    if isinstance(value, (list, tuple)):
        return {"items": [encode_result(v) for v in value]}
    a = np.asarray(value)
    return {"shape": list(a.shape), "dtype": str(a.dtype), "values": a.ravel().tolist()}


WITH_NAN = arr([1.0, NAN, 3.0, 0.0, -0.0, 3.0, -2.0], "float32")
TIES = arr([[2.0, 1.0, 2.0, 1.0], [0.5, NAN, -1.0, 0.5]], "float32")
INTS = arr([[5, 2, 1, 3, 6], [7, 7, -1, 0, 7]], "int32")
CUBE = arr(np.arange(24).reshape(2, 3, 4)[:, ::-1, ::-1] % 7 * 0.5, "float32")

SORTING = [
    ("sort", [WITH_NAN], {}),
    ("sort", [TIES], {}),
    ("sort", [TIES], {"axis": 0}),
    ("sort", [INTS], {}),
    ("sort", [CUBE], {"axis": 1}),
    ("sort", [CUBE], {"axis": None}),
    ("argsort", [WITH_NAN], {}),
    ("argsort", [TIES], {}),
    ("argsort", [TIES], {"axis": 0}),
    ("argsort", [INTS], {}),
    ("argsort", [CUBE], {"axis": -2}),
    ("argsort", [CUBE], {"axis": None}),
    ("top_k", [WITH_NAN], {"k": 4}),
    ("top_k", [TIES], {"k": 3}),
    ("top_k", [INTS], {"k": 2}),
    ("top_k", [CUBE], {"k": 1}),
    ("top_k", [INTS], {"k": 5}),
]

SPECIAL = [
    ("erf", [arr([-10.0, -3.0, -1.0, -0.5, 0.0, 1e-8, 0.25, 2.0, 4.0, 9.0], "float32")], {}),
    ("erf", [arr([float("inf"), -float("inf"), NAN], "float32")], {}),
    ("erfc", [arr([-3.0, -1.0, 0.0, 0.5, 2.0, 5.0, 7.0, 9.0, 10.0, 12.0], "float32")], {}),
    ("erfc", [arr([float("inf"), -float("inf"), NAN], "float32")], {}),
    ("erfinv", [arr([-0.999, -0.5, -1e-7, 0.0, 0.3, 0.9, 0.99999], "float32")], {}),
    ("erfinv", [arr([1.0, -1.0, 1.5, -2.0, NAN], "float32")], {}),
]

DATA = arr([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "float32")
ROWS = arr([[1.0, -2.0], [3.0, 0.5], [-4.0, 8.0], [2.0, 2.0]], "float32")
IDATA = arr([1, 2, 3, 4, 5, 6], "int32")
SEGMENTS = []
for name in ["segment_sum", "segment_max", "segment_min", "segment_prod"]:
    SEGMENTS += [
        (name, [DATA, arr([0, 0, 1, 1, 2, 2], "int32")], {"num_segments": 3}),
        (name, [DATA, arr([2, 0, 2, 1, 0, 2], "int32")], {"num_segments": 3}),
        # -1 and 5 are dropped; segments 1 and 3 are empty.
        (name, [DATA, arr([0, -1, 2, 5, 0, 2], "int32")], {"num_segments": 4}),
        (name, [ROWS, arr([1, 0, 1, 1], "int32")], {"num_segments": 2}),
        (name, [IDATA, arr([0, -1, 2, 5, 0, 2], "int32")], {"num_segments": 4}),
        (name, [DATA, arr([0, 0, 1, 1, 2, 2], "int32")], {"num_segments": 3, "sorted": True}),
    ]


def record(cases):
    out = []
    for name, args, kwargs in cases:
        case = {"op": name, "args": args, "kwargs": kwargs}
        try:
            case["result"] = encode_result(getattr(ops, name)(*map(decode, args), **kwargs))
        except Exception as e:  # noqa: BLE001 - the error's type is the record
            case["error"] = type(e).__name__
        out.append(case)
    return out


def main():
    data = {
        "keras_version": keras.__version__,
        "sorting": record(SORTING),
        "special": record(SPECIAL),
        "segments": record(SEGMENTS),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, indent=1, allow_nan=True) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
