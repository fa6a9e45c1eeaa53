"""Tensor facts and conversions (`pykeras/ops/tensors.py`): size, ndim,
dtype, is_tensor, saturate_cast, copy, array, view and the complex-number
parts of real tensors, checked against NumPy, against what Keras 3 returned
(tests/reference/data/indexing.json), in models and on bad input."""

import numpy as np
import pytest
from composite_check import assert_same, keras_params, our_params
from hypothesis import given
from hypothesis import strategies as st
from indexing_check import check_record, reference_cases
from op_check import SETTINGS, rng_for, seeds, shapes

import pykeras as keras
from pykeras import ops
from pykeras.errors import DTypeError, InvalidArgumentError
from pykeras.ops import tensors

OPS = set()

CASES = reference_cases("tensors")


def test_every_function_has_keras_signature():
    for name in tensors.__all__:
        assert our_params(getattr(tensors, name)) == keras_params(name), name
        assert getattr(ops, name) is getattr(tensors, name)
        doc = getattr(tensors, name).__doc__
        assert "Args:" in doc and "Returns:" in doc and "Example:" in doc, name


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(case):
    _, name, args, kwargs, result, error = case
    if error is not None:
        with pytest.raises(ValueError, match=f"'{name}'"):
            getattr(ops, name)(*args, **kwargs)
        return
    check_record(getattr(ops, name)(*args, **kwargs), result)


DTYPES = ["float32", "float16", "int32", "int64", "int8", "uint8", "uint16", "bool"]


@SETTINGS
@given(shapes(max_dims=3), seeds, st.sampled_from(DTYPES), st.sampled_from(DTYPES))
def test_facts_copies_and_parts(shape, seed, source, target):
    rng = rng_for(seed)
    x = (rng.uniform(-400, 400, shape)).astype(source)
    assert ops.size(x) == x.size and ops.ndim(x) == x.ndim and ops.dtype(x) == source
    assert ops.is_tensor(x) and not ops.is_tensor(x.tolist())
    for fn in (ops.copy, ops.real, ops.conj, ops.conjugate, ops.array):
        got = fn(x)
        assert_same(got, x)
        assert got is not x
    assert_same(ops.array(x, target), x.astype(target))
    assert_same(ops.imag(x), np.zeros_like(x))
    assert_same(ops.isreal(x), np.ones(shape, bool))
    angle_dtype = np.float16 if source == "float16" else np.float32
    assert_same(ops.angle(x), np.angle(x.astype(np.float32)).astype(angle_dtype))
    if x.ndim and x.shape[-1] * x.itemsize % np.dtype(target).itemsize == 0:
        assert_same(ops.view(x, target), x.view(target))


@SETTINGS
@given(shapes(max_dims=2), seeds, st.sampled_from(DTYPES))
def test_saturate_cast(shape, seed, target):
    rng = rng_for(seed)
    x = rng.uniform(-1e5, 1e5, shape).astype(np.float32)
    got = ops.saturate_cast(x, target)
    dt = np.dtype(target)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        want = np.clip(np.trunc(x.astype(np.float64)), info.min, info.max).astype(dt)
    elif dt.kind == "b":
        want = x.astype(bool)
    else:
        info = np.finfo(dt)
        want = np.clip(x, info.min, info.max).astype(dt)
    assert_same(got, want)
    xi = rng.integers(-(2**40), 2**40, shape)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        assert_same(ops.saturate_cast(xi, target), np.clip(xi, info.min, info.max).astype(dt))


def test_angle_signs_and_nan():
    x = np.array([-0.0, 0.0, -np.inf, np.inf, np.nan, -3.0, 2.0], np.float32)
    assert_same(ops.angle(x), np.angle(x).astype(np.float32))


def test_in_models():
    inputs = keras.Input((3, 4))
    x = rng_for(1).uniform(-300, 300, (2, 3, 4)).astype(np.float32)
    x[0, 0, 0] = -0.0
    cases = [
        (ops.angle(inputs), np.angle(x).astype(np.float32)),
        (ops.imag(inputs), np.zeros_like(x)),
        (ops.real(inputs) + 0.0, x),
        (ops.conj(inputs) * 1.0, x),
        (ops.isreal(inputs), np.ones_like(x)),
        (ops.saturate_cast(inputs, "int8"), np.clip(np.trunc(x), -128, 127)),
        (ops.saturate_cast(inputs, "float16"), x),
    ]
    for out, want in cases:
        assert out.shape == (None, 3, 4)
        model = keras.Model(inputs, out)
        got = model.predict(x, verbose=0)
        np.testing.assert_array_equal(np.asarray(got, np.float64), want.astype(np.float64))
    assert ops.size(inputs).shape == ()
    assert ops.ndim(inputs) == 3
    assert ops.dtype(inputs) == "float32"
    assert ops.dtype(keras.Input((2,), dtype="int32")) == "int32"
    assert not ops.is_tensor(inputs)
    assert ops.size(keras.Input((3,), batch_size=2)) == 6
    assert ops.dtype(3) == "int32" and ops.dtype(3.0) == "float32"


BAD = [
    ("real", lambda: ops.real(np.array([1 + 2j])), DTypeError),
    ("imag", lambda: ops.imag(np.array([1j])), DTypeError),
    ("conj", lambda: ops.conj(np.array([1j])), DTypeError),
    ("angle", lambda: ops.angle(np.array([1j])), DTypeError),
    ("isreal", lambda: ops.isreal(np.array([1j])), DTypeError),
    ("view", lambda: ops.view(np.ones(3, np.int16), "int32"), InvalidArgumentError),
    ("view", lambda: ops.view(keras.Input((2,)), "int32"), InvalidArgumentError),
    ("saturate_cast", lambda: ops.saturate_cast(np.ones(2), "no_such_type"), InvalidArgumentError),
]


@pytest.mark.parametrize("name,call,error", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_raises_naming_the_op(name, call, error):
    with pytest.raises(error, match=f"'{name}'"):
        call()
