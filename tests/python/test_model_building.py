"""The three ways to build a model, run on arrays through the Rust graph."""

import numpy as np
import pytest

import pykeras as keras
from pykeras import layers


def numpy_dense(x, layer, activation=None):
    kernel, bias = layer.get_weights()
    y = x @ kernel + bias
    if activation == "relu":
        y = np.maximum(y, 0)
    if activation == "softmax":
        e = np.exp(y - y.max(axis=-1, keepdims=True))
        y = e / e.sum(axis=-1, keepdims=True)
    return y


def test_sequential_from_list_with_input_shape_predicts_like_numpy():
    model = keras.Sequential(
        [
            layers.Dense(32, activation="relu", input_shape=(784,)),
            layers.Dense(10, activation="softmax"),
        ]
    )
    x = np.random.default_rng(0).standard_normal((5, 784)).astype(np.float32)
    expected = numpy_dense(numpy_dense(x, model.layers[0], "relu"), model.layers[1], "softmax")
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model(x), expected, rtol=1e-4, atol=1e-5)
    assert model.count_params() == 784 * 32 + 32 + 32 * 10 + 10


def test_sequential_add_with_input_dim_keras2_style():
    model = keras.Sequential()
    model.add(layers.Dense(64, activation="relu", input_dim=100))
    model.add(layers.Dense(64, activation="softmax"))
    assert model.output_shape == (None, 64)
    assert [w.shape for w in model.weights] == [(100, 64), (64,), (64, 64), (64,)]


def test_sequential_deferred_build_and_build_method():
    model = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(10)])
    assert not model.built
    model.build(input_shape=(None, 3))
    assert model.built
    assert model.count_params() == 906
    assert len(model.weights) == 4


def test_sequential_builds_on_first_call():
    model = keras.Sequential([layers.Dense(4), layers.Dense(2)])
    out = model(np.ones((3, 5), np.float32))
    assert out.shape == (3, 2)
    assert model.layers[0].kernel.shape == (5, 4)


def test_sequential_with_input_first_and_pop():
    model = keras.Sequential()
    model.add(keras.Input(shape=(3,)))
    model.add(layers.Dense(64, activation="relu"))
    model.add(layers.Dense(5))
    assert model.count_params() == 256 + 325
    popped = model.pop()
    assert isinstance(popped, layers.Dense)
    assert model.output_shape == (None, 64)
    assert model.predict(np.ones((2, 3)), verbose=0).shape == (2, 64)


def test_functional_multi_input_multi_output_lists_and_dicts():
    title = keras.Input(shape=(20,), name="title")
    body = keras.Input(shape=(20,), name="text_body")
    tags = keras.Input(shape=(5,), name="tags")
    features = layers.Concatenate()([title, body, tags]) if hasattr(layers, "Concatenate") else None
    if features is None:
        pytest.skip("Concatenate not available yet")
    features = layers.Dense(8, activation="relu")(features)
    priority = layers.Dense(1, activation="sigmoid", name="priority")(features)
    department = layers.Dense(4, activation="softmax", name="department")(features)
    model = keras.Model(inputs=[title, body, tags], outputs=[priority, department])
    rng = np.random.default_rng(1)
    data = [rng.random((6, 20)), rng.random((6, 20)), rng.random((6, 5))]
    p, d = model.predict(data, verbose=0)
    assert p.shape == (6, 1) and d.shape == (6, 4)
    p2, d2 = model.predict({"title": data[0], "text_body": data[1], "tags": data[2]}, verbose=0)
    np.testing.assert_array_equal(p, p2)
    np.testing.assert_array_equal(d, d2)


def test_functional_branched_two_outputs_and_feature_extraction_shares_weights():
    inputs = keras.Input(shape=(3,), name="input_layer")
    h1 = layers.Dense(10, activation="relu", name="Layer_1")(inputs)
    h2 = layers.Dense(10, activation="relu", name="Layer_2")(h1)
    y1 = layers.Dense(1, name="y1_output")(h2)
    branch = layers.Dense(10, activation="relu", name="Branched_layer")(h2)
    y2 = layers.Dense(1, name="y2_output")(branch)
    model = keras.Model(inputs=inputs, outputs=[y1, y2])
    x = np.random.default_rng(2).random((4, 3)).astype(np.float32)
    out1, out2 = model.predict(x, verbose=0)
    extractor = keras.Model(inputs, model.get_layer("Layer_2").output)
    feats = extractor.predict(x, verbose=0)
    np.testing.assert_allclose(
        feats, numpy_dense(numpy_dense(x, model.get_layer("Layer_1"), "relu"),
                           model.get_layer("Layer_2"), "relu"), rtol=1e-5, atol=1e-6
    )  # fmt: skip
    # Weights are shared: changing one model's layer changes the other's output.
    layer = model.get_layer("Layer_2")
    layer.set_weights([w * 2 for w in layer.get_weights()])
    assert not np.allclose(extractor.predict(x, verbose=0), feats)


def test_layer_input_output_attributes():
    inputs = keras.Input(shape=(28, 28), name="InputLayer")
    x = layers.Flatten(name="Flatten")(inputs)
    x = layers.Dense(16, name="Dense1")(x)
    model = keras.Model(inputs, x)
    assert model.get_layer("Flatten").output.shape == (None, 784)
    assert model.get_layer("Dense1").input.shape == (None, 784)
    assert model.get_layer(index=0).name == "InputLayer"
    assert model.layers[1].output_shape == (None, 784)


def test_duplicate_layer_names_are_refused():
    inputs = keras.Input(shape=(28, 28), name="InputLayer")
    x = layers.Flatten(name="Flatten")(inputs)
    x = layers.Dense(256, activation="relu", name="Dense1")(x)
    x = layers.Dense(64, activation="relu", name="Dense1")(x)
    with pytest.raises(ValueError, match='"Dense1" is used 2 times'):
        keras.Model(inputs=inputs, outputs=x, name="FunctionalModel")


def test_misspelled_keyword_is_a_type_error_with_suggestion():
    with pytest.raises(TypeError, match="activate.*Did you mean 'activation'"):
        layers.Dense(32, activate="relu", input_shape=(784,))


def test_invalid_units_is_a_value_error_naming_the_layer():
    with pytest.raises(ValueError, match="units"):
        layers.Dense(0, name="bad")
    assert layers.Dense(256 / 4).units == 64


def test_wrong_input_width_names_layer_and_shapes():
    layer = layers.Dense(3, name="d")
    layer(np.ones((2, 4)))
    with pytest.raises(ValueError, match="'d'.*axis -1.*value 4.*\\(2, 5\\)"):
        layer(np.ones((2, 5)))


class SimpleMLP(keras.Model):
    def __init__(self, num_classes=10):
        super().__init__(name="mlp")
        self.num_classes = num_classes
        self.dense1 = keras.layers.Dense(32, activation="relu")
        self.dense2 = keras.layers.Dense(num_classes, activation="softmax")

    def call(self, inputs):
        x = self.dense1(inputs)
        return self.dense2(x)


def test_subclassed_model_tracks_layers_and_runs_in_the_graph():
    model = SimpleMLP()
    assert model.layers == [model.dense1, model.dense2]
    x = np.random.default_rng(3).random((4, 8)).astype(np.float32)
    out = model(x)
    assert out.shape == (4, 10)
    expected = numpy_dense(numpy_dense(x, model.dense1, "relu"), model.dense2, "softmax")
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    assert len(model.weights) == 4


def test_subclassed_model_called_on_input_gives_symbolic_output():
    class MyModel(keras.Model):
        def __init__(self):
            super().__init__()
            self.flatten = keras.layers.Flatten()
            self.dense1 = keras.layers.Dense(256, activation="relu")
            self.dense2 = keras.layers.Dense(64, activation="relu")
            self.dense3 = keras.layers.Dense(10, activation="softmax")

        def call(self, x):
            x = self.flatten(x)
            x = self.dense1(x)
            x = self.dense2(x)
            return self.dense3(x)

    mymodel = MyModel()
    mymodel._name = "subclass_model"
    out = mymodel(keras.layers.Input(shape=(28, 28)))
    assert out.shape == (None, 10)
    assert mymodel.name == "subclass_model"
    assert mymodel.count_params() == 784 * 256 + 256 + 256 * 64 + 64 + 64 * 10 + 10


def test_layers_in_lists_and_dicts_are_tracked():
    class Stack(keras.Model):
        def __init__(self):
            super().__init__()
            self.blocks = [layers.Dense(4), layers.Dense(4)]
            self.heads = {"a": layers.Dense(1)}

        def call(self, x):
            for block in self.blocks:
                x = block(x)
            return self.heads["a"](x)

    model = Stack()
    model(np.ones((2, 3)))
    assert len(model.layers) == 3
    assert len(model.weights) == 6


def test_training_flag_reaches_dropout():
    model = keras.Sequential([keras.Input(shape=(100,)), layers.Dropout(0.5, seed=3)])
    x = np.ones((4, 100), np.float32)
    np.testing.assert_array_equal(model(x), x)
    dropped = model(x, training=True)
    assert set(np.unique(dropped)) <= {0.0, 2.0}
    assert 0.3 < (dropped == 0).mean() < 0.7


def test_model_as_layer_and_shared_layer():
    inner_in = keras.Input(shape=(4,))
    inner = keras.Model(inner_in, layers.Dense(3, name="inner_dense")(inner_in), name="inner")
    shared = layers.Dense(2, name="shared")
    a = keras.Input(shape=(4,), name="a")
    b = keras.Input(shape=(3,), name="b")
    ya = shared(inner(a))
    yb = shared(b)
    model = keras.Model([a, b], [ya, yb])
    xa = np.ones((2, 4), np.float32)
    xb = np.ones((2, 3), np.float32)
    out_a, out_b = model.predict([xa, xb], verbose=0)
    mid = xa @ inner.get_layer("inner_dense").get_weights()[0]
    mid += inner.get_layer("inner_dense").get_weights()[1]
    kernel, bias = shared.get_weights()
    np.testing.assert_allclose(out_a, mid @ kernel + bias, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out_b, xb @ kernel + bias, rtol=1e-5, atol=1e-6)


class ValueDependent(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(2, kernel_initializer="ones")

    def call(self, x):
        y = self.dense(x)
        if keras.ops.sum(y) > 0:  # needs values: eager only
            return y
        return -y


def test_value_dependent_control_flow_needs_run_eagerly():
    model = ValueDependent()
    x = np.ones((1, 3), np.float32)
    with pytest.raises(TypeError, match="run_eagerly"):
        model(x)
    model = ValueDependent()
    model.run_eagerly = True
    np.testing.assert_allclose(model(x), [[3.0, 3.0]])
    np.testing.assert_allclose(model(-x), [[3.0, 3.0]])
    np.testing.assert_allclose(model.predict(np.ones((5, 3)), batch_size=2), np.full((5, 2), 3.0))


def test_one_sample_call_reuses_the_traced_graph():
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3)])
    model(np.ones((1, 4)))
    executors = dict(model._executors)
    model(np.zeros((1, 4)))
    model(np.zeros((7, 4)))
    assert model._executors == executors


def test_freezing_a_model_freezes_its_layers():
    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="inner_dense")])
    outer = keras.Sequential([keras.Input((3,)), inner, keras.layers.Dense(1)])
    outer.trainable = False
    assert not inner.trainable and not inner.layers[0].trainable
    assert outer.trainable_weights == [] and len(outer.non_trainable_weights) == 4
    outer.trainable = True
    assert inner.layers[0].trainable and len(outer.trainable_weights) == 4


def test_products_of_layer_outputs_keep_static_shapes_in_subclassed_models():
    class Gated(keras.Model):
        def __init__(self):
            super().__init__()
            self.a = keras.layers.Dense(4)
            self.b = keras.layers.Dense(4)
            self.out = keras.layers.Dense(2)

        def call(self, x):
            return self.out(self.a(x) * self.b(x))

    model = Gated()
    x = np.ones((3, 5), np.float32)
    assert model.predict(x, verbose=0).shape == (3, 2)


def test_repeat_vector_after_concatenate_runs_in_the_graph():
    i = keras.Input((3,))
    j = keras.Input((2,))
    joined = keras.layers.Concatenate()([i, j])
    model = keras.Model([i, j], keras.layers.RepeatVector(4)(joined))
    a, b = np.arange(6, dtype=np.float32).reshape(2, 3), np.ones((2, 2), np.float32)
    out = model.predict([a, b], verbose=0)
    np.testing.assert_array_equal(out, np.repeat(np.concatenate([a, b], 1)[:, None], 4, axis=1))
