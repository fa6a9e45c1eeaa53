"""Creation ops (`pykeras/ops/creation.py`): checked against NumPy (values,
shape and dtype, over hypothesis-drawn arguments), against what Keras 3
returned (tests/reference/data/composite_ops.json), symbolically (`*_like`,
`full`, `linspace` and `logspace` of symbolic tensors stay symbolic, in
Functional and traced models, with gradients where there are any) and on bad
input."""

import numpy as np
import pytest
from composite_check import (
    assert_matches_record,
    assert_same,
    keras_params,
    our_params,
    reference_cases,
)
from hypothesis import given
from hypothesis import strategies as st
from op_check import SETTINGS, rng_for, seeds, shapes

import pykeras as keras
from pykeras import ops
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import creation

# Composites have no primitive of their own: test_ops_coverage.py counts the
# OPS sets of test_ops_*.py files only, and this file claims none.
OPS = set()

DTYPES = [None, "float32", "float64", "float16", "int32", "int64", "uint8", "bool"]


def test_every_function_has_keras_signature():
    for name in creation.__all__:
        assert our_params(getattr(creation, name)) == keras_params(name), name
        assert getattr(ops, name) is getattr(creation, name)
        doc = getattr(creation, name).__doc__
        assert "Args:" in doc and "Returns:" in doc and "Example:" in doc, name


@pytest.mark.parametrize(
    "case", reference_cases("creation"), ids=[c[0] for c in reference_cases("creation")]
)
def test_matches_keras(case):
    _, name, args, kwargs, result, error = case
    if error is not None:
        with pytest.raises((ValueError, TypeError)):
            getattr(ops, name)(*args, **kwargs)
        return
    # linspace and logspace: NumPy's float64 samples rounded once; JAX's
    # float32 arithmetic may differ in the last bit.
    rtol = 1e-6 if name in ("linspace", "logspace", "arange") else 0.0
    assert_matches_record(getattr(ops, name)(*args, **kwargs), result, rtol)


# ---------------------------------------------------------------- eager, against NumPy


def _np_dtype(dtype, default="float32"):
    return np.dtype(default if dtype is None else dtype)


@SETTINGS
@given(shapes(), st.sampled_from(DTYPES), st.booleans())
def test_ones_zeros_empty(shape, dtype, as_list):
    arg = list(shape) if as_list else shape
    want = _np_dtype(dtype)
    assert_same(ops.ones(arg, dtype), np.ones(shape, want))
    assert_same(ops.zeros(arg, dtype=dtype), np.zeros(shape, want))
    assert_same(ops.empty(arg, dtype), np.zeros(shape, want))
    if len(shape) == 1:
        assert_same(ops.ones(shape[0], dtype), np.ones(shape, want))


@SETTINGS
@given(shapes(max_dims=3), st.sampled_from(DTYPES), seeds, st.booleans())
def test_full(shape, dtype, seed, array_fill):
    rng = rng_for(seed)
    if array_fill and shape:
        fill = rng.uniform(-3, 3, shape[-1:]).round(1)
    else:
        fill = round(float(rng.uniform(-3, 3)), 1)
    want = np.full(shape, fill).astype(_np_dtype(dtype))
    assert_same(ops.full(shape, fill, dtype), want)


@SETTINGS
@given(shapes(max_dims=3), st.sampled_from(["float32", "float64", "int32", "int64", "bool"]))
def test_like(shape, x_dtype):
    x = np.zeros(shape, x_dtype)
    # Arrays keep their dtype (float64 too, as Keras with JAX's x64)
    keep = np.dtype(x_dtype)
    assert_same(ops.ones_like(x), np.ones(shape, keep))
    assert_same(ops.zeros_like(x), np.zeros(shape, keep))
    assert_same(ops.empty_like(x), np.zeros(shape, keep))
    assert_same(ops.full_like(x, 2.5), np.full(shape, 2.5).astype(keep))
    assert_same(ops.full_like(x, 7, dtype="int32"), np.full(shape, 7, np.int32))
    assert_same(ops.zeros_like(x, dtype="float16"), np.zeros(shape, np.float16))


@SETTINGS
@given(
    st.one_of(st.integers(-20, 20), st.floats(-20, 20).map(lambda v: round(v, 2))),
    st.one_of(st.none(), st.integers(-20, 20), st.floats(-20, 20).map(lambda v: round(v, 2))),
    st.one_of(st.none(), st.sampled_from([1, 2, 3, -1, -2, 0.5, -0.25, 1.5])),
    st.sampled_from([None, "float32", "int32", "int64"]),
)
def test_arange(start, stop, step, dtype):
    args = (start,) if stop is None and step is None else (start, stop, step)
    whole = all(isinstance(a, int) for a in args if a is not None)
    want_dtype = np.dtype(dtype or ("int32" if whole else "float32"))
    a, b = (0, start) if stop is None else (start, stop)
    s = 1 if step is None else step
    if want_dtype.kind == "i" and not whole:
        return  # NumPy's own rules for fractional steps into an int type are odd
    got = ops.arange(*args, dtype=dtype)
    assert_same(got, np.arange(a, b, s, dtype=want_dtype))


@SETTINGS
@given(
    st.integers(0, 5),
    st.one_of(st.none(), st.integers(0, 5)),
    st.integers(-6, 6),
    st.sampled_from(DTYPES),
)
def test_eye_identity_tri(n, m, k, dtype):
    want = _np_dtype(dtype)
    assert_same(ops.eye(n, m, k, dtype), np.eye(n, m, k, dtype=want))
    assert_same(ops.eye(n, M=m, k=k), np.eye(n, m, k, dtype=np.float32))
    assert_same(ops.tri(n, m, k, dtype=dtype), np.tri(n, m, k, dtype=want))
    assert_same(ops.identity(n, dtype), np.eye(n, dtype=want))


@SETTINGS
@given(
    st.integers(0, 8),
    st.booleans(),
    st.sampled_from([None, "float32", "int32"]),
    st.data(),
)
def test_linspace_logspace(num, endpoint, dtype, data):
    shape = data.draw(shapes(max_dims=2, min_side=1, max_side=3))
    rng = rng_for(num)
    start = rng.uniform(-3, 3, shape).round(2) if shape else round(float(rng.uniform(-3, 3)), 2)
    stop = round(float(rng.uniform(-3, 3)), 2)
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    # A float64 array endpoint makes the default float64 (as Keras with x64).
    default = np.dtype(np.float64 if isinstance(start, np.ndarray) else np.float32)
    want = default if dtype is None else _np_dtype(dtype)
    wide = want == np.float64

    samples, step = np.linspace(start, stop, num, endpoint, retstep=True, axis=axis)
    got, got_step = ops.linspace(start, stop, num, endpoint, True, dtype, axis)
    exact = (
        samples if wide else samples.astype(np.float32) if want.kind == "f" else np.floor(samples)
    )
    assert_same(got, exact.astype(want), rtol=1e-6 if want.kind == "f" else 0.0)
    assert_same(got_step, np.asarray(step, np.float64 if wide else np.float32))
    assert_same(
        ops.linspace(start, stop, num, axis=axis),
        np.linspace(start, stop, num, axis=axis).astype(default),
        rtol=1e-6,
    )

    powers = np.logspace(start, stop, num, endpoint, base=2.0, axis=axis)
    got = ops.logspace(start, stop, num, endpoint, 2.0, dtype, axis)
    exact = powers if wide else powers.astype(np.float32) if want.kind == "f" else np.floor(powers)
    assert_same(got, exact.astype(want), rtol=1e-6 if want.kind == "f" else 0.0)


# ---------------------------------------------------------------- symbolic and traced


def test_like_ops_stay_symbolic_in_functional_models():
    inputs = keras.Input((3, 2))
    outputs = [
        ops.ones_like(inputs),
        ops.zeros_like(inputs),
        ops.empty_like(inputs),
        ops.full_like(inputs, -1.5),
        ops.full((2, 3, 2), inputs),
    ]
    assert [tuple(o.shape) for o in outputs] == [(None, 3, 2)] * 4 + [(2, 3, 2)]
    model = keras.Model(inputs, outputs[:4])
    x = np.full((4, 3, 2), np.nan, np.float32)  # whatever x holds
    x[0] = np.inf
    got = model.predict(x, verbose=0)
    for out, value in zip(got, [1.0, 0.0, 0.0, -1.5]):
        assert_same(out, np.full((4, 3, 2), value, np.float32))

    model = keras.Model(inputs, outputs[4])
    x = np.arange(12, dtype=np.float32).reshape(2, 3, 2)
    assert_same(model.predict(x, verbose=0), x)


def test_full_of_a_symbolic_fill_value_broadcasts():
    inputs = keras.Input((3,))
    out = ops.full((2, 4, 3), ops.expand_dims(inputs, 1))
    assert out.shape == (2, 4, 3)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert_same(
        keras.Model(inputs, out).predict(x, verbose=0), np.broadcast_to(x[:, None], (2, 4, 3))
    )
    with pytest.raises(ShapeError, match="'broadcast_to'"):
        ops.full((2, 4), inputs)


class Ramp(keras.Model):
    """Samples between two learned endpoints per input: linspace of tensors."""

    def __init__(self, num=5, log=False):
        super().__init__()
        self.low = keras.layers.Dense(2, name="low")
        self.high = keras.layers.Dense(2, name="high")
        self.num = num
        self.log = log

    def call(self, x):
        fn = ops.logspace if self.log else ops.linspace
        ramp = fn(self.low(x), self.high(x), self.num, axis=-1)
        return ramp + ops.zeros_like(ramp)


@pytest.mark.parametrize("log", [False, True])
def test_linspace_of_tensors_in_a_traced_model_trains(log):
    # Seeded: with 10 ** x, an unlucky start made SGD overflow (loss inf).
    keras.utils.set_random_seed(1)
    model = Ramp(log=log)
    x = rng_for(0).uniform(-1, 1, (32, 3)).astype(np.float32)
    out = model.predict(x, verbose=0)
    low = np.asarray(model.low(x), np.float64)
    high = np.asarray(model.high(x), np.float64)
    want = np.linspace(low, high, 5, axis=-1)
    if log:
        want = 10.0**want
    assert out.shape == (32, 2, 5)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)

    # The samples depend on both endpoints, so both Dense layers learn.
    target = np.linspace(-1.0, 1.0, 5, dtype=np.float32) * np.ones((32, 2, 1), np.float32)
    if log:
        target = 10.0**target
    before = [w.numpy().copy() for w in model.weights]
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.002 if log else 0.1), loss="mse")
    history = model.fit(x, target, epochs=8, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert all(not np.array_equal(b, w.numpy()) for b, w in zip(before, model.weights))


def test_linspace_of_symbolic_tensors_in_functional_models():
    start = keras.Input((3,))
    samples, step = ops.linspace(start, 2.0, 4, retstep=True)
    assert samples.shape == (4, None, 3) and step.shape == (None, 3)
    endpoint_excluded = ops.linspace(0.0, start, 4, endpoint=False, axis=-1)
    assert endpoint_excluded.shape == (None, 3, 4)
    single = ops.linspace(start, 2.0, 1, axis=1)
    model = keras.Model(start, [samples, step, endpoint_excluded, single])
    x = rng_for(1).uniform(-1, 1, (2, 3)).astype(np.float32)
    got = model.predict(x, verbose=0)
    want_samples, want_step = np.linspace(x, 2.0, 4, retstep=True)
    np.testing.assert_allclose(got[0], want_samples, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got[1], want_step, rtol=1e-6)
    want = np.linspace(0.0, x, 4, endpoint=False, axis=-1)
    np.testing.assert_allclose(got[2], want, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got[3], np.linspace(x, 2.0, 1, axis=1), rtol=1e-6)


# ---------------------------------------------------------------- bad input


BAD = [
    ("ones", lambda: ops.ones((-1, 2)), InvalidArgumentError),
    ("ones", lambda: ops.ones((None, 2)), InvalidArgumentError),
    ("zeros", lambda: ops.zeros((2.5,)), InvalidArgumentError),
    ("zeros", lambda: ops.zeros(2, dtype="nope"), InvalidArgumentError),
    ("empty", lambda: ops.empty(keras.Input((2,))), InvalidArgumentError),
    ("full", lambda: ops.full((2, 3), np.ones(2)), ShapeError),
    ("full", lambda: ops.full((-2,), 1.0), InvalidArgumentError),
    ("arange", lambda: ops.arange(0, 5, 0), InvalidArgumentError),
    ("arange", lambda: ops.arange(keras.Input((2,))), InvalidArgumentError),
    ("arange", lambda: ops.arange([1, 2]), InvalidArgumentError),
    ("eye", lambda: ops.eye(-1), InvalidArgumentError),
    ("eye", lambda: ops.eye(2, 2.5), InvalidArgumentError),
    ("identity", lambda: ops.identity(3.0), InvalidArgumentError),
    ("tri", lambda: ops.tri(2, k=0.5), InvalidArgumentError),
    ("linspace", lambda: ops.linspace(0, 1, -1), InvalidArgumentError),
    ("linspace", lambda: ops.linspace(0, 1, 3, axis=1), InvalidArgumentError),
    ("linspace", lambda: ops.linspace(np.ones(2), np.ones(3), 3), ShapeError),
    (
        "linspace",
        lambda: ops.linspace(keras.Input((2,)), 1, 3, dtype="int32"),
        InvalidArgumentError,
    ),
    ("logspace", lambda: ops.logspace(0, 1, 2.0), InvalidArgumentError),
]


@pytest.mark.parametrize("name,call,error", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_raises_naming_the_op(name, call, error):
    with pytest.raises(error, match=f"'{name}'"):
        call()
    assert issubclass(error, ValueError)
