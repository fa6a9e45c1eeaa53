"""Records what Keras 3's reduction and composite neural-network ops return.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_composite_nn_reference.py

Each case calls one `keras.ops` function on small arguments and records the
result's shape, dtype and values (or the error's type), with the arguments,
so tests/python/test_composite_reductions.py and test_composite_nn.py
replay every case against `pykeras.ops` from the JSON alone. Output:
tests/reference/data/composite_nn_ops.json.

As make_composite_reference.py, the cases avoid 64-bit arrays (JAX without
x64 makes them 32-bit) and integers past float32's exact range.
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "data" / "composite_nn_ops.json"


def arr(values, dtype):
    """An array argument, as stored: {"array": nested values, "dtype": name}."""
    return {"array": np.asarray(values, dtype).tolist(), "dtype": dtype}


def decode(value):
    if isinstance(value, dict) and "array" in value:
        return np.asarray(value["array"], value["dtype"])
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def decode_kwargs(kwargs):
    """Keyword arguments as passed: arrays decoded, and an `axis` list (JSON
    has no tuples) as the tuple Keras's JAX backend wants."""
    out = {k: decode(v) for k, v in kwargs.items()}
    if isinstance(out.get("axis"), list):
        out["axis"] = tuple(out["axis"])
    return out


def encode_result(value):
    if isinstance(value, (list, tuple)):
        return {"items": [encode_result(v) for v in value]}
    a = np.asarray(value)
    return {"shape": list(a.shape), "dtype": str(a.dtype), "values": a.ravel().tolist()}


M = arr([[3, -1, 4, 1], [5, 9, -2, 6], [0, 0, 7, 0]], "int32")
F = arr(np.array([[3, -1, 4, 1], [5, 9, -2, 6], [0, 0, 7, 0]]) * 0.25 - 0.5, "float32")
B = arr([[True, False, True], [False, False, False]], "bool")
T = arr((np.arange(24).reshape(2, 3, 4) % 7) * 0.5 - 1.25, "float32")
V = arr([-3.0, -1.5, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 1.5, 3.0, 7.0], "float32")
W = arr([1.0, 2.0, 0.5, 0.0], "float32")
NONFINITE = arr([[1.0, np.inf, 2.0], [-np.inf, -np.inf, 0.0]], "float32")
NAN = arr([[1.0, np.nan, 2.0], [0.0, 0.0, 0.0]], "float32")
EMPTY = arr(np.zeros((2, 0)), "float32")

REDUCTIONS = [
    ("min", [F], {}),
    ("min", [M], {"axis": 1}),
    ("min", [T], {"axis": [0, 2], "keepdims": True}),
    ("min", [B], {"axis": 0}),
    ("min", [F], {"axis": 0, "initial": -0.6}),
    ("min", [NONFINITE], {"axis": 1}),
    ("amax", [M], {"axis": 0}),
    ("amax", [T], {"axis": -1, "keepdims": True}),
    ("amax", [B], {}),
    ("amin", [F], {"axis": 1}),
    ("amin", [M], {}),
    ("argmin", [F], {}),
    ("argmin", [M], {"axis": 1}),
    ("argmin", [T], {"axis": 0, "keepdims": True}),
    ("argmin", [arr([[1, 0, 0], [2, 2, 1]], "int32")], {"axis": 1}),
    ("argmin", [F], {"keepdims": True}),
    ("var", [F], {}),
    ("var", [M], {"axis": 0}),
    ("var", [T], {"axis": [1, 2], "keepdims": True}),
    ("var", [B], {"axis": 1}),
    ("std", [F], {"axis": 1}),
    ("std", [M], {}),
    ("std", [T], {"axis": -1, "keepdims": True}),
    ("logsumexp", [F], {}),
    ("logsumexp", [T], {"axis": 1}),
    ("logsumexp", [M], {"axis": [0, 1], "keepdims": True}),
    ("logsumexp", [NONFINITE], {"axis": 1}),
    ("logsumexp", [arr([1000.0, 1000.0], "float32")], {}),
    ("any", [M], {"axis": 1}),
    ("any", [B], {}),
    ("any", [B], {"axis": 0, "keepdims": True}),
    ("any", [NAN], {"axis": 1}),
    ("any", [EMPTY], {"axis": 1}),
    ("all", [M], {"axis": 0}),
    ("all", [B], {"axis": 1}),
    ("all", [F], {}),
    ("all", [EMPTY], {"axis": 1}),
    ("count_nonzero", [M], {}),
    ("count_nonzero", [M], {"axis": 0}),
    ("count_nonzero", [T], {"axis": [0, 2]}),
    ("count_nonzero", [B], {"axis": 1}),
    ("average", [F], {}),
    ("average", [F], {"axis": 1, "weights": W}),
    ("average", [M], {"axis": 0, "weights": arr([1, 2, 3], "int32")}),
    ("average", [F], {"weights": arr(np.arange(12).reshape(3, 4), "float32")}),
    ("average", [F], {"axis": 1}),
    ("prod", [F], {}),
    ("prod", [M], {"axis": 1}),
    ("prod", [T], {"axis": [0, 2], "keepdims": True}),
    ("prod", [B], {"axis": 1}),
    ("prod", [EMPTY], {"axis": 1}),
    ("prod", [F], {"axis": 0, "dtype": "int32"}),
    ("cumsum", [F], {}),
    ("cumsum", [M], {"axis": 1}),
    ("cumsum", [T], {"axis": 0}),
    ("cumsum", [B], {"axis": 1}),
    ("cumsum", [NONFINITE], {"axis": 1}),
    ("cumsum", [M], {"axis": 0, "dtype": "float32"}),
    ("cumprod", [F], {"axis": 1}),
    ("cumprod", [M], {}),
    ("cumprod", [T], {"axis": -1}),
    ("cumprod", [arr([0.0, np.inf, 2.0], "float32")], {}),
    ("norm", [F], {}),
    ("norm", [F], {"axis": 1}),
    ("norm", [F], {"ord": 1, "axis": 0}),
    ("norm", [T], {"ord": np.inf, "axis": -1, "keepdims": True}),
    ("norm", [T], {"ord": -np.inf, "axis": 1}),
    ("norm", [F], {"ord": 0, "axis": 1}),
    ("norm", [F], {"ord": 3, "axis": 1}),
    ("norm", [F], {"ord": 0.5, "axis": 1}),
    ("norm", [F], {"ord": "fro"}),
    ("norm", [F], {"ord": 1}),
    ("norm", [F], {"ord": -1}),
    ("norm", [F], {"ord": np.inf}),
    ("norm", [T], {"ord": -np.inf, "axis": [2, 1], "keepdims": True}),
    ("norm", [T], {"ord": "fro", "axis": [0, 2]}),
    ("norm", [M], {"axis": 1}),
    ("norm", [T], {}),
    ("norm", [arr([3.0, 4.0], "float32")], {"ord": "fro"}),
]

NN = [
    ("relu6", [V], {}),
    ("relu6", [M], {}),
    ("hard_silu", [V], {}),
    ("hard_swish", [V], {}),
    ("celu", [V], {}),
    ("celu", [V], {"alpha": 0.5}),
    ("glu", [T], {}),
    ("glu", [T], {"axis": 0}),
    ("glu", [arr([[1.0, 2.0, 3.0]], "float32")], {}),
    ("squareplus", [V], {}),
    ("squareplus", [V], {"b": 0.5}),
    ("tanh_shrink", [V], {}),
    ("soft_shrink", [V], {}),
    ("soft_shrink", [V], {"threshold": 1.0}),
    ("hard_shrink", [V], {}),
    ("hard_shrink", [V], {"threshold": 1.5}),
    ("hard_tanh", [V], {}),
    ("threshold", [V, 0.25, -9.0], {}),
    ("threshold", [M, 2, 0], {}),
    ("sparse_plus", [V], {}),
    ("sparse_sigmoid", [V], {}),
    ("moments", [F, [0]], {}),
    ("moments", [T, [0, 2]], {"keepdims": True}),
    ("moments", [T, -1], {}),
    ("moments", [M, [1]], {}),
    ("normalize", [F], {}),
    ("normalize", [T], {"axis": 1}),
    ("normalize", [F], {"order": 1}),
    ("normalize", [F], {"axis": 0, "order": 3}),
    ("normalize", [arr([[0.0, 0.0], [3.0, 4.0]], "float32")], {"epsilon": 0.1}),
    ("normalize", [F], {"order": 0}),
]


def record(name, args, kwargs):
    case = {"op": name, "args": args, "kwargs": kwargs}
    try:
        result = getattr(ops, name)(*decode(args), **decode_kwargs(kwargs))
        case["result"] = encode_result(jax.device_get(result))
    except Exception as e:  # noqa: BLE001 - the error's type is the record
        case["error"] = type(e).__name__
    return case


def dumps_one_case_per_line(data):
    """JSON with one case per line: compact, and diffable."""
    compact = {"sort_keys": True, "separators": (",", ":")}
    parts = [f'"versions": {json.dumps(data["versions"], sort_keys=True)}']
    for family in ("reductions", "nn"):
        lines = ",\n".join(f" {json.dumps(case, **compact)}" for case in data[family])
        parts.append(f'"{family}": [\n{lines}\n]')
    return "{\n" + ",\n".join(parts) + "\n}\n"


def main():
    data = {
        "versions": {"keras": keras.__version__, "jax": jax.__version__, "numpy": np.__version__},
        "reductions": [record(*c) for c in REDUCTIONS],
        "nn": [record(*c) for c in NN],
    }
    OUT.write_text(dumps_one_case_per_line(data))
    json.loads(OUT.read_text())
    print(f"wrote {OUT}: {len(data['reductions'])} + {len(data['nn'])} cases")


if __name__ == "__main__":
    main()
