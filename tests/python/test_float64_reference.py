"""pykeras against Keras 3 with JAX's x64 on float64 input: each op's
result dtype and values, and the gradient of `sum(op(x))` for the
differentiable ones, from `tests/reference/data/float64.json` (recorded by
`tests/reference/make_float64_reference.py`)."""

import json
import pathlib

import numpy as np
import pytest

import pykeras as keras
from pykeras import ops

DATA = json.loads(
    (
        pathlib.Path(__file__).resolve().parents[1] / "reference" / "data" / "float64.json"
    ).read_text()
)
INPUTS = {k: np.asarray(v, np.float64) for k, v in DATA["inputs"].items()}

# The generator's fixed indices.
IDS = np.array([2, 0, 3, 3, 1])
ALONG = np.array([[1, 0], [3, 3], [2, 1]])
SEGS = np.array([1, 0, 1])

# The same calls as the generator's, on pykeras.
CALLS = {
    "add": lambda a, b: ops.add(a, b),
    "subtract_broadcast": lambda a, row: ops.subtract(a, row),
    "multiply": lambda a, b: ops.multiply(a, b),
    "divide": lambda a, pos: ops.divide(a, pos),
    "maximum": lambda a, b: ops.maximum(a, b),
    "minimum": lambda a, b: ops.minimum(a, b),
    "power": lambda pos, a: ops.power(pos, a),
    "exp": lambda a: ops.exp(a),
    "log": lambda pos: ops.log(pos),
    "sqrt": lambda pos: ops.sqrt(pos),
    "tanh_math": lambda a: ops.sinh(a),
    "sin": lambda a: ops.sin(a),
    "square": lambda a: ops.square(a),
    "negative": lambda a: ops.negative(a),
    "abs": lambda a: ops.abs(a),
    "reciprocal": lambda pos: ops.reciprocal(pos),
    "clip": lambda a: ops.clip(a, -0.5, 0.5),
    "sum": lambda a: ops.sum(a),
    "sum_axis": lambda a: ops.sum(a, axis=0),
    "mean_axis": lambda a: ops.mean(a, axis=1, keepdims=True),
    "max_axis": lambda a: ops.max(a, axis=-1),
    "matmul": lambda a, m: ops.matmul(a, m),
    "reshape": lambda a: ops.reshape(a, (2, 6)),
    "transpose": lambda a: ops.transpose(a),
    "concatenate": lambda a, b: ops.concatenate([a, b], axis=1),
    "slice": lambda a: ops.slice(a, (1, 1), (2, 2)),
    "pad": lambda a: ops.pad(a, ((1, 0), (0, 2))),
    "cast_float32": lambda a: ops.cast(a, "float32"),
    "greater": lambda a, b: ops.greater(a, b),
    "equal_self": lambda a: ops.equal(a, a),
    "softmax": lambda a, b: ops.multiply(ops.softmax(a), b),
    "log_softmax_axis0": lambda a, b: ops.multiply(ops.log_softmax(a, axis=0), b),
    "logsumexp_axis": lambda a: ops.logsumexp(a, axis=1),
    "elu": lambda a: ops.elu(a, alpha=0.7),
    "selu": lambda a: ops.selu(a),
    "gelu": lambda a: ops.gelu(a, approximate=False),
    "gelu_tanh": lambda a: ops.gelu(a, approximate=True),
    "leaky_relu": lambda a: ops.leaky_relu(a, negative_slope=0.1),
    "relu6": lambda a: ops.relu6(ops.multiply(a, 4.0)),
    "hard_silu": lambda a: ops.hard_silu(a),
    "log_sigmoid": lambda a: ops.log_sigmoid(a),
    "celu": lambda a: ops.celu(a, alpha=1.5),
    "squareplus": lambda a: ops.squareplus(a),
    "var_axis": lambda a: ops.var(a, axis=0),
    "std_axis": lambda a: ops.std(a, axis=1),
    "prod_axis": lambda pos: ops.prod(pos, axis=1),
    "cumsum_axis": lambda a: ops.cumsum(a, axis=1),
    "cumprod_axis": lambda pos: ops.cumprod(pos, axis=0),
    "norm_3": lambda a: ops.norm(a, ord=3, axis=1),
    "argmax_axis": lambda a: ops.argmax(a, axis=1),
    "argmin_axis": lambda a: ops.argmin(a, axis=0),
    "argsort_axis": lambda a: ops.argsort(a, axis=1),
    "sort_axis": lambda a, b: ops.multiply(ops.sort(a, axis=0), b),
    "top_k_values": lambda a: ops.top_k(a, 2)[0],
    "take": lambda a: ops.take(a, IDS, axis=1),
    "take_along_axis": lambda a: ops.take_along_axis(a, ALONG, axis=1),
    "einsum": lambda a, m: ops.einsum("ij,jk->ik", a, m),
    "tensordot": lambda a, b: ops.tensordot(a, b, axes=[[0], [0]]),
    "dot": lambda row, m: ops.dot(row, m),
    "erf": lambda a: ops.erf(a),
    "erfinv": lambda a: ops.erfinv(ops.multiply(a, 0.4)),
    "segment_sum": lambda a: ops.segment_sum(a, SEGS, num_segments=3),
    "segment_max": lambda a: ops.segment_max(a, SEGS, num_segments=2),
    "cbrt": lambda a: ops.cbrt(a),
    "hypot": lambda a, b: ops.hypot(a, b),
    "deg2rad": lambda a: ops.deg2rad(a),
    "divide_no_nan": lambda a, pos: ops.divide_no_nan(a, pos),
    "fmod": lambda a, pos: ops.fmod(a, pos),
    "median_axis": lambda a: ops.median(a, axis=1),
    "quantile": lambda a: ops.quantile(a, 0.3, axis=0),
    "nanmean_axis": lambda a: ops.nanmean(a, axis=0),
    "cdist": lambda a, m: ops.cdist(a, ops.transpose(m)),
}


# Keras's `mean` computes in `result_type(x.dtype, "float32")`, which is
# float32 (its result_type maps 64-bit types to 32-bit ones), then returns
# float64: its values carry float32's precision, pykeras's float64's.
KERAS_COMPUTES_IN_FLOAT32 = {"mean_axis"}
# Index results: Keras with x64 gives int64, pykeras int32 (Keras's
# default, without x64): the positions are compared, not the dtype.
INDICES = {"argmax_axis", "argmin_axis", "argsort_axis"}


def test_every_recorded_case_is_called():
    assert sorted(CALLS) == sorted(DATA["cases"])


def tolerance(dtype):
    # float64 results agree to float64's rounding; float32 ones to float32's.
    return (1e-12, 1e-13) if dtype == "float64" else (1e-6, 1e-7)


@pytest.mark.parametrize("name", sorted(DATA["cases"]))
def test_values_and_dtypes_match_keras_with_x64(name):
    case = DATA["cases"][name]
    out = np.asarray(CALLS[name](*[INPUTS[n] for n in case["inputs"]]))
    if name in INDICES:
        assert case["dtype"] == "int64" and out.dtype == np.int32
    else:
        assert str(out.dtype) == case["dtype"]
    assert list(out.shape) == case["shape"]
    rtol, atol = tolerance("float32" if name in KERAS_COMPUTES_IN_FLOAT32 else case["dtype"])
    np.testing.assert_allclose(out.astype(np.float64), case["value"], rtol=rtol, atol=atol)


GRADIENT_CASES = sorted(n for n, c in DATA["cases"].items() if "grads" in c)


@pytest.mark.parametrize("name", GRADIENT_CASES)
def test_gradients_match_keras_with_x64(name):
    case = DATA["cases"][name]
    xs = [INPUTS[n].copy() for n in case["inputs"]]
    with keras.GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        y = ops.sum(CALLS[name](*xs))
    grads = tape.gradient(y, xs)
    rtol, atol = tolerance(case["dtype"])
    for got, want in zip(grads, case["grads"]):
        got = np.asarray(got)
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
