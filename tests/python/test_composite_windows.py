"""Window functions and `geomspace` (`pykeras/ops/windows.py`): windows are
float32 constants, checked against NumPy and against what Keras 3 returned
(tests/reference/data/products.json: Keras computes them in float32, so
values agree to float32 rounding); `geomspace` on numbers and arrays
against NumPy and Keras (NaN where no geometric sequence exists), and on
symbolic tensors in a Functional model and through a traced model's
gradient."""

import numpy as np
import pytest
from composite_check import keras_params, our_params
from hypothesis import given
from hypothesis import strategies as st
from op_check import SETTINGS
from products_check import cases, check_trains, replay

import pykeras as keras
from pykeras import ops
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import windows

OPS = set()

WINDOWS = {
    "bartlett": np.bartlett,
    "blackman": np.blackman,
    "hamming": np.hamming,
    "hanning": np.hanning,
}


def test_every_function_has_keras_signature():
    for name in windows.__all__:
        assert our_params(getattr(windows, name)) == keras_params(name), name
        assert getattr(ops, name) is getattr(windows, name)
        doc = getattr(windows, name).__doc__
        assert "Args:" in doc and "Returns:" in doc and "Example:" in doc, name


@pytest.mark.parametrize("case", cases("windows"))
def test_matches_keras(case):
    # Keras computes in float32: its values differ from float64's in the last bits.
    replay(case, rtol=2e-6)


@SETTINGS
@given(st.integers(0, 40), st.sampled_from(sorted(WINDOWS)), st.sampled_from([int, np.int32]))
def test_windows_against_numpy(n, name, kind):
    got = getattr(ops, name)(kind(n))
    want = WINDOWS[name](n).astype(np.float32)
    assert isinstance(got, np.ndarray) and got.dtype == np.float32
    np.testing.assert_array_equal(got, want)


@SETTINGS
@given(st.integers(0, 40), st.floats(0.0, 20.0))
def test_kaiser_against_numpy(n, beta):
    got = ops.kaiser(n, beta)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, np.kaiser(n, beta).astype(np.float32))


def _ends():
    magnitude = st.floats(1e-3, 1e3)
    return st.tuples(magnitude, magnitude, st.sampled_from([1.0, -1.0]))


@SETTINGS
@given(_ends(), st.integers(0, 9), st.booleans())
def test_geomspace_against_numpy(ends, num, endpoint):
    a, b, sign = ends
    got = ops.geomspace(sign * a, sign * b, num, endpoint=endpoint)
    want = np.geomspace(sign * a, sign * b, num, endpoint=endpoint)
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_geomspace_arrays_axis_and_dtype():
    start, stop = np.array([1.0, -2.0]), np.array([[10.0], [-20.0]])
    for axis in (0, 1, -1, 2):
        want = np.geomspace(start, np.abs(stop) * np.sign(start), 4, axis=axis)
        got = ops.geomspace(start, np.abs(stop) * np.sign(start), 4, axis=axis)
        np.testing.assert_allclose(got, want, rtol=1e-6)
    got = ops.geomspace(1, 256, 9, dtype="int32")
    np.testing.assert_array_equal(got, 2 ** np.arange(9))
    assert got.dtype == np.int32


def test_geomspace_of_symbolic_tensors():
    inputs = keras.Input((2,))
    out = ops.geomspace(inputs, 100.0, 3, axis=-1)
    assert out.shape == (None, 2, 3)
    model = keras.Model(inputs, out)
    x = np.array([[1.0, 2.0], [-1.0, 4.0]], np.float32)
    got = model.predict(x, verbose=0)
    want = np.geomspace(np.where(x > 0, x, 1.0), 100.0, 3, axis=-1)
    want[x < 0] = np.nan  # signs differ: no geometric sequence
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_geomspace_trains_in_a_traced_model():
    def ours(t):
        return ops.geomspace(ops.abs(t) + 1.0, 10.0, 4, axis=-1)

    def reference(t):
        return np.geomspace(np.abs(t) + 1.0, 10.0, 4, axis=-1)

    check_trains(ours, reference, (3,), rtol=5e-4)


BAD = [
    ("bartlett", lambda: ops.bartlett(-1), InvalidArgumentError),
    ("hamming", lambda: ops.hamming(np.ones(3)), InvalidArgumentError),
    ("hanning", lambda: ops.hanning("3"), InvalidArgumentError),
    ("blackman", lambda: ops.blackman(keras.Input(())), InvalidArgumentError),
    ("kaiser", lambda: ops.kaiser(3, None), InvalidArgumentError),
    ("kaiser", lambda: ops.kaiser(3, np.ones(2)), InvalidArgumentError),
    ("geomspace", lambda: ops.geomspace(1, 10, -1), InvalidArgumentError),
    ("geomspace", lambda: ops.geomspace(np.ones(2), np.ones(3) * 2, 3), ShapeError),
    ("geomspace", lambda: ops.geomspace(1, 10, 3, axis=2), InvalidArgumentError),
    (
        "geomspace",
        lambda: ops.geomspace(keras.Input((2,)), 2.0, 3, dtype="int32"),
        InvalidArgumentError,
    ),
]


@pytest.mark.parametrize("name,call,error", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_raises_naming_the_op(name, call, error):
    with pytest.raises(error, match=f"'{name}'"):
        call()
