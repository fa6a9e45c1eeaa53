"""Records what Keras 3's creation and array-manipulation ops return.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_composite_reference.py

Each case calls one `keras.ops` function on small arguments and records the
result's shape, dtype and values (or the error's type). The arguments are
stored too, so tests/python/test_composite_creation.py and
test_composite_arrays.py replay every case against `pykeras.ops` from the
JSON alone. Output: tests/reference/data/composite_ops.json.

The cases avoid what the JAX backend does differently from Keras's meaning
on purpose: 64-bit arrays (JAX without x64 makes them 32-bit), out-of-range
indices (JAX fills NaN) and Python lists where JAX wants arrays.
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "data" / "composite_ops.json"


def arr(values, dtype):
    """An array argument, as stored: {"array": nested values, "dtype": name}."""
    return {"array": np.asarray(values, dtype).tolist(), "dtype": dtype}


def decode(value):
    if isinstance(value, dict) and "array" in value:
        return np.asarray(value["array"], value["dtype"])
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def encode_result(value):
    if isinstance(value, (list, tuple)):
        return {"items": [encode_result(v) for v in value]}
    a = np.asarray(value)
    return {"shape": list(a.shape), "dtype": str(a.dtype), "values": a.ravel().tolist()}


M = arr(np.arange(12).reshape(3, 4), "int32")
F = arr(np.arange(12).reshape(3, 4) * 0.5 - 2, "float32")
B = arr(np.arange(6).reshape(2, 3) % 2 == 0, "bool")
T = arr(np.arange(24).reshape(2, 3, 4), "int32")

CREATION = [
    ("ones", [[2, 3]], {}),
    ("ones", [3], {}),
    ("ones", [[]], {}),
    ("ones", [[2]], {"dtype": "int32"}),
    ("ones", [[2]], {"dtype": "bool"}),
    ("zeros", [[2, 0, 1]], {}),
    ("zeros", [[2]], {"dtype": "int32"}),
    ("empty", [[2, 2]], {}),
    ("full", [[2, 2], 3], {}),
    ("full", [[2], 3.5], {}),
    ("full", [[2, 3], arr([1, 2, 3], "int32")], {}),
    ("full", [[2], 1.5], {"dtype": "int32"}),
    ("full", [[2], True], {}),
    ("ones_like", [M], {}),
    ("ones_like", [F], {}),
    ("ones_like", [B], {}),
    ("ones_like", [3.0], {}),
    ("zeros_like", [M], {}),
    ("zeros_like", [F], {"dtype": "int32"}),
    ("empty_like", [F], {}),
    ("full_like", [M, 2.5], {}),
    ("full_like", [F, 2], {}),
    ("full_like", [F, 7], {"dtype": "int32"}),
    ("arange", [5], {}),
    ("arange", [5.0], {}),
    ("arange", [1, 5, 2], {}),
    ("arange", [5, 0, -1], {}),
    ("arange", [0, 1, 0.25], {}),
    ("arange", [0.1, 1.0, 0.1], {}),
    ("arange", [1, 2.5, 0.5], {}),
    ("arange", [5], {"dtype": "float32"}),
    ("arange", [-3], {}),
    ("eye", [3], {}),
    ("eye", [2, 3, 1], {}),
    ("eye", [3, 2], {"k": -1}),
    ("eye", [2], {"dtype": "int32"}),
    ("identity", [3], {}),
    ("identity", [0], {}),
    ("tri", [3], {}),
    ("tri", [2, 3, -1], {}),
    ("tri", [2], {"dtype": "int32"}),
    ("linspace", [0, 1, 5], {}),
    ("linspace", [0, 10, 5], {}),
    ("linspace", [0, 1, 5], {"retstep": True}),
    ("linspace", [0, 1, 4], {"endpoint": False}),
    ("linspace", [0, 1, 0], {}),
    ("linspace", [0, 1, 1], {}),
    ("linspace", [2, -3, 6], {}),
    ("linspace", [0, 10, 4], {"dtype": "int32"}),
    ("linspace", [-10, 0, 4], {"dtype": "int32"}),
    ("linspace", [arr([0, 1], "float32"), 5, 3], {}),
    ("linspace", [arr([0, 1], "float32"), arr([1, 2], "float32"), 3], {"axis": -1}),
    ("logspace", [0, 2, 3], {}),
    ("logspace", [0, 2, 3], {"base": 2}),
    ("logspace", [0, 3, 4], {"endpoint": False}),
    ("logspace", [-1, 1, 3], {"dtype": "int32"}),
    ("logspace", [arr([0, 1], "float32"), 2, 3], {"axis": 1}),
    ("linspace", [0, 1, -1], {}),
    ("eye", [-1], {}),
    ("arange", [3], {"dtype": "bool"}),
]

ARRAYS = [
    ("expand_dims", [F, 0], {}),
    ("expand_dims", [M, -1], {}),
    ("expand_dims", [F, [0, 2]], {}),
    ("expand_dims", [B, 1], {}),
    ("expand_dims", [F, 3], {}),
    ("squeeze", [arr(np.ones((1, 3, 1)), "float32")], {}),
    ("squeeze", [arr(np.ones((1, 3, 1)), "float32"), [0, 2]], {}),
    ("squeeze", [arr(np.ones((1, 3, 1)), "int32"), -1], {}),
    ("squeeze", [F, 0], {}),
    ("stack", [[F, F]], {}),
    ("stack", [[M, M, M]], {"axis": -1}),
    ("stack", [[M, F]], {"axis": 1}),
    ("stack", [[B, B]], {}),
    ("stack", [[F, arr(np.ones((2, 4)), "float32")]], {}),
    ("split", [F, 2], {"axis": 1}),
    ("split", [M, [1, 3]], {"axis": 1}),
    ("split", [T, 3], {"axis": 1}),
    ("split", [F, 3], {"axis": 1}),
    ("tile", [F, 2], {}),
    ("tile", [M, [2, 1, 2]], {}),
    ("tile", [M, [0, 1]], {}),
    ("tile", [B, [2, 1]], {}),
    ("repeat", [F, 2], {}),
    ("repeat", [M, 2], {"axis": 1}),
    ("repeat", [T, 3], {"axis": -1}),
    ("repeat", [M, 0], {"axis": 0}),
    ("flip", [F], {}),
    ("flip", [M], {"axis": 1}),
    ("flip", [T], {"axis": [0, 2]}),
    ("roll", [F, 1], {}),
    ("roll", [M, -5], {"axis": 1}),
    ("roll", [M, [1, 2]], {"axis": [0, 1]}),
    ("roll", [M, [1, 2]], {"axis": 0}),
    ("roll", [T, 7], {"axis": -1}),
    ("broadcast_to", [arr([1, 2, 3], "float32"), [2, 3]], {}),
    ("broadcast_to", [arr([[1], [2]], "int32"), [3, 2, 4]], {}),
    ("broadcast_to", [arr([1, 2, 3], "float32"), [2, 4]], {}),
    ("take", [F, [0, 2]], {}),
    ("take", [F, [-1, 2]], {"axis": 1}),
    ("take", [M, [[0, 2], [1, 1]]], {"axis": 1}),
    ("take", [F, 1], {"axis": 1}),
    ("take", [T, [1, 0, 1]], {"axis": 0}),
    ("take", [B, [1]], {"axis": 0}),
    ("take_along_axis", [F, arr([[0], [1], [3]], "int32")], {"axis": 1}),
    ("take_along_axis", [F, arr([0, 11], "int32")], {}),
    ("take_along_axis", [M, arr([[0, 1]], "int32")], {"axis": 1}),
    ("take_along_axis", [F, arr([[-1]], "int32")], {"axis": 1}),
    ("take_along_axis", [T, arr([[[2], [0], [1]]], "int32")], {"axis": 2}),
    ("take_along_axis", [F, arr([0], "int32")], {"axis": 1}),
    ("swapaxes", [T, 0, 2], {}),
    ("swapaxes", [M, -1, 0], {}),
    ("moveaxis", [T, 0, -1], {}),
    ("moveaxis", [T, [0, 1], [2, 0]], {}),
    ("ravel", [T], {}),
    ("ravel", [B], {}),
    ("tril", [F], {}),
    ("tril", [F], {"k": -1}),
    ("tril", [T], {"k": 1}),
    ("triu", [M], {"k": 2}),
    ("triu", [arr(np.full((2, 2), np.inf), "float32")], {}),
    ("tril", [arr([1, 2, 3], "float32")], {}),
    ("hstack", [[arr([1, 2], "float32"), arr([3, 4, 5], "float32")]], {}),
    ("hstack", [[F, F]], {}),
    ("hstack", [[T, T]], {}),
    ("vstack", [[arr([1, 2], "int32"), arr([3, 4], "int32")]], {}),
    ("vstack", [[F, M]], {}),
    ("vstack", [[arr(1.0, "float32"), arr(2.0, "float32")]], {}),
    ("append", [F, F], {}),
    ("append", [M, F], {"axis": 0}),
    ("append", [M, arr([[9, 9, 9, 9]], "int32")], {"axis": 0}),
]


def record(name, args, kwargs):
    case = {"op": name, "args": args, "kwargs": kwargs}
    try:
        result = getattr(ops, name)(*decode(args), **kwargs)
        case["result"] = encode_result(jax.device_get(result))
    except Exception as e:  # noqa: BLE001 - the error's type is the record
        case["error"] = type(e).__name__
    return case


def dumps_one_case_per_line(data):
    """JSON with one case per line: compact, and diffable."""
    compact = {"sort_keys": True, "separators": (",", ":")}
    parts = [f'"versions": {json.dumps(data["versions"], sort_keys=True)}']
    for family in ("creation", "arrays"):
        lines = ",\n".join(f" {json.dumps(case, **compact)}" for case in data[family])
        parts.append(f'"{family}": [\n{lines}\n]')
    return "{\n" + ",\n".join(parts) + "\n}\n"


def main():
    data = {
        "versions": {"keras": keras.__version__, "jax": jax.__version__, "numpy": np.__version__},
        "creation": [record(*c) for c in CREATION],
        "arrays": [record(*c) for c in ARRAYS],
    }
    OUT.write_text(dumps_one_case_per_line(data))
    json.loads(OUT.read_text())
    print(f"wrote {OUT}: {len(data['creation'])} + {len(data['arrays'])} cases")


if __name__ == "__main__":
    main()
