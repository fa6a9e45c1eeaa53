"""Records what Keras 3's indexing, tensor-fact and patch ops return.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_indexing_reference.py

Each case calls one `keras.ops` function on small arguments and records the
result's shape, dtype and values (or the error's type); tuples and lists of
results are recorded item by item, and Python scalars or strings as they are.
The arguments are stored too, so tests/python/test_composite_indexing.py,
test_composite_tensors.py and test_composite_patches.py replay every case
against `pykeras.ops` from the JSON alone. Output:
tests/reference/data/indexing.json.

The cases avoid what the JAX backend does differently from Keras's meaning on
purpose: 64-bit arrays (JAX without x64 makes them 32-bit), out-of-range
indices (JAX clamps or drops them) and complex numbers (pykeras has none).
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "data" / "indexing.json"


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
    if isinstance(value, (str, bool, int, float)) or value is None:
        return {"python": value, "type": type(value).__name__}
    a = np.asarray(value)
    values = a.ravel().tolist()
    if a.dtype.kind == "f":
        # NaN and inf are not JSON: write them as strings.
        values = [v if np.isfinite(v) else str(v) for v in values]
    return {"shape": list(a.shape), "dtype": str(a.dtype), "values": values}


M = arr(np.arange(12).reshape(3, 4), "int32")
F = arr(np.arange(12).reshape(3, 4) * 0.5 - 2, "float32")
B = arr(np.arange(6).reshape(2, 3) % 2 == 0, "bool")
V = arr([3.0, 1.0, 2.0, 3.0, 1.0, 5.0], "float32")
VI = arr([3, 1, 2, 3, 1, 5], "int32")
S = arr([1.0, 2.0, 2.0, 4.0], "float32")

INDEXING = [
    ("scatter", [arr([[0, 1], [1, 1]], "int32"), arr([1.0, 1.0], "float32"), [2, 2]], {}),
    ("scatter", [arr([[0], [0], [2]], "int32"), arr([1.0, 2.0, 3.0], "float32"), [4]], {}),
    ("scatter", [arr([[1], [0]], "int32"), arr([[1, 2, 3], [4, 5, 6]], "float32"), [3, 3]], {}),
    ("scatter", [arr([[1, 2], [1, 2]], "int32"), arr([5, 6], "int32"), [2, 3]], {}),
    ("scatter", [arr([[0, 1], [1, 0]], "int32"), arr([1.5, 2.5], "float32"), (2, 2, 2)], {}),
    ("scatter_update", [F, arr([[0, 1], [2, 3]], "int32"), arr([9.0, 8.0], "float32")], {}),
    ("scatter_update", [F, arr([[1]], "int32"), arr([[7.0, 6.0, 5.0, 4.0]], "float32")], {}),
    ("scatter_update", [M, arr([[0, 0], [2, 1]], "int32"), arr([-1, -2], "int32")], {}),
    ("scatter_update", [M, arr([[0, 0]], "int32"), arr([2.7], "float32")], {}),
    ("scatter_update", [F, arr([[-1, 0]], "int32"), arr([9.0], "float32")], {}),
    (
        "scatter_update",
        [F, arr([[0, 1], [0, 1], [1, 2]], "int32"), arr([1.0, 2.0, 3.0], "float32")],
        {"reduction": "add"},
    ),
    (
        "scatter_update",
        [F, arr([[0, 1], [0, 1], [1, 2]], "int32"), arr([1.0, -9.0, 3.0], "float32")],
        {"reduction": "max"},
    ),
    (
        "scatter_update",
        [F, arr([[0, 1], [0, 1], [1, 2]], "int32"), arr([1.0, -9.0, 3.0], "float32")],
        {"reduction": "min"},
    ),
    (
        "scatter_update",
        [F, arr([[0, 1], [0, 1], [2, 0]], "int32"), arr([2.0, 3.0, 3.0], "float32")],
        {"reduction": "mul"},
    ),
    (
        "scatter_update",
        [F, arr([[0], [0]], "int32"), arr([[1.0] * 4, [2.0] * 4], "float32")],
        {"reduction": "mul"},
    ),
    (
        "scatter_update",
        [M, arr([[1, 1], [1, 1]], "int32"), arr([5, 6], "int32")],
        {"reduction": "ADD"},
    ),
    ("scatter_update", [F, arr([[0, 1]], "int32"), arr([1.0], "float32")], {"reduction": "sub"}),
    ("slice_update", [F, [1, 1], arr(np.ones((2, 2)), "float32")], {}),
    ("slice_update", [M, [0, 2], arr([[-1, -2]], "int32")], {}),
    ("slice_update", [F, (0, 0), arr(np.zeros((3, 4)), "float32")], {}),
    (
        "slice_update",
        [arr(np.zeros((2, 3, 4)), "float32"), [1, 0, 2], arr(np.ones((1, 3, 2)), "float32")],
        {},
    ),
    (
        "select",
        [
            [arr([True, False, False], "bool"), arr([False, True, False], "bool")],
            [arr([1, 2, 3], "int32"), arr([4, 5, 6], "int32")],
        ],
        {},
    ),
    (
        "select",
        [
            [arr([True, False, False], "bool"), arr([True, True, False], "bool")],
            [arr([1.0, 2.0, 3.0], "float32"), arr([4.0, 5.0, 6.0], "float32")],
        ],
        {"default": -1},
    ),
    ("select", [[arr([True, False], "bool")], [arr([1, 2], "int32")]], {"default": 2.5}),
    ("nonzero", [F], {}),
    ("nonzero", [arr([0, 3, 0, 5], "int32")], {}),
    ("nonzero", [B], {}),
    ("unique", [V], {}),
    ("unique", [VI], {}),
    ("unique", [VI], {"return_index": True, "return_inverse": True, "return_counts": True}),
    ("unique", [V], {"return_inverse": True}),
    ("unique", [V], {"return_counts": True}),
    ("unique", [arr([[1, 2], [1, 2], [0, 5]], "int32")], {"axis": 0}),
    ("unique", [arr([[1, 2], [1, 2], [0, 5]], "int32")], {"return_inverse": True}),
    (
        "unique",
        [arr([[1, 2], [1, 2], [0, 5]], "int32")],
        {"axis": 0, "return_inverse": True, "return_counts": True},
    ),
    ("unique", [VI], {"size": 6, "fill_value": -1}),
    ("unique", [VI], {"size": 6}),
    ("unique", [VI], {"size": 2}),
    ("unique", [VI], {"size": 6, "return_index": True, "return_counts": True}),
    (
        "unique",
        [VI],
        {"size": 3, "return_index": True, "return_inverse": True, "return_counts": True},
    ),
    ("unique", [arr([[1, 2], [1, 2], [0, 5]], "int32")], {"axis": 0, "size": 3, "fill_value": 9}),
    ("unique", [VI], {"sorted": False}),
    ("isin", [VI, arr([1, 5], "int32")], {}),
    ("isin", [F, arr([0.5, -2.0], "float32")], {"invert": True}),
    ("isin", [V, arr([3.0, 1.0], "float32")], {"assume_unique": True}),
    ("isin", [M, 4], {}),
    ("searchsorted", [S, arr([0.0, 2.0, 3.0, 5.0], "float32")], {}),
    ("searchsorted", [S, arr([0.0, 2.0, 3.0, 5.0], "float32")], {"side": "right"}),
    ("searchsorted", [arr([1, 3, 5], "int32"), arr([[3, 4], [0, 9]], "int32")], {}),
    ("searchsorted", [S, 2.0], {}),
    ("searchsorted", [S, arr([1.0], "float32")], {"side": "middle"}),
    (
        "digitize",
        [arr([0.2, 6.4, 3.0, 1.6, 1.0], "float32"), arr([0.0, 1.0, 2.5, 4.0, 10.0], "float32")],
        {},
    ),
    ("digitize", [arr([3, 1, 7], "int32"), [1, 3, 5]], {}),
    ("digitize", [arr([0.5, 2.0, 9.0], "float32"), arr([4.0, 2.0, 1.0], "float32")], {}),
    ("bincount", [arr([0, 1, 1, 3], "int32")], {}),
    ("bincount", [arr([0, 1, 1, 3], "int32")], {"minlength": 6}),
    ("bincount", [arr([0, 1, 1, 3], "int32"), arr([0.5, 1.0, 2.0, 3.0], "float32")], {}),
    ("bincount", [arr([0, 1, 1, 3], "int32"), arr([1, 2, 3, 4], "int32")], {}),
    ("bincount", [arr([[0, 1], [2, 2]], "int32")], {}),
    ("bincount", [arr([0, 1, 1, 3], "int32"), None, 2], {}),
    ("histogram", [arr([0.0, 1.0, 1.5, 2.0, 3.0, 4.0], "float32")], {}),
    ("histogram", [arr([0.0, 1.0, 1.5, 2.0, 3.0, 4.0], "float32")], {"bins": 3}),
    (
        "histogram",
        [arr([0.0, 1.0, 1.5, 2.0, 3.0, 4.0], "float32")],
        {"bins": 4, "range": (1.0, 3.0)},
    ),
    ("histogram", [arr([1, 2, 2, 5], "int32")], {"bins": 2}),
    ("histogram", [arr([2.0, 2.0], "float32")], {"bins": 2}),
    ("unravel_index", [arr([5, 0, 11], "int32"), (3, 4)], {}),
    ("unravel_index", [7, (2, 2, 2)], {}),
    ("unravel_index", [arr([[1, 2], [3, 4]], "int32"), [5]], {}),
]

TENSORS = [
    ("size", [F], {}),
    ("size", [3.0], {}),
    ("ndim", [F], {}),
    ("ndim", [2], {}),
    ("dtype", [F], {}),
    ("dtype", [M], {}),
    ("dtype", [B], {}),
    ("dtype", [arr([1, 2], "uint8")], {}),
    ("dtype", [arr([1, 2], "float16")], {}),
    ("is_tensor", [3.0], {}),
    ("is_tensor", [[1, 2]], {}),
    ("saturate_cast", [arr([-300.0, -1.5, 0.4, 255.9, 1000.0], "float32"), "uint8"], {}),
    ("saturate_cast", [arr([-300, -1, 200], "int32"), "int8"], {}),
    ("saturate_cast", [arr([-300, 5, 70000], "int32"), "uint16"], {}),
    ("saturate_cast", [arr([-1.5, 2.5], "float32"), "int32"], {}),
    ("saturate_cast", [arr([1.0, 0.0], "float32"), "bool"], {}),
    ("copy", [M], {}),
    ("copy", [F], {}),
    ("copy", [B], {}),
    ("copy", [[1, 2]], {}),
    ("array", [[1, 2, 3]], {}),
    ("array", [[1.0, 2.0]], {}),
    ("array", [[True, False]], {}),
    ("array", [[1, 2]], {"dtype": "float32"}),
    ("array", [M], {}),
    ("array", [F], {"dtype": "int32"}),
    ("array", [3], {}),
    ("view", [arr([1.0, -2.0], "float32"), "int32"], {}),
    ("view", [arr([1, -2], "int32"), "float32"], {}),
    ("view", [arr([1, 2, 3, 4], "int32"), "int16"], {}),
    ("view", [arr([[1, 2], [3, 4]], "int16"), "int32"], {}),
    ("view", [arr([1, 255], "uint8"), "int8"], {}),
    ("view", [arr([1.0], "float32")], {}),
    ("real", [F], {}),
    ("real", [M], {}),
    ("imag", [F], {}),
    ("imag", [M], {}),
    ("conj", [F], {}),
    ("conj", [M], {}),
    ("conjugate", [B], {}),
    ("angle", [F], {}),
    ("angle", [M], {}),
    ("angle", [arr([-0.0, 0.0, -1.0], "float32")], {}),
    ("isreal", [F], {}),
    ("isreal", [M], {}),
]

X1 = arr(np.arange(10), "float32")
X2 = arr(np.arange(24).reshape(2, 12), "int32")
IMG = arr(np.arange(2 * 2 * 4 * 5).reshape(2, 2, 4, 5) * 0.5, "float32")

PATCHES = [
    ("extract_sequences", [X1, 3, 2], {}),
    ("extract_sequences", [X1, 4, 4], {}),
    ("extract_sequences", [X2, 5, 3], {}),
    ("extract_sequences", [X1, 10, 1], {}),
    ("unfold", [IMG, 2], {}),
    ("unfold", [IMG, (2, 3)], {"stride": 2}),
    ("unfold", [IMG, 2], {"padding": 1, "dilation": (1, 2)}),
    ("unfold", [IMG, 3], {"stride": (1, 2), "padding": (1, 0)}),
    ("unfold", [arr(np.arange(16).reshape(1, 1, 4, 4), "int32"), 2], {"stride": 2}),
    (
        "fold",
        [arr(np.arange(2 * 8 * 12).reshape(2, 8, 12) * 0.25, "float32"), (4, 5), 2],
        {},
    ),
    (
        "fold",
        [arr(np.arange(1 * 4 * 4).reshape(1, 4, 4), "float32"), 4, 2],
        {"stride": 2},
    ),
    (
        "fold",
        [arr(np.arange(1 * 4 * 30).reshape(1, 4, 30) * 1.0, "float32"), (4, 5), 2],
        {"padding": 1},
    ),
    (
        "fold",
        [arr(np.arange(2 * 6 * 18).reshape(2, 6, 18) * 1.0, "float32"), (4, 5), (1, 3)],
        {"dilation": (2, 1), "stride": (1, 2), "padding": (1, 1)},
    ),
]


def record(name, args, kwargs):
    case = {"op": name, "args": args, "kwargs": kwargs}
    try:
        result = getattr(ops, name)(*decode(args), **kwargs)
        case["result"] = encode_result(jax.device_get(result))
    except Exception as e:  # noqa: BLE001 - the error's type is the record
        case["error"] = type(e).__name__
    return case


FAMILIES = ("indexing", "tensors", "patches")


def dumps_one_case_per_line(data):
    """JSON with one case per line: compact, and diffable."""
    compact = {"sort_keys": True, "separators": (",", ":")}
    parts = [f'"versions": {json.dumps(data["versions"], sort_keys=True)}']
    for family in FAMILIES:
        lines = ",\n".join(f" {json.dumps(case, **compact)}" for case in data[family])
        parts.append(f'"{family}": [\n{lines}\n]')
    return "{\n" + ",\n".join(parts) + "\n}\n"


def main():
    data = {
        "versions": {"keras": keras.__version__, "jax": jax.__version__, "numpy": np.__version__},
        "indexing": [record(*c) for c in INDEXING],
        "tensors": [record(*c) for c in TENSORS],
        "patches": [record(*c) for c in PATCHES],
    }
    OUT.write_text(dumps_one_case_per_line(data))
    json.loads(OUT.read_text())
    print(f"wrote {OUT}: " + " + ".join(str(len(data[f])) for f in FAMILIES) + " cases")


if __name__ == "__main__":
    main()
