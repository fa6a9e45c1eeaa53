"""`keras.ops.nn`'s namespace (`pykeras/ops/nn.py`) and the composites it
gained: convolutions and pooling (`nn_spatial.py`), encodings and
normalizations (`nn.py`), attention (`nn_attention.py`); and the
`keras.ops.numpy` namespace (`pykeras/ops/numpy.py`).

Checked against what Keras 3 returned (tests/reference/data/nn_ops.json,
from tests/reference/make_nn_ops_reference.py), against NumPy over
hypothesis-drawn geometry, through traced subclassed models (values and
gradients), in Functional models with an unknown batch, and on bad input.
"""

import json
import pathlib

import numpy as np
import pytest
from composite_check import WeightedOp, assert_matches_record, decode, our_params
from hypothesis import given
from hypothesis import strategies as st
from keras_namespace import keras_names
from op_check import FEW, rng_for, seeds
from test_composite_reductions import numeric_gradient

import pykeras as keras
from pykeras import ops
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import nn
from pykeras.ops import numpy as ops_numpy

# Composites claim no primitive (see test_ops_coverage.py).
OPS = set()

REFERENCE = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data" / "nn_ops.json"
KERAS_NN = keras_names("keras.ops.nn")


def _cases():
    cases = []
    for i, case in enumerate(json.loads(REFERENCE.read_text())["cases"]):
        kwargs = {k: decode(v) for k, v in case["kwargs"].items()}
        args = decode(case["args"])
        cases.append((f"{case['op']}-{i}", case["op"], args, kwargs, case.get("result"), case))
    return cases


CASES = _cases()


# ---------------------------------------------------------------- namespaces


def test_nn_namespace_has_keras_names_and_signatures():
    for name in nn.__all__:
        func = getattr(nn, name)
        assert func is getattr(ops, name), name
        if name in KERAS_NN:
            want = [(p["name"], p["default"]) for p in KERAS_NN[name]["params"]]
            assert our_params(func) == want, name
    # Everything pykeras.ops implements of keras.ops.nn is reachable from nn.
    assert not {n for n in KERAS_NN if hasattr(ops, n)} - set(nn.__all__)
    assert set(nn.__all__) - set(KERAS_NN) == {"exponential", "linear", "tanh"}


def test_nn_names_import_as_in_keras():
    from pykeras.ops.nn import binary_crossentropy, conv, log_sigmoid  # noqa: F401

    assert nn.log_sigmoid is ops.log_sigmoid
    assert "sparse_categorical_crossentropy" in dir(nn)
    with pytest.raises(AttributeError):
        nn.not_an_op  # noqa: B018


def test_numpy_namespace_reexports_keras_numpy_names():
    keras_numpy = keras_names("keras.ops.numpy")
    assert ops_numpy.__all__ and len(set(ops_numpy.__all__)) == len(ops_numpy.__all__)
    for name in ops_numpy.__all__:
        assert name in keras_numpy, name
        assert getattr(ops_numpy, name) is getattr(ops, name), name
    # Complete: every keras.ops.numpy name pykeras.ops has is listed.
    assert {n for n in keras_numpy if hasattr(ops, n)} == set(ops_numpy.__all__)
    assert keras.ops.numpy is ops_numpy
    # The submodule does not leak into the family modules' NumPy.
    from pykeras.ops import _nn_resample

    assert _nn_resample.np is np


# ---------------------------------------------------------------- recorded Keras values


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(case):
    _, name, args, kwargs, result, raw = case
    func = getattr(nn, name)
    if "error" in raw:
        with pytest.raises(ValueError, match=f"'{name}'"):
            func(*args, **kwargs)
        return
    assert_matches_record(func(*args, **kwargs), result, rtol=3e-6)


# ---------------------------------------------------------------- NumPy references


def _same_pads(length, window, stride):
    out = -(-length // stride)
    total = max((out - 1) * stride + window - length, 0)
    return out, (total // 2, total - total // 2)


def np_conv(x, k, strides, padding, dilation):
    """Channels-last convolution in float64, TF-style 'same' padding."""
    n = x.ndim - 2
    outs, pads = [], []
    for i in range(n):
        window = (k.shape[i] - 1) * dilation[i] + 1
        if padding == "same":
            out, pad = _same_pads(x.shape[1 + i], window, strides[i])
        else:
            out, pad = (x.shape[1 + i] - window) // strides[i] + 1, (0, 0)
        outs.append(out)
        pads.append(pad)
    xp = np.pad(x.astype(np.float64), [(0, 0), *pads, (0, 0)])
    y = np.zeros((x.shape[0], *outs, k.shape[-1]))
    for idx in np.ndindex(*k.shape[:n]):
        window = tuple(
            slice(
                idx[i] * dilation[i],
                idx[i] * dilation[i] + (outs[i] - 1) * strides[i] + 1,
                strides[i],
            )
            for i in range(n)
        )
        y += xp[(slice(None), *window, slice(None))] @ k[idx].astype(np.float64)
    return y


def np_pool(x, mode, pool, strides, padding):
    n = x.ndim - 2
    outs, pads = [], []
    for i in range(n):
        if padding == "same":
            out, pad = _same_pads(x.shape[1 + i], pool[i], strides[i])
        else:
            out, pad = (x.shape[1 + i] - pool[i]) // strides[i] + 1, (0, 0)
        outs.append(out)
        pads.append(pad)
    fill = -np.inf if mode == "max" else 0.0
    xp = np.pad(x.astype(np.float64), [(0, 0), *pads, (0, 0)], constant_values=fill)
    ones = np.pad(np.ones(x.shape), [(0, 0), *pads, (0, 0)])
    y = np.full((x.shape[0], *outs, x.shape[-1]), fill)
    count = np.zeros_like(y)
    for idx in np.ndindex(*pool):
        window = (
            slice(None),
            *(slice(idx[i], idx[i] + (outs[i] - 1) * strides[i] + 1, strides[i]) for i in range(n)),
            slice(None),
        )
        y = np.maximum(y, xp[window]) if mode == "max" else y + xp[window]
        count += ones[window]
    return y if mode == "max" else y / count


@st.composite
def conv_geometry(draw):
    n = draw(st.sampled_from([1, 2]))
    kernel = draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    strides = draw(st.lists(st.integers(1, 2), min_size=n, max_size=n))
    dilation = draw(st.lists(st.integers(1, 2), min_size=n, max_size=n))
    padding = draw(st.sampled_from(["valid", "same"]))
    spatial = [
        draw(st.integers((k - 1) * d + 1, (k - 1) * d + 5)) for k, d in zip(kernel, dilation)
    ]
    groups = draw(st.sampled_from([1, 2]))
    k_in, out = draw(st.integers(1, 3)), groups * draw(st.integers(1, 2))
    return n, kernel, strides, dilation, padding, spatial, groups, k_in, out


@FEW
@given(conv_geometry(), seeds, st.booleans())
def test_conv_against_numpy(geometry, seed, channels_first):
    n, kernel, strides, dilation, padding, spatial, groups, k_in, out = geometry
    rng = rng_for(seed)
    x = rng.uniform(-1, 1, (2, *spatial, k_in * groups)).astype(np.float32)
    k = rng.uniform(-1, 1, (*kernel, k_in, out)).astype(np.float32)
    per = out // groups
    want = np.concatenate(
        [
            np_conv(
                x[..., g * k_in : (g + 1) * k_in],
                k[..., g * per : (g + 1) * per],
                strides,
                padding,
                dilation,
            )
            for g in range(groups)
        ],
        -1,
    )
    if channels_first:
        to_first = [0, n + 1, *range(1, n + 1)]
        got = nn.conv(np.transpose(x, to_first), k, strides, padding, "channels_first", dilation)
        got = np.transpose(got, [0, *range(2, n + 2), 1])
    else:
        got = nn.conv(x, k, strides, padding, dilation_rate=dilation)
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@FEW
@given(conv_geometry(), seeds, st.sampled_from(["max", "avg"]))
def test_pools_against_numpy(geometry, seed, mode):
    n, pool, strides, _, padding, spatial, *_ = geometry
    x = rng_for(seed).uniform(-1, 1, (2, *spatial, 3)).astype(np.float32)
    func = nn.max_pool if mode == "max" else nn.average_pool
    want = np_pool(x, mode, pool, strides, padding)
    got = func(x, pool, strides, padding)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    if strides == pool:
        np.testing.assert_array_equal(func(x, pool, None, padding), got)


@FEW
@given(seeds, st.integers(1, 3), st.integers(1, 2), st.sampled_from(["valid", "same"]))
def test_depthwise_and_separable_against_numpy(seed, channels, multiplier, padding):
    rng = rng_for(seed)
    x = rng.uniform(-1, 1, (2, 5, 4, channels)).astype(np.float32)
    dw = rng.uniform(-1, 1, (3, 2, channels, multiplier)).astype(np.float32)
    pw = rng.uniform(-1, 1, (1, 1, channels * multiplier, 2)).astype(np.float32)
    per_channel = [
        np_conv(x[..., c : c + 1], dw[:, :, c : c + 1, :], [1, 1], padding, [1, 1])
        for c in range(channels)
    ]
    want = np.concatenate(per_channel, -1)
    np.testing.assert_allclose(
        nn.depthwise_conv(x, dw, padding=padding), want, rtol=1e-5, atol=1e-5
    )
    np.testing.assert_allclose(
        nn.separable_conv(x, dw, pw, padding=padding),
        want @ pw[0, 0].astype(np.float64),
        rtol=1e-5,
        atol=1e-5,
    )


@FEW
@given(st.lists(st.integers(-1, 5), min_size=1, max_size=6), st.integers(1, 5), st.data())
def test_one_hot_and_multi_hot_against_numpy(ids, classes, data):
    x = np.array(ids, np.int32).reshape(-1, 1 if len(ids) % 2 else 2)
    axis = data.draw(st.integers(-3, 2))
    want = np.moveaxis((x[..., None] == np.arange(classes)).astype(np.float32), -1, axis)
    np.testing.assert_array_equal(nn.one_hot(x, classes, axis=axis), want)
    multi = (x[..., None] == np.arange(classes)).any(1).astype(np.float32)
    np.testing.assert_array_equal(nn.multi_hot(x, classes), multi)
    assert nn.one_hot(x, classes, dtype="int32").dtype == np.int32


@FEW
@given(seeds, st.sampled_from([0, 1, 2, -1]))
def test_normalizations_against_numpy(seed, axis):
    rng = rng_for(seed)
    x = rng.uniform(-2, 2, (2, 3, 4)).astype(np.float32)
    x64 = x.astype(np.float64)
    size = x.shape[axis]
    shape = [size if i == axis % 3 else 1 for i in range(3)]
    mean, var = rng.uniform(-1, 1, size), rng.uniform(0.5, 2, size)
    gamma, beta = rng.uniform(0.5, 1.5, size), rng.uniform(-1, 1, size)
    want = (x64 - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + 1e-3)
    want = want * gamma.reshape(shape) + beta.reshape(shape)
    got = nn.batch_normalization(x, mean, var, axis, offset=beta, scale=gamma)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)

    m, v = x64.mean(axis, keepdims=True), x64.var(axis, keepdims=True)
    np.testing.assert_allclose(
        nn.layer_normalization(x, axis=axis), (x64 - m) / np.sqrt(v + 1e-7), rtol=1e-4, atol=1e-4
    )
    rms = np.sqrt(np.mean(x64**2, axis, keepdims=True) + 1e-7)
    np.testing.assert_allclose(nn.rms_normalization(x, axis=axis), x64 / rms, rtol=1e-5)
    y = x + rng.uniform(-0.1, 0.1, x.shape).astype(np.float32)
    want_psnr = 20 * np.log10(2.0) - 10 * np.log10(np.mean((x64 - y) ** 2))
    np.testing.assert_allclose(nn.psnr(x, y, 2.0), want_psnr, rtol=1e-5)


def np_attention(q, k, v, mask=None):
    logits = np.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(q.shape[-1])
    if mask is not None:
        logits = np.where(mask, logits, -0.7 * np.finfo(np.float32).max)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    return np.einsum("bnts,bsnh->btnh", p / p.sum(-1, keepdims=True), v)


def test_attention_against_numpy():
    rng = rng_for(7)
    q, k, v = (rng.uniform(-1, 1, (2, t, 3, 4)).astype(np.float32) for t in (4, 4, 4))
    np.testing.assert_allclose(nn.dot_product_attention(q, k, v), np_attention(q, k, v), 1e-5)
    causal = np.tril(np.ones((4, 4), bool))
    got = nn.dot_product_attention(q, k, v, is_causal=True)
    np.testing.assert_allclose(got, np_attention(q, k, v, causal), rtol=1e-5, atol=1e-6)


def test_space_and_depth_round_trip():
    x = np.arange(2 * 4 * 6 * 3, dtype=np.float32).reshape(2, 4, 6, 3)
    for fmt, y in (("channels_last", x), ("channels_first", np.transpose(x, (0, 3, 1, 2)))):
        packed = nn.space_to_depth(y, 2, data_format=fmt)
        np.testing.assert_array_equal(nn.depth_to_space(packed, 2, data_format=fmt), y)


# ------------------------------------------------ traced models: values and gradients

RNG = np.random.default_rng(11)
K1 = RNG.uniform(-1, 1, (3, 2, 3)).astype(np.float32)
K2 = RNG.uniform(-1, 1, (2, 2, 2, 3)).astype(np.float32)
DW = RNG.uniform(-1, 1, (2, 2, 2, 2)).astype(np.float32)
STAT = RNG.uniform(0.5, 1.5, (2,)).astype(np.float32)
G4 = RNG.uniform(0.5, 1.5, (4,)).astype(np.float32)


def _np_bn(t):
    return (t - 0.25) / np.sqrt(STAT + 1e-3) * STAT + 0.5


# (name, ours, NumPy reference in float64, one sample's shape)
MODEL_CASES = [
    (
        "conv1d",
        lambda t: nn.conv(t, K1, padding="same"),
        lambda t: np_conv(t, K1, [1], "same", [1]),
        (5, 2),
    ),
    (
        "conv2d_strided",
        lambda t: nn.conv(t, K2, strides=2),
        lambda t: np_conv(t, K2, [2, 2], "valid", [1, 1]),
        (5, 4, 2),
    ),
    (
        "conv2d_channels_first",
        lambda t: nn.conv(t, K2, data_format="channels_first", dilation_rate=(1, 2)),
        lambda t: np.transpose(
            np_conv(np.transpose(t, (0, 2, 3, 1)), K2, [1, 1], "valid", [1, 2]), (0, 3, 1, 2)
        ),
        (2, 4, 5),
    ),
    (
        "depthwise_conv",
        lambda t: nn.depthwise_conv(t, DW, padding="same"),
        lambda t: np.concatenate(
            [
                np_conv(t[..., c : c + 1], DW[:, :, c : c + 1], [1, 1], "same", [1, 1])
                for c in range(2)
            ],
            -1,
        ),
        (4, 3, 2),
    ),
    (
        "max_pool",
        lambda t: nn.max_pool(t, 2, padding="same"),
        lambda t: np_pool(t, "max", [2, 2], [2, 2], "same"),
        (3, 5, 2),
    ),
    (
        "average_pool",
        lambda t: nn.average_pool(t, 3, 1, padding="same"),
        lambda t: np_pool(t, "avg", [3], [1], "same"),
        (5, 2),
    ),
    (
        "batch_normalization",
        lambda t: nn.batch_normalization(t, 0.25 * np.ones(2), STAT, -1, 0.5 * np.ones(2), STAT),
        _np_bn,
        (3, 2),
    ),
    (
        "moments_then_batch_normalization",
        lambda t: nn.batch_normalization(t, *nn.moments(t, [0, 1]), axis=-1),
        lambda t: (t - t.mean((0, 1))) / np.sqrt(t.var((0, 1)) + 1e-3),
        (3, 4),
    ),
    (
        "layer_normalization",
        lambda t: nn.layer_normalization(t, G4, G4),
        lambda t: (
            (t - t.mean(-1, keepdims=True)) / np.sqrt(t.var(-1, keepdims=True) + 1e-7) * G4 + G4
        ),
        (3, 4),
    ),
    (
        "rms_normalization",
        lambda t: nn.rms_normalization(t, axis=1),
        lambda t: t / np.sqrt(np.mean(t**2, 1, keepdims=True) + 1e-7),
        (3, 2),
    ),
    (
        "depth_to_space",
        lambda t: nn.depth_to_space(t, 2),
        lambda t: t.reshape(-1, 2, 1, 2, 2, 1).transpose(0, 1, 3, 2, 4, 5).reshape(-1, 4, 2, 1),
        (2, 1, 4),
    ),
    (
        "dot_product_attention",
        lambda t: nn.dot_product_attention(t, t, t, is_causal=True),
        lambda t: np_attention(t, t, t, np.tril(np.ones((3, 3), bool))),
        (3, 2, 2),
    ),
]


@pytest.mark.parametrize("name,ours,reference,shape", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_traced_model_values_and_gradient(name, ours, reference, shape):
    """`ours(w)` in a traced model, one SGD step on its mean square: the
    weights move by the NumPy reference's numeric gradient."""
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
    # Statistics over the batch need the whole batch in one piece.
    batch_size = 3 if name.startswith("moments") else 2
    np.testing.assert_allclose(
        model.predict(x, batch_size=batch_size, verbose=0), want, rtol=1e-5, atol=1e-5
    )


def test_encodings_in_a_functional_model():
    ids = keras.Input((2,), dtype="int32")
    hot, multi = nn.one_hot(ids, 4), nn.multi_hot(ids, 4)
    assert tuple(hot.shape) == (None, 2, 4) and tuple(multi.shape) == (None, 4)
    model = keras.Model(ids, [hot, multi])
    x = np.array([[0, 3], [2, 2], [5, 1]], np.int32)
    got_hot, got_multi = model.predict(x, verbose=0)
    np.testing.assert_array_equal(got_hot, nn.one_hot(x, 4))
    np.testing.assert_array_equal(got_multi, nn.multi_hot(x, 4))


def test_conv_layer_in_a_sequential_fit_learns():
    """A custom layer built on ops.nn.conv trains through `fit`."""

    class Conv(keras.layers.Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(3, input_shape[-1], 2))

        def call(self, x):
            return nn.max_pool(nn.conv(x, self.kernel, padding="same"), 2, 2)

    model = keras.Sequential([keras.Input((6, 2)), Conv(), keras.layers.Flatten()])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x = rng_for(3).uniform(-1, 1, (8, 6, 2)).astype(np.float32)
    y = np.zeros((8, 6), np.float32)
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=3, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first


# ---------------------------------------------------------------- bad input

X1 = np.ones((2, 5, 3), np.float32)
BAD = [
    ("conv", lambda: nn.conv(np.ones((1, 4, 4, 4, 2)), np.ones((2, 2, 2, 2, 1))), ShapeError),
    ("conv", lambda: nn.conv(X1, np.ones((3, 2, 4))), ShapeError),
    ("conv", lambda: nn.conv(X1, np.ones((3, 3))), ShapeError),
    ("conv", lambda: nn.conv(X1, np.ones((3, 3, 4)), padding="causal"), InvalidArgumentError),
    ("conv", lambda: nn.conv(X1, np.ones((3, 3, 4)), strides=(1, 2)), InvalidArgumentError),
    ("conv", lambda: nn.conv(X1, np.ones((3, 3, 4)), data_format="nhwc"), InvalidArgumentError),
    ("depthwise_conv", lambda: nn.depthwise_conv(X1, np.ones((3, 2, 1))), ShapeError),
    (
        "separable_conv",
        lambda: nn.separable_conv(X1, np.ones((3, 3, 1)), np.ones((1, 4, 2))),
        ShapeError,
    ),
    ("max_pool", lambda: nn.max_pool(np.ones((1, 4, 4, 4, 2)), 2), ShapeError),
    ("average_pool", lambda: nn.average_pool(X1, 0), InvalidArgumentError),
    ("one_hot", lambda: nn.one_hot([0, 1], 0), InvalidArgumentError),
    ("one_hot", lambda: nn.one_hot([0, 1], 3, sparse=True), InvalidArgumentError),
    ("one_hot", lambda: nn.one_hot([0, 1], 3, axis=2), InvalidArgumentError),
    ("multi_hot", lambda: nn.multi_hot([0, 1]), InvalidArgumentError),
    (
        "batch_normalization",
        lambda: nn.batch_normalization(X1, np.ones(2), np.ones(3), -1),
        ShapeError,
    ),
    (
        "batch_normalization",
        lambda: nn.batch_normalization(X1, np.ones(3), np.ones(3), 3),
        InvalidArgumentError,
    ),
    (
        "layer_normalization",
        lambda: nn.layer_normalization(X1, rms_scaling=True),
        InvalidArgumentError,
    ),
    ("rms_normalization", lambda: nn.rms_normalization(X1, epsilon="a"), InvalidArgumentError),
    ("psnr", lambda: nn.psnr(np.ones((2, 3)), np.ones((3, 2)), 1.0), ShapeError),
    ("depth_to_space", lambda: nn.depth_to_space(np.ones((1, 2, 2, 3)), 2), ShapeError),
    ("space_to_depth", lambda: nn.space_to_depth(np.ones((1, 3, 2, 3)), 2), ShapeError),
    ("space_to_depth", lambda: nn.space_to_depth(np.ones((1, 2, 2, 3)), 1), InvalidArgumentError),
    ("dot_product_attention", lambda: nn.dot_product_attention(X1, X1, X1), ShapeError),
    (
        "dot_product_attention",
        lambda: nn.dot_product_attention(*[np.ones((1, 2, 2, 2))] * 3, flash_attention=True),
        InvalidArgumentError,
    ),
]


@pytest.mark.parametrize("name,call,error", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_raises_naming_the_op(name, call, error):
    with pytest.raises(error, match=f"'{name}'"):
        call()
    assert issubclass(error, ValueError)


def test_unknown_sizes_are_named():
    with pytest.raises(ShapeError, match="'depth_to_space'.*unknown until run time"):
        nn.depth_to_space(keras.Input((None, 2, 8)), 2)
    with pytest.raises(ShapeError, match="'conv'"):
        nn.conv(keras.Input((5, None)), np.ones((3, 2, 1), np.float32))
