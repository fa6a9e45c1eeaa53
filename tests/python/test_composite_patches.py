"""Sliding windows (`pykeras/ops/patches.py`): extract_sequences, unfold and
fold, checked against NumPy (loops over windows), against what Keras 3
returned (tests/reference/data/indexing.json), through traced models
(values and gradients), in Functional models with an unknown batch and on
bad input."""

import numpy as np
import pytest
from composite_check import assert_same, keras_params, our_params
from hypothesis import given
from hypothesis import strategies as st
from indexing_check import check_record, reference_cases, sgd_step_matches
from op_check import SETTINGS, rng_for, seeds, shapes

import pykeras as keras
from pykeras import ops
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import patches

OPS = set()

CASES = reference_cases("patches")


def test_every_function_has_keras_signature():
    for name in patches.__all__:
        assert our_params(getattr(patches, name)) == keras_params(name), name
        assert getattr(ops, name) is getattr(patches, name)
        doc = getattr(patches, name).__doc__
        assert "Args:" in doc and "Returns:" in doc and "Example:" in doc, name


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(case):
    _, name, args, kwargs, result, error = case
    if error is not None:
        with pytest.raises(ValueError, match=f"'{name}'"):
            getattr(ops, name)(*args, **kwargs)
        return
    check_record(getattr(ops, name)(*args, **kwargs), result)


def np_extract_sequences(x, length, stride):
    n = x.shape[-1]
    count = 1 + (n - length) // stride
    return np.stack([x[..., i * stride : i * stride + length] for i in range(count)], axis=-2)


def np_unfold(x, k, d, p, s):
    x = np.pad(x, [(0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])])
    n, c, h, w = x.shape
    oh = (h - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (w - d[1] * (k[1] - 1) - 1) // s[1] + 1
    out = np.zeros((n, c, k[0], k[1], oh, ow), x.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            out[:, :, i, j] = x[
                :,
                :,
                i * d[0] : i * d[0] + s[0] * (oh - 1) + 1 : s[0],
                j * d[1] : j * d[1] + s[1] * (ow - 1) + 1 : s[1],
            ]
    return out.reshape(n, c * k[0] * k[1], oh * ow)


def np_fold(cols, size, k, d, p, s):
    n, ckk, _ = cols.shape
    c = ckk // (k[0] * k[1])
    h, w = size[0] + 2 * p[0], size[1] + 2 * p[1]
    oh = (h - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (w - d[1] * (k[1] - 1) - 1) // s[1] + 1
    blocks = cols.reshape(n, c, k[0], k[1], oh, ow)
    out = np.zeros((n, c, h, w), np.float64)
    for i in range(k[0]):
        for j in range(k[1]):
            out[
                :,
                :,
                i * d[0] : i * d[0] + s[0] * (oh - 1) + 1 : s[0],
                j * d[1] : j * d[1] + s[1] * (ow - 1) + 1 : s[1],
            ] += blocks[:, :, i, j]
    return out[:, :, p[0] : p[0] + size[0], p[1] : p[1] + size[1]]


@SETTINGS
@given(shapes(min_dims=1, max_dims=3, min_side=1, max_side=6), seeds, st.data())
def test_extract_sequences(shape, seed, data):
    n = shape[-1]
    length = data.draw(st.integers(1, n))
    stride = data.draw(st.integers(1, 3))
    rng = rng_for(seed)
    for x in (rng.uniform(-2, 2, shape).astype(np.float32), rng.integers(-(2**40), 2**40, shape)):
        assert_same(
            ops.extract_sequences(x, length, stride), np_extract_sequences(x, length, stride)
        )


@st.composite
def geometry(draw):
    k = [draw(st.integers(1, 3)) for _ in range(2)]
    d = [draw(st.integers(1, 2)) for _ in range(2)]
    p = [draw(st.integers(0, 2)) for _ in range(2)]
    s = [draw(st.integers(1, 3)) for _ in range(2)]
    size = [draw(st.integers(max(1, d[i] * (k[i] - 1) + 1 - 2 * p[i]), 6)) for i in range(2)]
    return k, d, p, s, size


@SETTINGS
@given(geometry(), st.integers(1, 2), st.integers(1, 2), seeds)
def test_unfold_and_fold(geo, n, c, seed):
    k, d, p, s, size = geo
    rng = rng_for(seed)
    x = rng.uniform(-2, 2, (n, c, *size)).astype(np.float32)
    cols = ops.unfold(x, k, dilation=d, padding=p, stride=s)
    assert_same(cols, np_unfold(x, k, d, p, s))
    xi = rng.integers(-100, 100, (n, c, *size)).astype(np.int32)
    assert_same(ops.unfold(xi, k, d, p, s), np_unfold(xi, k, d, p, s))
    back = ops.fold(cols, size, k, dilation=d, padding=p, stride=s)
    assert_same(back, np_fold(cols, size, k, d, p, s).astype(np.float32), rtol=1e-5)
    colsi = np_unfold(xi, k, d, p, s)
    assert_same(
        ops.fold(colsi, size, k, d, p, s), np_fold(colsi, size, k, d, p, s).astype(np.int32)
    )


MODEL_CASES = [
    (
        "extract_sequences",
        lambda t: ops.extract_sequences(t, 3, 2),
        lambda t: np_extract_sequences(t, 3, 2),
        (2, 7),
    ),
    (
        "unfold",
        lambda t: ops.unfold(t, 2, dilation=(1, 2), padding=1, stride=(2, 1)),
        lambda t: np_unfold(t, [2, 2], [1, 2], [1, 1], [2, 1]),
        (2, 3, 4),
    ),
    (
        "fold",
        lambda t: ops.fold(t, (3, 4), 2, padding=(0, 1)),
        lambda t: np_fold(t, [3, 4], [2, 2], [1, 1], [0, 1], [1, 1]),
        (4, 10),
    ),
]


@pytest.mark.parametrize("name,ours,reference,shape", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_traced_model_values_and_gradient(name, ours, reference, shape):
    sgd_step_matches(ours, reference, shape)


def test_functional_models_with_unknown_batch():
    img = keras.Input((2, 4, 5))
    cols = ops.unfold(img, 2, padding=1)
    back = ops.fold(cols, (4, 5), 2, padding=1)
    seqs = ops.extract_sequences(img, 3, 2)
    assert cols.shape == (None, 8, 30) and back.shape == (None, 2, 4, 5)
    assert seqs.shape == (None, 2, 4, 2, 3)
    x = rng_for(3).uniform(-1, 1, (3, 2, 4, 5)).astype(np.float32)
    model = keras.Model(img, [cols, back, seqs])
    got = model.predict(x, batch_size=2, verbose=0)
    want_cols = np_unfold(x, [2, 2], [1, 1], [1, 1], [1, 1])
    assert_same(got[0], want_cols)
    assert_same(
        got[1],
        np_fold(want_cols, [4, 5], [2, 2], [1, 1], [1, 1], [1, 1]).astype(np.float32),
        rtol=1e-5,
    )
    assert_same(got[2], np_extract_sequences(x, 3, 2))


BAD = [
    ("extract_sequences", lambda: ops.extract_sequences(np.ones(3), 4, 1), ShapeError),
    ("extract_sequences", lambda: ops.extract_sequences(np.ones(3), 2, 0), InvalidArgumentError),
    ("extract_sequences", lambda: ops.extract_sequences(np.float32(1), 1, 1), ShapeError),
    ("unfold", lambda: ops.unfold(np.ones((2, 3, 4)), 2), ShapeError),
    ("unfold", lambda: ops.unfold(np.ones((1, 1, 2, 2)), 3), ShapeError),
    ("unfold", lambda: ops.unfold(np.ones((1, 1, 4, 4)), (1, 2, 3)), InvalidArgumentError),
    ("fold", lambda: ops.fold(np.ones((1, 4, 5)), (3, 3), 2), ShapeError),
    ("fold", lambda: ops.fold(np.ones((1, 3, 4)), (3, 3), 2), ShapeError),
    ("fold", lambda: ops.fold(np.ones((1, 4, 4, 1)), (3, 3), 2), ShapeError),
    ("unfold", lambda: ops.unfold(keras.Input((2, None, 4)), 2), ShapeError),
    ("extract_sequences", lambda: ops.extract_sequences(keras.Input((None,)), 2, 1), ShapeError),
]


@pytest.mark.parametrize("name,call,error", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_raises_naming_the_op(name, call, error):
    with pytest.raises(error, match=f"'{name}'"):
        call()
