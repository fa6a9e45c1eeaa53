"""dtypes as Keras 3 reports them: `result_type` promotion, the dtype of op
results on bool, integer and float inputs (symbolic and eager, recorded from
Keras by tests/reference/make_dtypes_reference.py), and integer and bool
inputs flowing through Functional and traced models."""

import json
import pathlib

import numpy as np
import pytest

import pykeras as keras
from pykeras import layers, ops
from pykeras.backend import result_type

DATA = json.loads(
    (pathlib.Path(__file__).parent.parent / "reference" / "data" / "dtypes.json").read_text()
)
WEAK = {"int": int, "float": float}

CALLS = {
    "add_int": lambda x: ops.add(x, 1),
    "add_float": lambda x: ops.add(x, 1.0),
    "multiply_self": lambda x: ops.multiply(x, x),
    "subtract_self": lambda x: ops.subtract(x, x),
    "divide_int": lambda x: ops.divide(x, 2),
    "true_divide_self": lambda x: ops.true_divide(x, x),
    "maximum_self": lambda x: ops.maximum(x, x),
    "equal_int": lambda x: ops.equal(x, 1),
    "less_self": lambda x: ops.less(x, x),
    "sum": lambda x: ops.sum(x),
    "sum_axis": lambda x: ops.sum(x, axis=-1),
    "mean": lambda x: ops.mean(x),
    "max": lambda x: ops.max(x),
    "argmax": lambda x: ops.argmax(x),
    "exp": lambda x: ops.exp(x),
    "sqrt": lambda x: ops.sqrt(x),
    "abs": lambda x: ops.abs(x),
    "negative": lambda x: ops.negative(x),
    "square": lambda x: ops.square(x),
    "reshape": lambda x: ops.reshape(x, (-1,)),
    "transpose": lambda x: ops.transpose(x),
    "expand_dims": lambda x: ops.expand_dims(x, 0),
    "concatenate_self": lambda x: ops.concatenate([x, x], axis=-1),
    "where_self": lambda x: ops.where(ops.greater(x, 0), x, x),
    "matmul_self": lambda x: ops.matmul(x, ops.transpose(x)),
    "relu": lambda x: ops.relu(x),
    "sigmoid": lambda x: ops.sigmoid(x),
    "softmax": lambda x: ops.softmax(x),
    "cast_float32": lambda x: ops.cast(x, "float32"),
    "cast_int32": lambda x: ops.cast(x, "int32"),
    "cast_bool": lambda x: ops.cast(x, "bool"),
}

# Where pykeras answers otherwise, and why: Keras's symbolic rule keeps an
# integer dtype for these activations while its eager call refuses integers
# (sigmoid) or gives float32 (softmax); pykeras gives float32 both ways.
DIFFERENT = {
    **{f"sigmoid:{d}": "float32" for d in ("int8", "int32", "int64", "uint8")},
    **{f"softmax:{d}": "float32" for d in ("int8", "int32", "int64", "uint8")},
}


def test_result_type_is_keras():
    for key, want in DATA["result_type"].items():
        a, b = (WEAK.get(n, n) for n in key.split(","))
        if want.startswith("error:"):
            with pytest.raises(ValueError):
                result_type(a, b)
        else:
            assert result_type(a, b) == want, key


def _symbolic(dtype):
    from pykeras.engine.keras_tensor import KerasTensor

    return KerasTensor((2, 3), dtype=dtype)


def test_symbolic_result_dtypes_are_keras():
    """What a Functional model's tensors (and a traced model's) report."""
    from pykeras.engine import symbolic_scope

    wrong = []
    for key, want in DATA["symbolic"].items():
        name, dtype = key.split(":")
        want = DIFFERENT.get(key, want)
        if want.startswith("error:"):
            continue
        with symbolic_scope.shapes_only():
            got = CALLS[name](_symbolic(dtype)).dtype
        if str(got) != want:
            wrong.append(f"{key}: {got} (Keras: {want})")
    assert not wrong, "\n".join(wrong)


def test_traced_tensors_report_keras_dtypes():
    seen = {}

    class Probe(layers.Layer):
        def call(self, ids):
            seen["ids"] = ids.dtype
            seen["sum"] = ops.sum(ids, axis=-1).dtype
            seen["add"] = ops.add(ids, 1).dtype
            seen["div"] = ops.divide(ids, 2).dtype
            seen["eq"] = ops.equal(ids, 0).dtype
            seen["batch"] = ops.shape(ids)[0].dtype
            return ops.cast(ids, "float32")

    ids = keras.Input((2,), dtype="int32")
    model = keras.Model(ids, Probe()(ids))
    seen.clear()
    # predict lowers the model to a graph: call() runs on traced tensors.
    model.predict(np.array([[1, 2]], "int32"), verbose=0)
    assert seen == {
        "ids": "int32",
        "sum": "int32",
        "add": "int32",
        "div": "float32",
        "eq": "bool",
        "batch": "int32",
    }


def test_int_and_bool_inputs_flow_through_a_functional_model():
    ids = keras.Input((3,), dtype="int32")
    mask = keras.Input((3,), dtype="bool")
    total = ops.sum(ids * 2, axis=-1, keepdims=True)
    assert total.dtype == "int32"
    count = ops.sum(mask, axis=-1, keepdims=True)
    assert count.dtype == "int32"
    scaled = ops.add(ids, 1.0)
    assert scaled.dtype == "float32"
    features = ops.concatenate([ops.cast(total, "float32"), ops.cast(count, "float32"), scaled], -1)
    model = keras.Model([ids, mask], layers.Dense(1, kernel_initializer="ones")(features))
    x = np.array([[1, 2, 3], [4, 5, 6]], "int32")
    m = np.array([[True, False, True], [False, False, True]])
    got = model.predict([x, m], verbose=0)
    want = 2 * x.sum(-1) + m.sum(-1) + (x + 1.0).sum(-1)
    np.testing.assert_allclose(got[:, 0], want, rtol=1e-6)


class Masked(layers.Layer):
    """A layer doing arithmetic on an integer input, as token-id code does."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(1,), initializer="ones")

    def call(self, ids):
        present = ops.cast(ops.not_equal(ids, 0), "float32")
        return ops.sum(ops.add(ids, 1.0) * present, axis=-1, keepdims=True) * self.w


def test_int_input_trains_in_a_traced_subclassed_model():
    class M(keras.Model):
        def __init__(self):
            super().__init__()
            self.masked = Masked()

        def call(self, ids):
            return self.masked(ids)

    model = M()
    model.compile(optimizer="sgd", loss="mse")
    x = np.array([[1, 0, 2], [0, 0, 3]], "int32")
    y = np.array([[5.0], [4.0]], "float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), [[5.0], [4.0]])
    history = model.fit(x, y * 2, epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]


def test_integers_below_2_24_are_exact():
    """Integers compute in float32: exact below 2**24 in magnitude."""
    ids = keras.Input((2,), dtype="int32")
    total = ops.sum(ops.add(ids, 1), axis=-1, keepdims=True)
    model = keras.Model(ids, ops.cast(total, "float32"))
    x = np.array([[2**23, 2**23 - 3]], "int32")
    got = model.predict(x, verbose=0)
    assert got[0, 0] == 2**24 - 1
    np.testing.assert_array_equal(ops.add(np.array([2**24 - 1], "int32"), 0), [2**24 - 1])


def test_float64_input_is_cast_to_float32_as_keras():
    inputs = keras.Input((2,))
    model = keras.Model(inputs, layers.Dense(1, kernel_initializer="ones")(inputs))
    out = model.predict(np.array([[0.1, 0.2]], np.float64), verbose=0)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[np.float32(0.1) + np.float32(0.2)]], rtol=1e-6)
    # Eagerly, as Keras on JAX with x64: float64 arrays give float64
    # results (a Python float is weak), computed in float64.
    assert ops.add(np.ones(2), 1.0).dtype == np.float64


def test_cast_to_bool_is_nonzero_in_a_model():
    inputs = keras.Input((3,))
    flags = ops.cast(inputs, "bool")
    assert flags.dtype == "bool"
    model = keras.Model(inputs, ops.cast(flags, "float32"))
    got = model.predict(np.array([[0.5, 0.0, -2.0]], "float32"), verbose=0)
    np.testing.assert_array_equal(got, [[1.0, 0.0, 1.0]])
