"""Records what Keras 3's products, window and layout ops return.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_products_reference.py

Each case calls one `keras.ops` function on small arguments and records the
result's shape, dtype and values (or the error's type), for the behaviour
where Keras differs from NumPy or NumPy says nothing: einsum's implicit
output, ellipsis and repeated labels, dtypes of integer and bool products,
`dot` on scalars and N-D tensors, `kaiser`'s beta, `geomspace` with zero or
mixed signs (NaN), `array_split`'s int-only sections, and `rearrange`'s
einops grammar as Keras has it. tests/python/test_composite_products.py,
test_composite_windows.py and test_composite_layout.py replay every case.
Output: tests/reference/data/products.json.

The cases avoid 64-bit arrays (JAX without x64 makes them 32-bit).
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "data" / "products.json"


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


M = arr(np.arange(6).reshape(2, 3), "int32")
F = arr(np.arange(6).reshape(2, 3) * 0.5 - 1, "float32")
B = arr(np.arange(6).reshape(2, 3) % 2 == 0, "bool")
Q = arr(np.arange(9).reshape(3, 3) - 4, "float32")
T = arr(np.arange(24).reshape(2, 3, 4), "int32")
TF = arr(np.arange(24).reshape(2, 3, 4) / 4 - 3, "float32")
V = arr([1.0, -2.0, 3.0], "float32")
H = arr(np.arange(48).reshape(2, 3, 2, 4) / 8 - 3, "float32")
VI = arr([1, 2, 3], "int32")

PRODUCTS = [
    ("einsum", ["ij,kj->ik", M, M], {}),
    ("einsum", ["ij,kj->ik", B, B], {}),
    ("einsum", ["ij,kj->ik", M, F], {}),
    ("einsum", ["ij,jk", F, arr(np.ones((3, 2)), "float32")], {}),
    ("einsum", ["ba", F], {}),
    ("einsum", ["ii->i", Q], {}),
    ("einsum", ["ii", Q], {}),
    ("einsum", ["iji->j", arr(np.arange(12).reshape(2, 3, 2), "float32")], {}),
    ("einsum", ["...ij,...jk", TF, arr(np.ones((4, 2)), "float32")], {}),
    ("einsum", ["...i->i", F], {}),
    ("einsum", ["i...->", F], {}),
    ("einsum", ["...ji", F], {}),
    ("einsum", ["...i,...i->...", arr(np.ones((2, 1, 3)), "float32"), F], {}),
    ("einsum", [",ij->ij", 2.0, F], {}),
    (
        "einsum",
        ["ij,jk,kl->il", F, arr(np.ones((3, 4)), "float32"), arr(np.ones((4, 2)), "float32")],
        {},
    ),
    ("einsum", ["i j -> j i", F], {}),
    ("einsum", ["ij,j->i", F, arr([2.0], "float32")], {}),
    ("einsum", ["bqhd,bkhd->bhqk", H, H], {}),
    ("einsum", ["ij->ii", Q], {}),
    ("einsum", ["ij->k", Q], {}),
    ("einsum", ["ij,jk->ik", Q], {}),
    ("einsum", ["ijk->k", Q], {}),
    ("einsum", ["ij,jk->ik", F, F], {}),
    ("tensordot", [TF, arr(np.arange(12).reshape(3, 4), "float32")], {}),
    ("tensordot", [M, M], {"axes": [[1], [1]]}),
    ("tensordot", [F, F], {"axes": 0}),
    ("tensordot", [TF, TF], {"axes": [[0, 2], [0, 2]]}),
    ("tensordot", [F, F], {"axes": [-1, -1]}),
    ("dot", [2, 3], {}),
    ("dot", [2, F], {}),
    ("dot", [2.5, M], {}),
    ("dot", [M, arr(np.arange(6).reshape(3, 2), "int32")], {}),
    ("dot", [B, arr(np.ones((3, 2)), "bool")], {}),
    ("dot", [TF, arr(np.ones((2, 4, 3)), "float32")], {}),
    ("dot", [TF, arr([1.0, 2.0, 3.0, 4.0], "float32")], {}),
    ("dot", [V, V], {}),
    ("dot", [V, arr(np.ones((3, 2)), "float32")], {}),
    ("inner", [M, M], {}),
    ("inner", [2.0, F], {}),
    ("inner", [V, V], {}),
    ("outer", [M, F], {}),
    ("outer", [VI, VI], {}),
    ("outer", [2.0, F], {}),
    ("vdot", [M, M], {}),
    ("vdot", [F, arr(np.ones(6), "float32")], {}),
    ("kron", [M, M], {}),
    ("kron", [arr([1.0, 2.0], "float32"), F], {}),
    ("kron", [2.0, V], {}),
    ("cross", [V, arr([0.0, 1.0, 2.0], "float32")], {}),
    ("cross", [arr([1.0, 2.0], "float32"), V], {}),
    ("cross", [arr([1.0, 2.0], "float32"), arr([3.0, 5.0], "float32")], {}),
    ("cross", [VI, arr([3, 1, 2], "int32")], {}),
    ("cross", [arr(np.arange(6).reshape(3, 2), "float32"), F], {"axisa": 0, "axisb": 1}),
    ("cross", [arr(np.arange(12).reshape(4, 3), "float32"), V], {"axisc": 0}),
    ("cross", [arr(np.ones((3, 2)), "float32"), arr(np.ones((3, 2)), "float32")], {"axis": 0}),
    ("cross", [arr(np.ones(4), "float32"), arr(np.ones(4), "float32")], {}),
    ("trace", [M], {}),
    ("trace", [B], {}),
    ("trace", [F], {"offset": 1}),
    ("trace", [TF, -1, 2, 1], {}),
    ("diag", [M], {"k": 1}),
    ("diag", [B], {}),
    ("diag", [VI], {"k": -1}),
    ("diag", [V], {"k": 2}),
    ("diag", [T], {}),
    ("diagflat", [M], {"k": 1}),
    ("diagflat", [3.0], {}),
    ("diagonal", [T, 1, 2, 0], {}),
    ("diagonal", [F], {"offset": 5}),
    ("diagonal", [TF], {"offset": -1, "axis1": -1, "axis2": 1}),
    ("cdist", [F, arr(np.zeros((4, 3)), "float32")], {}),
    ("cdist", [M, M], {}),
    ("cdist", [TF, arr(np.ones((2, 5, 4)), "float32")], {}),
    ("cdist", [V, V], {}),
    ("correlate", [arr(np.arange(5), "float32"), arr([1.0, 2.0], "float32")], {}),
    ("correlate", [arr(np.arange(5), "float32"), V], {"mode": "full"}),
    (
        "correlate",
        [arr(np.arange(5), "float32"), arr([1.0, 2.0, 3.0, 4.0], "float32")],
        {"mode": "same"},
    ),
    (
        "correlate",
        [arr([1.0, 2.0, 3.0, 4.0], "float32"), arr(np.arange(5), "float32")],
        {"mode": "same"},
    ),
    ("correlate", [arr([1.0, 2.0], "float32"), arr(np.arange(5), "float32")], {}),
    ("correlate", [arr(np.arange(5), "int32"), arr([1, 2], "int32")], {}),
    ("correlate", [V, V], {"mode": "bad"}),
    ("correlate", [F, V], {}),
    ("vander", [VI], {}),
    ("vander", [V, 4, True], {}),
    ("vander", [V], {"N": 0}),
    ("vander", [F], {}),
]

WINDOWS = [
    *[
        (name, [n], {})
        for name in ("bartlett", "blackman", "hamming", "hanning")
        for n in (0, 1, 5, 6)
    ],
    ("bartlett", [arr(4, "int32")], {}),
    ("kaiser", [5, 14.0], {}),
    ("kaiser", [6, 5], {}),
    ("kaiser", [4, 0.0], {}),
    ("kaiser", [1, 8.6], {}),
    ("geomspace", [1, 1000, 4], {}),
    ("geomspace", [1, 1000, 4], {"endpoint": False}),
    ("geomspace", [-1, -1000, 4], {}),
    ("geomspace", [1, 1000, 4], {"dtype": "int32"}),
    ("geomspace", [arr([1.0, 2.0], "float32"), 100.0, 3], {"axis": 1}),
    ("geomspace", [arr([1.0, 2.0], "float32"), arr([10.0, 20.0], "float32"), 3], {"axis": -1}),
    ("geomspace", [0, 10, 3], {}),
    ("geomspace", [-1, 10, 3], {}),
    ("geomspace", [2, 10, 1], {}),
    ("geomspace", [2, 10, 0], {}),
]

LAYOUT = [
    ("rot90", [M], {}),
    ("rot90", [M, 2], {}),
    ("rot90", [M, -1], {}),
    ("rot90", [M, 7], {}),
    ("rot90", [B], {}),
    ("rot90", [VI], {}),
    ("rot90", [M, 1, [0, 0]], {}),
    ("fliplr", [M], {}),
    ("fliplr", [T], {}),
    ("fliplr", [VI], {}),
    ("flipud", [VI], {}),
    ("flipud", [F], {}),
    ("array_split", [arr(np.arange(7), "int32"), 3], {}),
    ("array_split", [T, 2], {"axis": 2}),
    ("array_split", [arr(np.arange(3), "float32"), 5], {}),
    ("array_split", [arr(np.arange(7), "int32"), [2, 5]], {}),
    ("array_split", [arr(np.arange(7), "int32"), 0], {}),
    ("hsplit", [M, 3], {}),
    ("hsplit", [arr(np.arange(6), "int32"), 3], {}),
    ("hsplit", [T, [1]], {}),
    ("vsplit", [F, 2], {}),
    ("vsplit", [arr(np.arange(6), "int32"), 2], {}),
    ("vsplit", [T, [1, 1]], {}),
    ("dsplit", [T, 2], {}),
    ("dsplit", [T, [1, 3]], {}),
    ("dsplit", [T, 3], {}),
    ("dstack", [[VI, VI]], {}),
    ("dstack", [[M, F]], {}),
    ("dstack", [[T, T]], {}),
    ("dstack", [[arr(1, "int32"), arr(2, "int32")]], {}),
    ("unstack", [M], {}),
    ("unstack", [T], {"axis": -1}),
    ("unstack", [M], {"num": 3}),
    ("meshgrid", [VI, arr([1.0, 2.0], "float32")], {}),
    ("meshgrid", [VI, arr([1.0, 2.0], "float32")], {"indexing": "ij"}),
    ("meshgrid", [VI, VI, arr([0, 1], "int32")], {}),
    ("meshgrid", [V], {}),
    ("meshgrid", [M, VI], {}),
    ("meshgrid", [VI], {"indexing": "xx"}),
    ("rearrange", [T, "b h w -> w (b h)"], {}),
    ("rearrange", [T, "b h w -> b (w h)"], {}),
    ("rearrange", [arr(np.arange(24).reshape(2, 12), "int32"), "b (h w) -> b w h"], {"h": 3}),
    ("rearrange", [arr(np.arange(24).reshape(2, 12), "int32"), "b (h w)->b w h"], {"w": 3}),
    (
        "rearrange",
        [arr(np.arange(24).reshape(2, 12), "int32"), "b (h w) -> (w b) h"],
        {"h": 3, "w": 4},
    ),
    ("rearrange", [TF, "b_1 h2 w -> w h2 b_1"], {}),
    (
        "rearrange",
        [arr(np.arange(24).reshape(4, 6), "float32"), "(b1 b) (w1 w) -> (b1 w1) b w"],
        {"b1": 2, "w1": 3},
    ),
    ("rearrange", [arr(np.arange(24).reshape(2, 12) > 5, "bool"), "b h -> (h b)"], {}),
    ("rearrange", [T, "... h -> h ..."], {}),
    ("rearrange", [T, "b h w -> b 1 h w"], {}),
    ("rearrange", [T, "b h w -> b h"], {}),
    ("rearrange", [T, "b h w -> b h w c"], {}),
    ("rearrange", [T, "a b -> b a"], {}),
    (
        "rearrange",
        [arr(np.arange(24).reshape(2, 12), "int32"), "b (h w) -> b w h"],
        {"h": 5, "w": 4},
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


FAMILIES = ("products", "windows", "layout")


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
        "products": [record(*c) for c in PRODUCTS],
        "windows": [record(*c) for c in WINDOWS],
        "layout": [record(*c) for c in LAYOUT],
    }
    OUT.write_text(dumps_one_case_per_line(data))
    json.loads(OUT.read_text())
    print(f"wrote {OUT}: " + " + ".join(str(len(data[f])) for f in FAMILIES) + " cases")


if __name__ == "__main__":
    main()
