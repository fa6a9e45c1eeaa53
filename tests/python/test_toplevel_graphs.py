"""`keras.Operation` and `keras.Function`: symbolic graphs of operations,
run eagerly, in compiled models, under a tape and inside a StatelessScope.

Keras's values and messages are recorded by
tests/reference/make_toplevel_reference.py (data/toplevel_api.json); NumPy
is the reference for the math of Functions over drawn shapes.
"""

import json
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pykeras as keras
from pykeras.errors import InvalidArgumentError

DATA = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data"
with open(DATA / "toplevel_api.json", encoding="utf-8") as _f:
    REF = json.load(_f)


class Scale(keras.Operation):
    def __init__(self, factor, name=None):
        super().__init__(name=name)
        self.factor = factor

    def call(self, x):
        return keras.ops.multiply(x, self.factor)


class Broken(keras.Operation):
    def call(self, x):
        return keras.ops.reshape(x, (7, 7))


class SplitSum(keras.Operation):
    """Two outputs, a keyword argument, and its own output spec."""

    def call(self, x, axis=-1):
        return keras.ops.sum(x, axis=axis), keras.ops.max(x, axis=axis)

    def compute_output_spec(self, x, axis=-1):
        shape = list(x.shape)
        del shape[axis]
        return keras.KerasTensor(tuple(shape)), keras.KerasTensor(tuple(shape))


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# ------------------------------------------------------------------ Operation


def test_operation_config_repr_and_eager_call_match_keras():
    ref = REF["operation"]
    op = Scale(2.5, name="scale")
    assert op.get_config() == ref["config"]
    assert Scale.from_config(op.get_config()).get_config() == ref["from_config"]
    assert repr(op) == ref["repr"]
    x = np.array(ref["eager"]["x"], "float32")
    np.testing.assert_allclose(op(x), ref["eager"]["out"], rtol=1e-6)
    assert list(op(keras.KerasTensor((None, 3))).shape) == ref["symbolic_shape"]


def test_operation_in_a_functional_model_matches_keras():
    ref = REF["operation"]["model"]
    inputs = keras.Input(shape=(3,))
    dense = keras.layers.Dense(2, name="after_scale")
    scale = Scale(3.0)
    model = keras.Model(inputs, dense(scale(inputs)))
    dense.set_weights([np.array(ref["kernel"], "float32"), np.zeros(2, "float32")])
    x = np.array(ref["x"], "float32")
    assert [type(layer).__name__ for layer in model.layers] == ref["layers"]
    assert scale in model.operations
    np.testing.assert_allclose(model(x), ref["out"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict(x, verbose=0), ref["predict"], rtol=1e-5, atol=1e-6)
    assert scale.input is inputs and scale.output.shape == (None, 3)


def test_operation_model_trains_summarizes_and_saves(tmp_path):
    inputs = keras.Input(shape=(3,))
    outputs = keras.layers.Dense(2)(Scale(0.5, name="halve")(inputs))
    model = keras.Model(inputs, outputs)
    lines = []
    model.summary(print_fn=lines.append)
    assert "halve (Scale)" in lines[0]
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(0)
    x, y = rng.random((32, 3)), rng.random((32, 2))
    history = model.fit(x, y, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    path = tmp_path / "op.keras"
    model.save(path)
    loaded = keras.models.load_model(path, custom_objects={"Scale": Scale})
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [op.name for op in loaded.operations] == [op.name for op in model.operations]


def test_a_keras_saved_model_with_an_operation_loads():
    ref = REF["operation"]["saved_model"]
    model = keras.models.load_model(DATA / "operation_model.keras", custom_objects={"Scale": Scale})
    assert [type(op).__name__ for op in model.operations] == ["InputLayer", "Scale", "Dense"]
    x = np.array(ref["x"], "float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), ref["out"], rtol=1e-5, atol=1e-6)


def test_operation_with_two_outputs_and_its_own_spec():
    op = SplitSum()
    a, b = op(keras.KerasTensor((None, 4, 5)), axis=1)
    assert a.shape == (None, 5) and b.shape == (None, 5)
    x = np.arange(40, dtype="float32").reshape(2, 4, 5)
    s, m = op(x, axis=1)
    np.testing.assert_allclose(s, x.sum(1))
    np.testing.assert_allclose(m, x.max(1))
    inputs = keras.Input((4, 5))
    total, biggest = SplitSum()(inputs, axis=1)
    model = keras.Model(inputs, [total, biggest])
    out = model.predict(x, verbose=0)
    np.testing.assert_allclose(out[0], x.sum(1))
    np.testing.assert_allclose(out[1], x.max(1))


def test_layers_are_operations():
    assert (
        isinstance(keras.layers.Dense(2), keras.Operation) is REF["operation"]["layer_is_operation"]
    )


def test_operation_errors_match_keras():
    errors = REF["operation"]["errors"]
    with pytest.raises(ValueError) as info:
        Scale(1.0, name="a/b")
    assert str(info.value) == errors["name_slash"]["message"]
    with pytest.raises(ValueError) as info:
        Broken(name="broken")(keras.KerasTensor((2, 3)))
    # Keras wraps the message in its call-context banner; the message itself matches.
    head = str(info.value).split("Error encountered:")[0]
    assert head in errors["bad_call"]["message"]
    with pytest.raises(TypeError, match="does not define `call"):
        keras.Operation()(np.ones(2))
    with pytest.raises(TypeError, match="must override `get_config"):

        class Holder(keras.Operation):
            def __init__(self, array):
                super().__init__()
                self.array = array

        Holder(np.ones(2)).get_config()


# ------------------------------------------------------------------ Function


def _sum_sigmoid():
    input_1 = keras.KerasTensor(shape=(None, 2, 3), name="input_1")
    input_2 = keras.KerasTensor(shape=(None, 2, 3), name="input_2")
    output = keras.ops.sigmoid(input_1 + input_2)
    return keras.Function(inputs=[input_1, input_2], outputs=output), output


def test_function_values_and_specs_match_keras():
    ref = REF["function"]["sum_sigmoid"]
    fn, _ = _sum_sigmoid()
    a, b = np.array(ref["a"], "float32"), np.array(ref["b"], "float32")
    np.testing.assert_allclose(fn([a, b]), ref["out"], rtol=1e-6, atol=1e-7)
    spec = fn.compute_output_spec([keras.KerasTensor((7, 2, 3)), keras.KerasTensor((7, 2, 3))])
    assert list(spec.shape) == ref["spec_shape"] and spec.dtype == ref["spec_dtype"]
    assert list(fn.compute_output_shape([(9, 2, 3), (9, 2, 3)])) == ref["output_shape"]
    assert (len(fn.inputs), len(fn.outputs)) == (ref["inputs"], ref["outputs"])
    # Called on symbolic tensors it gives symbolic results.
    y = fn([keras.KerasTensor((5, 2, 3)), keras.KerasTensor((5, 2, 3))])
    assert isinstance(y, keras.KerasTensor) and y.shape == (5, 2, 3)


def test_function_with_a_layer_and_dict_outputs_matches_keras():
    ref = REF["function"]["dense_dict"]
    inputs = keras.Input(shape=(3,), name="features")
    dense = keras.layers.Dense(2, name="fn_dense")
    hidden = dense(inputs)
    fn = keras.Function(inputs, {"logits": hidden, "probs": keras.ops.softmax(hidden)})
    dense.set_weights([np.array(ref["kernel"], "float32"), np.array(ref["bias"], "float32")])
    x = np.array(ref["x"], "float32")
    values = fn(x)
    assert sorted(values) == ref["keys"]
    np.testing.assert_allclose(values["logits"], ref["logits"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(values["probs"], ref["probs"], rtol=1e-5, atol=1e-6)
    assert [type(op).__name__ for op in fn.operations][:2] == ref["operation_types"]
    assert len(fn.operations) == ref["operations"]
    # New weights are seen by the compiled graph (it reads the variables).
    dense.set_weights([np.zeros((3, 2), "float32"), np.ones(2, "float32")])
    np.testing.assert_allclose(fn(x)["logits"], np.ones((5, 2)))


def test_function_inside_a_functional_model_and_under_a_tape():
    inputs = keras.Input(shape=(3,))
    dense = keras.layers.Dense(2)
    fn = keras.Function(inputs, dense(inputs))
    outer = keras.Input(shape=(3,))
    model = keras.Model(outer, keras.ops.relu(fn(outer)))
    x = np.random.default_rng(2).standard_normal((4, 3)).astype("float32")
    kernel, bias = dense.get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), np.maximum(x @ kernel + bias, 0),
                               rtol=1e-5, atol=1e-6)  # fmt: skip
    assert fn in model.operations and fn not in model.layers
    with keras.GradientTape() as tape:
        loss = keras.ops.sum(fn(x))
    grads = tape.gradient(loss, dense.trainable_weights)
    np.testing.assert_allclose(grads[0], np.repeat(x.sum(0)[:, None], 2, axis=1), rtol=1e-5)
    np.testing.assert_allclose(grads[1], [4.0, 4.0])


@settings(max_examples=15, deadline=None)
@given(
    batch=st.integers(1, 5),
    rest=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    seed=st.integers(0, 2**16),
)
def test_function_agrees_with_numpy(batch, rest, seed):
    a = keras.KerasTensor((None, *rest))
    b = keras.KerasTensor((None, *rest))
    fn = keras.Function([a, b], [keras.ops.sigmoid(a + b), keras.ops.sum(a * b, axis=-1)])
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, *rest)).astype("float32")
    y = rng.standard_normal((batch, *rest)).astype("float32")
    first, second = fn([x, y])
    np.testing.assert_allclose(first, _sigmoid(x + y), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(second, (x * y).sum(-1), rtol=1e-5, atol=1e-5)


def test_function_of_an_intermediate_tensor():
    inputs = keras.Input((3,))
    hidden = keras.ops.multiply(inputs, 2.0)
    out = keras.ops.add(hidden, 1.0)
    fn = keras.Function(hidden, out)
    np.testing.assert_allclose(fn(np.ones((2, 3))), np.full((2, 3), 2.0))
    assert len(fn.operations) == 1


def test_integer_inputs():
    ids = keras.KerasTensor((None, 3), dtype="int32")
    fn = keras.Function(ids, keras.ops.one_hot(ids, 4))
    out = fn(np.array([[0, 1, 3]]))
    np.testing.assert_array_equal(out, np.eye(4)[[[0, 1, 3]]])


@pytest.mark.parametrize("key", ["empty_inputs", "disconnected", "shape", "rank"])
def test_function_errors_match_keras(key):
    ref = REF["function"]["errors"][key]["message"]
    input_1 = keras.KerasTensor(shape=(None, 2, 3), name="input_1")
    other = keras.KerasTensor((None, 3), name="other")
    c = keras.KerasTensor((None, 3), name="c")
    fn3 = keras.Function([c], keras.ops.add(c, 1.0))
    make = {
        "empty_inputs": lambda: keras.Function([], input_1 + 1.0),
        "disconnected": lambda: keras.Function([input_1], keras.ops.add(other, 1.0)),
        "shape": lambda: fn3([np.zeros((2, 4), "float32")]),
        "rank": lambda: fn3([np.zeros((2, 3, 1), "float32")]),
    }[key]
    with pytest.raises(ValueError) as info:
        make()
    message = str(info.value)
    if key == "empty_inputs":
        assert message.split("outputs=")[0] == ref.split("outputs=")[0]
    elif key == "disconnected":
        # The operation's repr is pykeras's; the rest is Keras's message.
        head, tail = message.split(" at operation ")
        assert head == ref.split(" at operation ")[0]
        assert tail.endswith("The following previous operations were accessed without issue: []")
    else:
        assert message in ref


def test_function_structure_and_connection_errors():
    fn, _ = _sum_sigmoid()
    with pytest.raises(InvalidArgumentError, match="invalid input structure"):
        fn(np.zeros((4, 2, 3)))
    assert "invalid input structure" in REF["function"]["errors"]["structure"]["message"]
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(2)(inputs)
    with pytest.raises(InvalidArgumentError, match="is not connected to `inputs`"):
        keras.Function([keras.Input((3,))], hidden)
    with pytest.raises(TypeError, match="must be KerasTensors"):
        keras.Function([np.zeros(3)], hidden)
