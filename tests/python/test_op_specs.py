"""Symbolic calls learn shapes from each op's rule in the Rust core: building
a model, tracing it and `summary()` run no kernel, and bad shapes fail while
the model is built, naming the op."""

import numpy as np
import pytest

import pykeras as keras
from pykeras import _core, ops
from pykeras.errors import ShapeError

layers = keras.layers


class Scaled(layers.Layer):
    """A custom layer with no compute_output_shape: its shape comes from call."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 6), initializer="ones")

    def call(self, x):
        return ops.relu(ops.matmul(x, self.w)) * 2.0 + 1.0


@pytest.fixture
def no_kernels(monkeypatch):
    """Fails any eager op or graph run while active."""

    def refuse(*args, **kwargs):
        raise AssertionError("a kernel ran to learn a shape")

    monkeypatch.setattr(_core, "op", refuse)
    monkeypatch.setattr(_core.Graph, "run", refuse)


def test_building_and_summary_run_no_kernel(no_kernels):
    inputs = keras.Input(shape=(8, 8, 3))
    x = layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = Scaled()(x)
    x = ops.concatenate([x, x * 3.0], axis=-1)
    x = layers.Lambda(lambda t: ops.softmax(t, axis=-1))(x)
    model = keras.Model(inputs, x)
    assert model.output_shape == (None, 12)
    lines = []
    model.summary(print_fn=lines.append)
    assert any("(None, 4, 4, 4)" in line for line in lines)
    assert model.layers[4].compute_output_shape((None, 64)) == (None, 6)


def test_op_output_follows_each_ops_rule():
    assert _core.op_output("matmul", [((None, 3, 4), "float32"), ((4, 5), "float32")]) == (
        [None, 3, 5],
        "float32",
    )
    shape, _ = _core.op_output(
        "conv2d",
        [((None, 9, None, 2), "float32"), ((3, 3, 2, 8), "float32")],
        {"strides": [2, 2], "padding": "same"},
    )
    assert shape == [None, 5, None, 8]
    assert _core.op_output("sum", [((2, None, 4), "float32")], {"axis": [1]})[0] == [2, 4]


def test_bad_shapes_fail_when_the_model_is_built_naming_the_op():
    a = keras.Input(shape=(3,))
    b = keras.Input(shape=(4,))
    with pytest.raises(ShapeError, match="'add'.*\\(None, 3\\) and \\(None, 4\\)"):
        ops.add(a, b)
    with pytest.raises(ShapeError, match="'matmul'"):
        ops.matmul(a, np.ones((4, 2), np.float32))


def test_traced_tensors_know_their_shapes():
    """Inside a traced subclassed model every intermediate has a static shape."""
    seen = []

    class Probe(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(5)

        def call(self, x):
            y = ops.transpose(ops.reshape(self.dense(x), (-1, 5, 1)), (0, 2, 1))
            seen.append(y.shape)
            return ops.sum(y, axis=1)

    model = Probe()
    out = model.predict(np.ones((2, 3), np.float32), verbose=0)
    assert out.shape == (2, 5)
    assert (None, 1, 5) in seen


def test_op_specs_list_every_op_with_its_declaration():
    specs = {s["name"]: s for s in _core.op_specs()}
    assert set(specs) == set(_core.op_names())
    relu = specs["relu"]
    assert relu["inputs"] == ["x"]
    assert relu["attrs"] == {"negative_slope": 0.0, "max_value": None, "threshold": 0.0}
    assert relu["differentiable"]
    assert specs["concat"]["inputs"] == ["xs..."]
    assert not specs["argmax"]["differentiable"]
    for spec in specs.values():
        assert spec["doc"] and spec["dtypes"]


def test_undeclared_attributes_are_refused_naming_the_op():
    with pytest.raises(ValueError, match="'relu'.*unknown attribute 'slope'"):
        _core.op("relu", [np.ones(2, np.float32)], {"slope": 0.1})


def test_ops_shape_is_a_function():
    assert ops.shape(np.zeros((2, 3))) == (2, 3)
    assert ops.shape(keras.Input(shape=(4, 5))) == (None, 4, 5)
