"""Under `set_floatx("float64")`, a layer's symbolic output has the dtype its
real output has (Keras reports the layer's compute dtype for layers with a
`compute_output_shape`, float64 here), and so does a model used as a layer."""

import numpy as np
import pytest

import pykeras as keras

layers = keras.layers


@pytest.fixture(autouse=True)
def floatx64():
    keras.config.set_floatx("float64")
    yield
    keras.config.set_floatx("float32")


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda: layers.Dense(4), (3,)),
        (lambda: layers.Dense(4, activation="relu"), (5, 3)),
        (lambda: layers.EinsumDense("abc,cd->abd", output_shape=(5, 4)), (5, 3)),
        (lambda: layers.Activation("softmax"), (3,)),
        (lambda: layers.Conv1D(2, 3), (6, 3)),
        (lambda: layers.LayerNormalization(), (4,)),
    ],
    ids=["dense", "dense3d", "einsum", "softmax", "conv1d", "layernorm"],
)
def test_symbolic_dtype_is_the_computed_dtype(make, shape):
    layer = make()
    inputs = keras.Input(shape)
    symbolic = layer(inputs)
    assert symbolic.dtype == "float64"
    x = np.random.default_rng(0).standard_normal((2, *shape))
    assert np.asarray(layer(x)).dtype == np.float64
    model = keras.Model(inputs, symbolic)
    assert model.outputs[0].dtype == "float64"
    assert model.predict(x, verbose=0).dtype == np.float64


def test_a_model_called_as_a_layer_keeps_its_output_dtype():
    inputs = keras.Input((3,))
    inner = keras.Model(inputs, layers.Dense(2)(inputs))
    outer_in = keras.Input((3,))
    assert inner(outer_in).dtype == "float64"
