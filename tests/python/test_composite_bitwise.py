"""Bitwise operations, gcd and lcm (`pykeras/ops/bitwise.py`): eagerly in
NumPy on the arrays' own integer types (checked against NumPy over
hypothesis-drawn integers, with Keras's result dtypes, and against what
Keras 3 returned in tests/reference/data/numeric_ops.json); symbolically
with float32 arithmetic, exact for whole numbers in [-2**23, 2**23)
(checked through Functional models on integer inputs); and on bad input."""

import numpy as np
import pytest
from composite_check import keras_params, our_params
from hypothesis import given
from hypothesis import strategies as st
from numeric_check import reference_cases, replay, run_examples
from op_check import SETTINGS, broadcast_pairs, rng_for, seeds

import pykeras as keras
from pykeras import ops
from pykeras.errors import DTypeError, InvalidArgumentError
from pykeras.ops import bitwise

# Composites claim no primitive (see test_ops_coverage.py).
OPS = set()

CASES = reference_cases("bitwise")

LOGIC = {
    "bitwise_and": np.bitwise_and,
    "bitwise_or": np.bitwise_or,
    "bitwise_xor": np.bitwise_xor,
}
SHIFTS = {
    "bitwise_left_shift": np.left_shift,
    "left_shift": np.left_shift,
    "bitwise_right_shift": np.right_shift,
    "right_shift": np.right_shift,
}


def test_every_function_has_keras_signature():
    for name in bitwise.__all__:
        assert our_params(getattr(bitwise, name)) == keras_params(name), name
        assert getattr(ops, name) is getattr(bitwise, name)
        doc = getattr(bitwise, name).__doc__
        assert "Args:" in doc and "Returns:" in doc and "Example:" in doc, name


def test_docstring_examples_run():
    assert run_examples(bitwise) == 0


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(case):
    replay(case)


def same(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


DTYPES = st.sampled_from([np.int8, np.int16, np.int32, np.int64, np.uint8])


@SETTINGS
@given(broadcast_pairs(max_dims=3), seeds, DTYPES, DTYPES)
def test_eager_against_numpy_exact_in_every_integer_type(pair, seed, t1, t2):
    rng = rng_for(seed)
    x = rng.integers(np.iinfo(t1).min, np.iinfo(t1).max, pair[0], dtype=t1, endpoint=True)
    y = rng.integers(np.iinfo(t2).min, np.iinfo(t2).max, pair[1], dtype=t2, endpoint=True)
    for name, reference in LOGIC.items():
        same(getattr(ops, name)(x, y), reference(x, y))
        same(getattr(ops, name)(x, 5), reference(x, np.asarray(5, t1)))
    same(ops.bitwise_not(x), np.invert(x))
    same(ops.bitwise_invert(y), np.invert(y))
    dtype = np.result_type(t1, t2)
    amount = rng.integers(0, np.iinfo(dtype).bits, pair[1]).astype(t2)
    for name, reference in SHIFTS.items():
        same(getattr(ops, name)(x, amount), reference(x.astype(dtype), amount.astype(dtype)))
    small = rng.integers(-1000, 1000, pair[1]).astype(t2) if t2 != np.uint8 else y
    same(ops.gcd(x, small), np.gcd(x, small))
    same(ops.lcm(x, small), np.lcm(x, small))


@SETTINGS
@given(broadcast_pairs(max_dims=2), seeds)
def test_bools(pair, seed):
    rng = rng_for(seed)
    a, b = rng.random(pair[0]) < 0.5, rng.random(pair[1]) < 0.5
    for name, reference in LOGIC.items():
        same(getattr(ops, name)(a, b), reference(a, b))
    same(ops.bitwise_not(a), ~a)
    i32 = np.int32
    same(ops.left_shift(a, b), np.left_shift(a.astype(i32), b.astype(i32)))
    same(ops.bitwise_and(a, 3), np.bitwise_and(a.astype(i32), 3))


def test_shifts_past_the_width_empty_the_value():
    x = np.array([1, -1, 5, -8], np.int32)
    s = np.array([32, 40, -1, 33], np.int32)
    same(ops.left_shift(x, s), np.zeros(4, np.int32))
    same(ops.right_shift(x, s), np.array([0, -1, 0, -1], np.int32))
    same(ops.right_shift(np.uint8([200]), np.uint8([9])), np.uint8([0]))


# ---------------------------------------------------------------- symbolic

LIMIT = 2**23


@pytest.mark.parametrize("dtype", ["int32", "float32"])
def test_functional_model_is_exact_in_24_bits(dtype):
    rng = rng_for(0)
    x = rng.integers(-LIMIT, LIMIT, (64, 5)).astype(np.int32)
    y = rng.integers(-LIMIT, LIMIT, (64, 5)).astype(np.int32)
    a, b = keras.Input((5,), dtype=dtype), keras.Input((5,), dtype=dtype)
    outs = [getattr(ops, name)(a, b) for name in LOGIC] + [
        ops.bitwise_not(a),
        ops.bitwise_invert(b),
        ops.left_shift(ops.right_shift(a, 12), 3),
        ops.bitwise_right_shift(a, 4),
        ops.bitwise_and(a, 255),
    ]
    assert all(tuple(o.shape) == (None, 5) for o in outs)
    got = keras.Model([a, b], outs).predict([x, y], batch_size=16, verbose=0)
    wants = [f(x, y) for f in LOGIC.values()] + [~x, ~y, (x >> 12) << 3, x >> 4, x & 255]
    for g, want in zip(got, wants):
        np.testing.assert_array_equal(g, want.astype(np.float32))


def test_symbolic_bool_not_is_logical():
    a = keras.Input((3,), dtype="bool")
    out = ops.bitwise_not(a)
    x = np.array([[True, False, True]])
    np.testing.assert_array_equal(keras.Model(a, out).predict(x, verbose=0), [[0.0, 1.0, 0.0]])


@pytest.mark.parametrize("name", ["gcd", "lcm"])
def test_gcd_and_lcm_refuse_symbolic_input(name):
    with pytest.raises(InvalidArgumentError, match=f"'{name}'.*eagerly only"):
        getattr(ops, name)(keras.Input((3,), dtype="int32"), 4)


# ---------------------------------------------------------------- bad input

BAD = [
    ("bitwise_and", lambda: ops.bitwise_and(np.ones(2, np.float32), 1), DTypeError),
    ("bitwise_or", lambda: ops.bitwise_or(np.ones(2, np.int32), 1.5), DTypeError),
    ("bitwise_xor", lambda: ops.bitwise_xor(np.ones(2), np.ones(2, np.int8)), DTypeError),
    ("bitwise_not", lambda: ops.bitwise_not(np.ones(2)), DTypeError),
    ("bitwise_invert", lambda: ops.bitwise_invert(1.0), DTypeError),
    ("left_shift", lambda: ops.left_shift(np.ones(2, np.int32), np.ones(2)), DTypeError),
    ("right_shift", lambda: ops.right_shift(np.ones(2), 1), DTypeError),
    ("gcd", lambda: ops.gcd(np.ones(2), np.ones(2)), InvalidArgumentError),
    ("gcd", lambda: ops.gcd(np.ones(2, bool), np.ones(2, bool)), InvalidArgumentError),
    ("lcm", lambda: ops.lcm(np.ones(2, np.int32), 2.0), InvalidArgumentError),
]


@pytest.mark.parametrize("name,call,error", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_raises_naming_the_op(name, call, error):
    with pytest.raises(error, match=f"'{name}'"):
        call()
