"""cast and stop_gradient: the primitives, and the Keras functions around them."""

import numpy as np
import pytest
from hypothesis import given
from op_check import SETTINGS, C, rng_for, seeds, shapes, uniform

import pykeras as keras
from pykeras import ops

OPS = {"cast", "stop_gradient"}


@SETTINGS
@given(shape=shapes(), seed=seeds)
def test_cast_float_to_int_truncates_and_back(shape, seed):
    x = uniform(rng_for(seed), shape, -5.0, 5.0)
    ints = C.op("cast", [x], {"dtype": "int32"})
    assert ints.dtype == np.int64
    np.testing.assert_array_equal(ints, x.astype(np.int64))
    back = C.op("cast", [ints], {"dtype": "float32"})
    np.testing.assert_array_equal(back, ints.astype(np.float32))


def test_cast_gradient_flows_between_floats_only():
    x = np.array([1.5, -2.0], np.float32)
    (g,) = C.op_grad("cast", [x], np.array([3.0, 4.0], np.float32), {"dtype": "float32"})
    np.testing.assert_array_equal(g, [3.0, 4.0])
    (g,) = C.op_grad("cast", [x], np.ones(2, np.float32), {"dtype": "int64"})
    assert g is None


def test_cast_refuses_non_finite_values_and_unknown_types():
    with pytest.raises(ValueError, match="'cast'.*non-finite"):
        C.op("cast", [np.array([np.nan], np.float32)], {"dtype": "int64"})
    with pytest.raises(ValueError, match="'cast'.*unknown dtype 'complex64'"):
        C.op("cast", [np.ones(2, np.float32)], {"dtype": "complex64"})


def test_stop_gradient_is_the_identity_without_gradient():
    x = np.array([1.0, 2.0], np.float32)
    np.testing.assert_array_equal(C.op("stop_gradient", [x]), x)
    assert C.op_grad("stop_gradient", [x], np.ones(2, np.float32)) == [None]


def test_ops_cast_eagerly_gives_the_exact_dtype():
    x = np.array([1.7, -1.7, 0.2])
    for dtype in ["int32", "uint8", "float64", "bool", "int64", "float16"]:
        got = ops.cast(x, dtype)
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(got, x.astype(dtype))
    assert ops.convert_to_tensor(1.5).dtype == np.float32
    assert ops.convert_to_tensor([1, 2], dtype="int32").dtype == np.int32
    np.testing.assert_array_equal(ops.convert_to_numpy(np.ones(2)), [1.0, 1.0])


def test_cast_and_stop_gradient_inside_a_model():
    class Counting(keras.layers.Layer):
        def call(self, x):
            whole = ops.cast(ops.cast(x * 10.0, "int32"), "float32")
            return x + ops.stop_gradient(whole - x)

    inputs = keras.Input(shape=(3,))
    outputs = keras.layers.Dense(1)(Counting()(inputs))
    model = keras.Model(inputs, outputs)
    data = np.array([[0.11, 0.26, 0.37]], np.float32)
    np.testing.assert_allclose(model.layers[1](data), np.trunc(data * 10.0), rtol=1e-6)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.repeat(data, 8, 0), np.ones((8, 1), np.float32), epochs=1, verbose=0)
    assert np.all(np.isfinite(model.predict(data, verbose=0)))
    with pytest.raises(ValueError, match="symbolic"):
        ops.convert_to_numpy(inputs)
