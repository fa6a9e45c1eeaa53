"""`keras.ops.nn`'s conv_transpose, adaptive_average_pool, adaptive_max_pool
(`pykeras/ops/_nn_resample.py`) and sparsemax (`nn_composite.py`).

Checked against what Keras 3 returned, values and gradients
(tests/reference/data/spectral.json, from
tests/reference/make_spectral_reference.py), against NumPy over
hypothesis-drawn geometry, through traced subclassed models (values and the
gradient `fit` applies), in Functional models with an unknown batch, and on
bad input.
"""

import json
import pathlib

import numpy as np
import pytest
from composite_check import WeightedOp, assert_matches_record, decode, keras_params, our_params
from hypothesis import given
from hypothesis import strategies as st
from op_check import FEW, rng_for, seeds
from test_composite_reductions import numeric_gradient

import pykeras as keras
from pykeras import ops
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import nn

# Composites claim no primitive (see test_ops_coverage.py).
OPS = set()

NAMES = ["adaptive_average_pool", "adaptive_max_pool", "conv_transpose", "sparsemax"]
REFERENCE = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data" / "spectral.json"


def reference_cases(family):
    cases = []
    for i, case in enumerate(json.loads(REFERENCE.read_text())["cases"]):
        if case["family"] == family:
            kwargs = {k: decode(v) for k, v in case["kwargs"].items()}
            cases.append((f"{case['op']}-{i}", case["op"], decode(case["args"]), kwargs, case))
    return cases


CASES = reference_cases("nn_extras")


def test_signatures_match_keras():
    for name in NAMES:
        assert our_params(getattr(ops, name)) == keras_params(name), name
        assert name in nn.__all__ and getattr(nn, name) is getattr(ops, name)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(case):
    _, name, args, kwargs, raw = case
    assert_matches_record(getattr(ops, name)(*args, **kwargs), raw["result"], rtol=2e-6)


GRAD_CASES = [c for c in CASES if "grad" in c[4]]


@pytest.mark.parametrize("case", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradient_matches_keras(case):
    """One SGD step on `sum(op(..., w * arg, ...))` (a traced model whose
    weight scales the argument) moves `w` by JAX's gradient."""
    _, name, args, kwargs, raw = case
    index = raw["grad"]
    value = args[index].astype(np.float32)
    want = np.asarray(raw["grad_result"]["values"], np.float64).reshape(value.shape)

    class Scaled(keras.Model):
        def __init__(self):
            super().__init__()
            self.w = self.add_weight(shape=value.shape, initializer="ones")

        def call(self, x):
            # The argument goes through the input (ones): pykeras's trainer
            # fails on a graph whose loss reaches a weight by no input.
            new = list(args)
            new[index] = ops.reshape(x, (1,) * value.ndim) * self.w * value
            out = getattr(ops, name)(*new, **kwargs)
            return ops.reshape(ops.sum(out), (1, 1))

    model = Scaled()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="mae")
    # mae against -1e4 keeps the prediction on one side: its gradient is +1.
    x = np.ones((1, 1), np.float32)
    model.fit(x, np.full((1, 1), -1e4, np.float32), batch_size=1, epochs=1, verbose=0)
    np.testing.assert_allclose(model.w.numpy(), 1.0 - 0.5 * want * value, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- NumPy references


def transpose_pads(k, s, d, padding, extra):
    k = (k - 1) * d + 1
    if padding == "valid":
        extra = max(k, s) - k if extra is None else extra
        return k - 1, k - 1 + extra
    total = s + k - 2 if extra is None else k + k % 2 - 2 + extra
    left = min(total // 2 + total % 2, k - 1)
    return left, total - left


def np_conv_transpose(x, w, strides, padding, extras, dilation):
    """Channels last, kernel (k..., out, in), in float64: scatter each input
    element's contribution, then crop/pad as lax.conv_transpose does."""
    n = x.ndim - 2
    kshape = w.shape[:n]
    keff = [(k - 1) * d + 1 for k, d in zip(kshape, dilation)]
    full = [(x.shape[1 + i] - 1) * strides[i] + keff[i] for i in range(n)]
    y = np.zeros((x.shape[0], *full, w.shape[-2]))
    for idx in np.ndindex(*x.shape[1:-1]):
        for kidx in np.ndindex(*kshape):
            pos = tuple(idx[i] * strides[i] + kidx[i] * dilation[i] for i in range(n))
            y[(slice(None), *pos)] += x[(slice(None), *idx)] @ w[kidx].T.astype(np.float64)
    for i in range(n):
        left, right = transpose_pads(kshape[i], strides[i], dilation[i], padding, extras[i])
        size = (x.shape[1 + i] - 1) * strides[i] + 1 + left + right - keff[i] + 1
        start = keff[i] - 1 - left
        padded = np.pad(y, [(0, 0)] * (1 + i) + [(max(-start, 0), size)] + [(0, 0)] * (n - i))
        y = np.take(padded, np.arange(size) + max(start, 0), axis=1 + i)
    return y


def np_bins(size, out):
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


def np_adaptive(x, outs, mode):
    reduce = np.max if mode == "max" else np.mean
    for i, out in enumerate(outs):
        parts = [
            reduce(np.take(x, np.arange(lo, hi), axis=1 + i), axis=1 + i, keepdims=True)
            for lo, hi in np_bins(x.shape[1 + i], out)
        ]
        x = np.concatenate(parts, axis=1 + i)
    return x


def np_sparsemax(x, axis=-1):
    """Keras 3's sparsemax (all backends): tau from the sum of running sums."""
    z = np.moveaxis(np.asarray(x, np.float64), axis, -1)
    zs = -np.sort(-z, axis=-1)
    cs = np.cumsum(zs, axis=-1)
    r = np.arange(1, z.shape[-1] + 1)
    support = zs - (cs - 1) / r > 0
    k = support.sum(-1, keepdims=True)
    tau = (np.where(support, cs, 0).sum(-1, keepdims=True) - 1) / k
    return np.moveaxis(np.maximum(z - tau, 0), -1, axis)


@st.composite
def transpose_geometry(draw):
    n = draw(st.sampled_from([1, 2]))
    kernel = draw(st.lists(st.integers(1, 4), min_size=n, max_size=n))
    strides = draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    dilation = draw(st.lists(st.integers(1, 2), min_size=n, max_size=n))
    padding = draw(st.sampled_from(["valid", "same"]))
    extras = [None] * n
    if draw(st.booleans()):
        extras = [draw(st.integers(0, s - 1)) for s in strides]
    spatial = draw(st.lists(st.integers(1, 4), min_size=n, max_size=n))
    return n, kernel, strides, dilation, padding, extras, spatial


@FEW
@given(transpose_geometry(), seeds, st.booleans())
def test_conv_transpose_against_numpy(geometry, seed, channels_first):
    n, kernel, strides, dilation, padding, extras, spatial = geometry
    rng = rng_for(seed)
    x = rng.uniform(-1, 1, (2, *spatial, 3)).astype(np.float32)
    w = rng.uniform(-1, 1, (*kernel, 2, 3)).astype(np.float32)
    want = np_conv_transpose(x, w, strides, padding, extras, dilation)
    output_padding = None if extras[0] is None else extras
    if want.size == 0:
        # Keras returns an empty tensor here; pykeras says why there is no output.
        with pytest.raises(ShapeError, match="conv_transpose"):
            ops.conv_transpose(x, w, strides, padding, output_padding, None, dilation)
        return
    if channels_first:
        first = [0, n + 1, *range(1, n + 1)]
        got = ops.conv_transpose(
            np.transpose(x, first), w, strides, padding, output_padding, "channels_first", dilation
        )
        got = np.transpose(got, [0, *range(2, n + 2), 1])
    else:
        got = ops.conv_transpose(x, w, strides, padding, output_padding, None, dilation)
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@FEW
@given(seeds, st.sampled_from([1, 2]), st.data())
def test_adaptive_pools_against_numpy(seed, n, data):
    spatial = data.draw(st.lists(st.integers(1, 9), min_size=n, max_size=n))
    outs = data.draw(st.lists(st.integers(1, 10), min_size=n, max_size=n))
    x = rng_for(seed).uniform(-1, 1, (2, *spatial, 3)).astype(np.float32)
    for mode, func in (("avg", ops.adaptive_average_pool), ("max", ops.adaptive_max_pool)):
        want = np_adaptive(x.astype(np.float64), outs, mode)
        got = func(x, outs)
        assert got.shape == want.shape and got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        if len(set(outs)) == 1:
            np.testing.assert_array_equal(func(x, outs[0]), got)


@FEW
@given(seeds, st.integers(1, 6), st.integers(0, 1), st.booleans())
def test_sparsemax_against_keras_formula(seed, size, axis, ties):
    rng = rng_for(seed)
    x = rng.uniform(-2, 2, (3, size)).astype(np.float32)
    if ties:
        x = np.round(x * 2) / 2  # many equal values
    got = ops.sparsemax(x, axis=axis)
    assert got.shape == x.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, np_sparsemax(x, axis), rtol=1e-5, atol=1e-6)


# ------------------------------------------------ traced models: values and gradients

RNG = np.random.default_rng(3)
KT1 = RNG.uniform(-1, 1, (3, 2, 2)).astype(np.float32)
KT2 = RNG.uniform(-1, 1, (2, 3, 2, 2)).astype(np.float32)

MODEL_CASES = [
    (
        "conv_transpose1d",
        lambda t: ops.conv_transpose(t, KT1, 2, "same"),
        lambda t: np_conv_transpose(t, KT1, [2], "same", [None], [1]),
        (4, 2),
    ),
    (
        "conv_transpose2d",
        lambda t: ops.conv_transpose(t, KT2, (2, 1), "valid", (1, 0), None, (1, 2)),
        lambda t: np_conv_transpose(t, KT2, [2, 1], "valid", [1, 0], [1, 2]),
        (3, 2, 2),
    ),
    (
        "adaptive_average_pool",
        lambda t: ops.adaptive_average_pool(t, (2, 3)),
        lambda t: np_adaptive(t, [2, 3], "avg"),
        (5, 4, 2),
    ),
    (
        "adaptive_max_pool",
        lambda t: ops.adaptive_max_pool(t, 3, "channels_first"),
        lambda t: np.moveaxis(np_adaptive(np.moveaxis(t, 1, -1), [3], "max"), -1, 1),
        (2, 7),
    ),
    ("sparsemax", lambda t: ops.sparsemax(t * 2.0), lambda t: np_sparsemax(t * 2.0), (5,)),
]


@pytest.mark.parametrize("name,ours,reference,shape", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_traced_model_values_and_gradient(name, ours, reference, shape):
    model = WeightedOp(ours, shape, seed=5)
    w0 = model.w.numpy().astype(np.float64)
    x = np.ones((1, *shape), np.float32)
    y = model.predict(x, verbose=0)
    np.testing.assert_allclose(y, reference(w0[None]), rtol=1e-5, atol=1e-5)
    lr = 0.5
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    model.fit(x, np.zeros_like(y), batch_size=1, epochs=1, shuffle=False, verbose=0)
    grad = numeric_gradient(reference, w0[None])[0]
    np.testing.assert_allclose(model.w.numpy(), w0 - lr * grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name,ours,reference,shape", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_functional_model_with_unknown_batch(name, ours, reference, shape):
    inputs = keras.Input(shape)
    outputs = ours(inputs)
    x = rng_for(2).uniform(-1, 1, (3, *shape)).astype(np.float32)
    want = reference(x.astype(np.float64)).astype(np.float32)
    assert tuple(outputs.shape) == (None, *want.shape[1:])
    model = keras.Model(inputs, outputs)
    np.testing.assert_allclose(model.predict(x, batch_size=2, verbose=0), want, 1e-5, 1e-5)


def test_decoder_with_conv_transpose_learns():
    """A layer built on conv_transpose trains through fit (upsampling 2x)."""

    class Up(keras.layers.Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(3, 1, input_shape[-1]))

        def call(self, x):
            return ops.conv_transpose(x, self.kernel, strides=2, padding="same")

    model = keras.Sequential([keras.Input((4, 2)), Up(), keras.layers.Flatten()])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x = rng_for(4).uniform(-1, 1, (8, 4, 2)).astype(np.float32)
    y = np.repeat(x[..., :1], 2, axis=1)[..., 0]
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first


# ---------------------------------------------------------------- bad input

X1 = np.ones((2, 5, 3), np.float32)
BAD = [
    ("conv_transpose", lambda: ops.conv_transpose(X1, np.ones((3, 2, 4))), ShapeError),
    ("conv_transpose", lambda: ops.conv_transpose(X1, np.ones((3, 3))), ShapeError),
    ("conv_transpose", lambda: ops.conv_transpose(np.ones((1, 2, 2, 2, 3)), X1), ShapeError),
    (
        "conv_transpose",
        lambda: ops.conv_transpose(X1, np.ones((3, 2, 3)), padding="full"),
        InvalidArgumentError,
    ),
    (
        "conv_transpose",
        lambda: ops.conv_transpose(X1, np.ones((3, 2, 3)), output_padding=-1),
        InvalidArgumentError,
    ),
    ("adaptive_average_pool", lambda: ops.adaptive_average_pool(X1, 0), InvalidArgumentError),
    ("adaptive_average_pool", lambda: ops.adaptive_average_pool(X1, (2, 2)), InvalidArgumentError),
    ("adaptive_max_pool", lambda: ops.adaptive_max_pool(np.ones((2, 3)), 2), ShapeError),
    ("adaptive_max_pool", lambda: ops.adaptive_max_pool(X1, 2, "nhwc"), InvalidArgumentError),
    ("sparsemax", lambda: ops.sparsemax(X1, axis=3), InvalidArgumentError),
    ("sparsemax", lambda: ops.sparsemax(np.float32(1.0)), ShapeError),
]


@pytest.mark.parametrize("name,call,error", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_raises_naming_the_op(name, call, error):
    with pytest.raises(error, match=f"'{name}'"):
        call()
    assert issubclass(error, ValueError)
