"""Records what Keras 3 returns for the Fourier transforms (`keras.ops.fft`,
`rfft`, `stft`, ...), CTC (`ctc_loss`, `ctc_decode`) and the nn extras
(`conv_transpose`, `adaptive_average_pool`, `adaptive_max_pool`,
`sparsemax`).

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_spectral_reference.py

Each case calls one `keras.ops` function on small arguments and records the
result's shape, dtype and values (or the error's type), with the arguments,
so tests/python/test_composite_spectral.py, test_composite_ctc.py and
test_composite_nn_extras.py replay every case against `pykeras.ops` from the
JSON alone. A case marked `grad` also records the gradient of the sum of
the (first) result with respect to argument `grad` (JAX's autodiff), which
the tests compare with the gradient pykeras's fit applies. Output:
tests/reference/data/spectral.json.

Left out on purpose (Keras 3.15.1 on JAX slips that pykeras does not copy):
`istft` with `fft_length=1` and `center=True` (an empty result, where the
symbolic shape rule says otherwise) and `istft` with
`sequence_stride == fft_length` (scipy's "noverlap or nperseg // 2" makes
the hop half the frame), and `istft` of fewer frames than fit one
`fft_length` (`num_sequences * sequence_stride < fft_length`: JAX's
overlap-add then truncates its result).
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "data" / "spectral.json"


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


def ints(values):
    return arr(values, "int32")


# ---------------------------------------------------------------- spectral

R1, I1 = uniform(1, (2, 6)), uniform(2, (2, 6))
R2, I2 = uniform(3, (2, 3, 5)), uniform(4, (2, 3, 5))
SIG = uniform(5, (2, 20))
SIG1 = uniform(6, (17,))
WIN = uniform(7, (6,), 0.25, 1.0)

SPECTRAL = [
    ("fft", [[R1, I1]], {}),
    ("fft", [[uniform(8, (7,)), uniform(9, (7,))]], {}),
    ("fft2", [[R2, I2]], {}),
    ("ifft2", [[R2, I2]], {}),
    ("rfft", [SIG], {}),
    ("rfft", [SIG1], {}),
    ("rfft", [SIG], {"fft_length": 8}),
    ("rfft", [SIG], {"fft_length": 25}),
    ("irfft", [[R1, I1]], {}),
    ("irfft", [[R1, I1]], {"fft_length": 7}),
    ("irfft", [[R1, I1]], {"fft_length": 16}),
    ("irfft", [[R1, I1]], {"fft_length": 4}),
    ("stft", [SIG, 8, 4, 8], {}),
    ("stft", [SIG, 6, 3, 8], {"window": "hamming"}),
    ("stft", [SIG, 6, 2, 10], {"window": None, "center": False}),
    ("stft", [SIG, 6, 5, 7], {"window": WIN}),
    ("stft", [SIG1, 4, 3, 5], {"center": False}),
    ("stft", [SIG1, 8, 2, 16], {}),
    ("stft", [uniform(10, (5,)), 3, 2, 3], {}),
    ("istft", [[uniform(11, (2, 6, 5)), uniform(12, (2, 6, 5))], 8, 4, 8], {}),
    ("istft", [[uniform(11, (2, 6, 5)), uniform(12, (2, 6, 5))], 6, 3, 8], {"window": "hamming"}),
    (
        "istft",
        [[uniform(13, (6, 6)), uniform(14, (6, 6))], 6, 2, 10],
        {"window": None, "center": False},
    ),
    ("istft", [[uniform(15, (3, 4)), uniform(16, (3, 4))], 6, 5, 7], {"window": WIN}),
    ("istft", [[uniform(15, (3, 4)), uniform(16, (3, 4))], 6, 3, 7], {"length": 9}),
    ("istft", [[uniform(17, (9, 9)), uniform(18, (9, 9))], 8, 2, 16], {"length": 40}),
]

# ---------------------------------------------------------------- ctc

LOGITS = uniform(20, (3, 6, 5), -2.0, 2.0)
TARGET = ints([[1, 2, 2, 0], [3, 1, 4, 2], [4, 4, 0, 0]])
CTC = [
    ("ctc_loss", [TARGET, LOGITS, ints([3, 4, 2]), ints([6, 6, 5])], {}, 1),
    ("ctc_loss", [TARGET, LOGITS, ints([2, 3, 1]), ints([4, 6, 3])], {}, 1),
    ("ctc_loss", [ints([[1, 2, 3, 4]] * 3), LOGITS, ints([4, 4, 4]), ints([6, 6, 6])], {}, 1),
    (
        "ctc_loss",
        [ints([[0, 1, 1], [2, 3, 0], [1, 0, 0]]), LOGITS, ints([3, 2, 1]), ints([6, 5, 6])],
        {"mask_index": 4},
        1,
    ),
    ("ctc_loss", [ints([[1], [2], [3]]), LOGITS, ints([1, 1, 1]), ints([1, 2, 6])], {}, 1),
    ("ctc_decode", [LOGITS, ints([6, 4, 5])], {}, None),
    ("ctc_decode", [LOGITS, ints([6, 4, 5])], {"merge_repeated": False}, None),
    ("ctc_decode", [LOGITS, ints([6, 6, 6])], {"mask_index": 2}, None),
    ("ctc_decode", [LOGITS, ints([6, 3, 6])], {"mask_index": None}, None),
    (
        "ctc_decode",
        [arr([[[0.0, 2.0, 1.0], [0.0, 2.0, 1.0], [3.0, 0.0, 1.0], [0, 1, 3]]]), ints([4])],
        {},
        None,
    ),
    ("ctc_decode", [LOGITS, ints([6, 4, 5])], {"strategy": "beam_search"}, None),
    (
        "ctc_decode",
        [LOGITS, ints([6, 6, 3])],
        {"strategy": "beam_search", "beam_width": 3, "top_paths": 2},
        None,
    ),
    (
        "ctc_decode",
        [LOGITS, ints([6, 5, 6])],
        {"strategy": "beam_search", "beam_width": 10, "top_paths": 3, "mask_index": 4},
        None,
    ),
    (
        "ctc_decode",
        [uniform(21, (2, 7, 3), -1.0, 1.0), ints([7, 5])],
        {"strategy": "beam_search", "beam_width": 2, "top_paths": 2},
        None,
    ),
]

# ---------------------------------------------------------------- nn extras

X1 = uniform(30, (2, 5, 3))
K1 = uniform(31, (3, 4, 3))
X2 = uniform(32, (2, 4, 3, 2))
K2 = uniform(33, (3, 2, 3, 2))
X1_CF = arr(np.transpose(decode(X1), (0, 2, 1)))
X2_CF = arr(np.transpose(decode(X2), (0, 3, 1, 2)))
POOL1 = uniform(34, (2, 7, 3))
POOL2 = uniform(35, (2, 9, 6, 2))
POOL2_CF = arr(np.transpose(decode(POOL2), (0, 3, 1, 2)))


def distinct(seed, shape):
    """Distinct values (multiples of 1/64): gradients of maxima have no ties."""
    count = int(np.prod(shape))
    return arr(np.random.default_rng(seed).permutation(count).reshape(shape) / 64 - 0.5)


NN = [
    ("conv_transpose", [X1, K1], {}, None),
    ("conv_transpose", [X1, K1], {"strides": 2}, 0),
    ("conv_transpose", [X1, K1], {"strides": 2, "padding": "same"}, None),
    ("conv_transpose", [X1, K1], {"strides": 3, "padding": "same", "output_padding": 1}, None),
    ("conv_transpose", [X1, K1], {"strides": 2, "output_padding": 1}, None),
    ("conv_transpose", [X1, K1], {"strides": 4}, None),
    ("conv_transpose", [X1, K1], {"dilation_rate": 2, "padding": "same"}, None),
    ("conv_transpose", [X1, K1], {"dilation_rate": 2, "strides": 2}, 1),
    ("conv_transpose", [X1, uniform(36, (1, 2, 3))], {"strides": 2, "padding": "same"}, None),
    ("conv_transpose", [X1, uniform(37, (4, 2, 3))], {"strides": 2, "padding": "same"}, None),
    ("conv_transpose", [X1_CF, K1], {"strides": 2, "data_format": "channels_first"}, None),
    ("conv_transpose", [X2, K2], {}, None),
    ("conv_transpose", [X2, K2], {"strides": (2, 1), "padding": "same"}, 1),
    ("conv_transpose", [X2, K2], {"strides": 2, "output_padding": (1, 0)}, None),
    ("conv_transpose", [X2, K2], {"strides": 2, "dilation_rate": (1, 2), "padding": "same"}, None),
    ("conv_transpose", [X2_CF, K2], {"strides": 2, "data_format": "channels_first"}, None),
    ("adaptive_average_pool", [POOL1, 3], {}, 0),
    ("adaptive_average_pool", [POOL1, 5], {}, None),
    ("adaptive_average_pool", [POOL1, 10], {}, None),
    ("adaptive_average_pool", [POOL2, (4, 4)], {}, None),
    ("adaptive_average_pool", [POOL2, (2, 5)], {}, 0),
    ("adaptive_average_pool", [POOL2_CF, 3], {"data_format": "channels_first"}, None),
    ("adaptive_max_pool", [POOL1, 3], {}, None),
    ("adaptive_max_pool", [POOL1, 4], {}, None),
    ("adaptive_max_pool", [distinct(40, (2, 7, 3)), 4], {}, 0),
    ("adaptive_max_pool", [POOL1, 9], {}, None),
    ("adaptive_max_pool", [POOL2, (4, 4)], {}, None),
    ("adaptive_max_pool", [POOL2, (7, 5)], {}, None),
    ("adaptive_max_pool", [distinct(41, (2, 9, 6, 2)), (7, 5)], {}, 0),
    ("adaptive_max_pool", [POOL2_CF, (2, 3)], {"data_format": "channels_first"}, None),
    ("sparsemax", [uniform(38, (3, 5), -2.0, 2.0)], {}, 0),
    ("sparsemax", [uniform(39, (4, 3, 2), -1.0, 1.0)], {"axis": 1}, 0),
    # Ties: JAX's sort gives tied elements different gradients, so none is recorded.
    ("sparsemax", [arr([[1.0, 1.0, 0.5, -1.0], [0.25, 0.25, 0.25, 0.25]])], {}, None),
    ("sparsemax", [arr([-1.0, 0.0, 1.0])], {}, None),
    ("sparsemax", [arr([[3.0, 0.0], [1.0, 0.5]])], {"axis": 0}, None),
    ("sparsemax", [distinct(42, (4, 3))], {"axis": 0}, 0),
]


def record(family, name, args, kwargs, grad=None):
    case = {"family": family, "op": name, "args": args, "kwargs": kwargs}
    func = getattr(ops, name)
    args_ = decode(args)
    kwargs_ = {k: decode(v) for k, v in kwargs.items()}
    try:
        result = func(*args_, **kwargs_)
        case["result"] = encode_result(jax.device_get(result))
    except Exception as e:  # noqa: BLE001 - the error's type is the record
        case["error"] = type(e).__name__
        return case
    if grad is not None:

        def total(v):
            new = list(args_)
            new[grad] = v
            out = func(*new, **kwargs_)
            return jax.numpy.sum(out[0] if isinstance(out, (tuple, list)) else out)

        case["grad"] = grad
        case["grad_result"] = encode_result(jax.device_get(jax.grad(total)(args_[grad])))
    return case


def main():
    versions = {"keras": keras.__version__, "jax": jax.__version__, "numpy": np.__version__}
    compact = {"sort_keys": True, "separators": (",", ":")}
    records = [record("spectral", *c) for c in SPECTRAL]
    records += [record("ctc", *c) for c in CTC]
    records += [record("nn_extras", *c) for c in NN]
    lines = ",\n".join(f" {json.dumps(r, **compact)}" for r in records)
    text = f'{{\n"versions": {json.dumps(versions, sort_keys=True)},\n"cases": [\n{lines}\n]\n}}\n'
    OUT.write_text(text)
    data = json.loads(OUT.read_text())
    errors = [c["op"] for c in data["cases"] if "error" in c]
    print(f"wrote {OUT}: {len(data['cases'])} cases, errors in {errors}")


if __name__ == "__main__":
    main()
