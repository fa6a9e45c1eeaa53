"""Records what Keras 3's `keras.ops.nn` convolution, pooling, encoding and
normalization ops return.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_nn_ops_reference.py

Each case calls one `keras.ops.nn` function on small arguments and records
the result's shape, dtype and values (or the error's type), with the
arguments, so tests/python/test_composite_nn_ops.py replays every case
against `pykeras.ops.nn` from the JSON alone. Output:
tests/reference/data/nn_ops.json.

As the other generators, the cases avoid 64-bit arrays (JAX without x64
makes them 32-bit).
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras.ops import nn  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "data" / "nn_ops.json"


def arr(values, dtype="float32"):
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


def uniform(seed, shape, low=-1.0, high=1.0):
    """Values rounded to 1/64, so inputs are exact in JSON and float32."""
    values = np.random.default_rng(seed).uniform(low, high, shape)
    return arr(np.round(values * 64) / 64)


X1 = uniform(1, (2, 7, 3))
K1 = uniform(2, (3, 3, 4))
X1_CF = arr(np.transpose(decode(X1), (0, 2, 1)))
X2 = uniform(3, (2, 6, 5, 3))
K2 = uniform(4, (3, 2, 3, 2))
X2_CF = arr(np.transpose(decode(X2), (0, 3, 1, 2)))
XG = uniform(5, (1, 5, 4))
KG = uniform(6, (3, 2, 6))
DW1 = uniform(7, (3, 3, 2))
DW2 = uniform(8, (2, 2, 3, 2))
PW2 = uniform(9, (1, 1, 6, 4))
PW1 = uniform(10, (1, 6, 5))
IDS = arr([0, 2, 1, -1, 5, 2], "int32")
IDS2 = arr([[0, 2], [1, 1], [3, 0]], "int32")
T = uniform(11, (2, 3, 4), -2.0, 2.0)
MEAN = uniform(12, (4,))
VAR = uniform(13, (4,), 0.25, 2.0)
GAMMA = uniform(14, (4,), 0.5, 1.5)
BETA = uniform(15, (4,))
SPACE = uniform(16, (2, 4, 6, 3))
Q = uniform(17, (2, 3, 2, 4))
KV = uniform(18, (2, 5, 2, 4))
V = uniform(19, (2, 5, 2, 4))
QS = uniform(20, (2, 5, 2, 4))

CASES = [
    ("conv", [X1, K1], {}),
    ("conv", [X1, K1], {"padding": "same"}),
    ("conv", [X1, K1], {"strides": 2}),
    ("conv", [X1, K1], {"strides": 2, "padding": "same"}),
    ("conv", [X1, K1], {"dilation_rate": 2}),
    ("conv", [X1, K1], {"dilation_rate": 2, "padding": "same"}),
    ("conv", [X1_CF, K1], {"data_format": "channels_first", "padding": "same"}),
    ("conv", [X2, K2], {}),
    ("conv", [X2, K2], {"padding": "same", "strides": [2, 1]}),
    ("conv", [X2, K2], {"padding": "same", "dilation_rate": [2, 1]}),
    ("conv", [X2, K2], {"strides": (1, 2), "dilation_rate": 1}),
    ("conv", [X2_CF, K2], {"data_format": "channels_first"}),
    ("conv", [XG, KG], {"padding": "same"}),
    ("depthwise_conv", [X1, DW1], {}),
    ("depthwise_conv", [X1, DW1], {"padding": "same", "strides": 2}),
    ("depthwise_conv", [X2, DW2], {}),
    ("depthwise_conv", [X2, DW2], {"padding": "same", "dilation_rate": 2}),
    ("depthwise_conv", [X2_CF, DW2], {"data_format": "channels_first"}),
    ("separable_conv", [X2, DW2, PW2], {}),
    ("separable_conv", [X2, DW2, PW2], {"padding": "same", "strides": 2}),
    ("separable_conv", [X1, DW1, PW1], {"padding": "same"}),
    # Keras's JAX max_pool and average_pool fail (TypeError) when strides is
    # None: they convert the pool size to a full-rank window, then again as
    # strides. pykeras takes strides=None as the pool size, as documented.
    ("max_pool", [X1], {"pool_size": 2, "strides": 2}),
    ("max_pool", [X1], {"pool_size": 3, "strides": 2, "padding": "same"}),
    ("max_pool", [X1_CF], {"pool_size": 2, "strides": 2, "data_format": "channels_first"}),
    ("max_pool", [X2], {"pool_size": 2, "strides": 2}),
    ("max_pool", [X2], {"pool_size": (3, 2), "strides": (2, 1), "padding": "same"}),
    ("max_pool", [X2_CF], {"pool_size": 2, "strides": 1, "data_format": "channels_first"}),
    ("average_pool", [X1], {"pool_size": 2, "strides": 2}),
    ("average_pool", [X1], {"pool_size": 3, "strides": 2, "padding": "same"}),
    ("average_pool", [X2], {"pool_size": (2, 3), "strides": (2, 3)}),
    ("average_pool", [X2], {"pool_size": 3, "strides": 2, "padding": "same"}),
    ("average_pool", [X2_CF], {"pool_size": 2, "strides": 1, "data_format": "channels_first"}),
    ("one_hot", [IDS, 3], {}),
    ("one_hot", [IDS2, 4], {"axis": 0}),
    ("one_hot", [IDS2, 4], {"axis": 1}),
    ("one_hot", [IDS, 6], {"dtype": "int32"}),
    ("one_hot", [arr([0.0, 2.0, 1.0]), 3], {}),
    ("multi_hot", [IDS2, 4], {}),
    ("multi_hot", [arr([0, 3, 3], "int32"), 5], {}),
    ("multi_hot", [IDS2], {"num_classes": 5, "dtype": "int32"}),
    ("batch_normalization", [T, MEAN, VAR, -1], {}),
    ("batch_normalization", [T, MEAN, VAR, 2], {"offset": BETA, "scale": GAMMA}),
    (
        "batch_normalization",
        [T, uniform(21, (3,)), uniform(22, (3,), 0.5, 1.0), 1],
        {"epsilon": 0.1},
    ),
    ("layer_normalization", [T], {}),
    ("layer_normalization", [T, GAMMA, BETA], {}),
    ("layer_normalization", [T], {"axis": 1, "epsilon": 0.01}),
    ("layer_normalization", [T], {"axis": [1, 2], "gamma": uniform(23, (3, 4))}),
    ("layer_normalization", [arr([0.0, 1.0, 2.0, 3.0, 4.0])], {}),
    ("rms_normalization", [T], {}),
    ("rms_normalization", [T, GAMMA], {}),
    ("rms_normalization", [T], {"axis": 1, "epsilon": 0.1}),
    ("rms_normalization", [T], {"axis": [1, 2]}),
    ("psnr", [T, uniform(24, (2, 3, 4), -2.0, 2.0), 4.0], {}),
    ("psnr", [uniform(25, (3, 4), 0, 1), uniform(26, (3, 4), 0, 1), 1.0], {}),
    ("psnr", [uniform(25, (3, 4), 0, 1), uniform(26, (4, 3), 0, 1), 1.0], {}),
    ("depth_to_space", [SPACE, 2], {}),
    ("depth_to_space", [uniform(27, (1, 2, 3, 8)), 2], {}),
    ("depth_to_space", [uniform(27, (1, 2, 3, 8)), 1], {}),
    (
        "depth_to_space",
        [arr(np.transpose(decode(uniform(27, (1, 2, 3, 8))), (0, 3, 1, 2))), 2],
        {"data_format": "channels_first"},
    ),
    ("space_to_depth", [SPACE, 2], {}),
    (
        "space_to_depth",
        [arr(np.transpose(decode(SPACE), (0, 3, 1, 2))), 2],
        {"data_format": "channels_first"},
    ),
    ("dot_product_attention", [Q, KV, V], {}),
    ("dot_product_attention", [QS, KV, V], {"is_causal": True}),
    ("dot_product_attention", [Q, KV, V], {"scale": 0.5, "bias": uniform(28, (2, 2, 3, 5))}),
    (
        "dot_product_attention",
        [Q, KV, V],
        {"mask": arr(np.random.default_rng(29).uniform(size=(2, 1, 3, 5)) > 0.3, "bool")},
    ),
    (
        "dot_product_attention",
        [uniform(30, (2, 3, 4)), uniform(31, (2, 5, 4)), uniform(32, (2, 5, 4))],
        {},
    ),
]


def record(name, args, kwargs):
    case = {"op": name, "args": args, "kwargs": kwargs}
    try:
        result = getattr(nn, name)(*decode(args), **{k: decode(v) for k, v in kwargs.items()})
        case["result"] = encode_result(jax.device_get(result))
    except Exception as e:  # noqa: BLE001 - the error's type is the record
        case["error"] = type(e).__name__
    return case


def main():
    versions = {"keras": keras.__version__, "jax": jax.__version__, "numpy": np.__version__}
    compact = {"sort_keys": True, "separators": (",", ":")}
    lines = ",\n".join(f" {json.dumps(record(*c), **compact)}" for c in CASES)
    text = f'{{\n"versions": {json.dumps(versions, sort_keys=True)},\n"cases": [\n{lines}\n]\n}}\n'
    OUT.write_text(text)
    data = json.loads(OUT.read_text())
    errors = [c["op"] for c in data["cases"] if "error" in c]
    print(f"wrote {OUT}: {len(data['cases'])} cases, errors in {errors}")


if __name__ == "__main__":
    main()
