"""keras.remat and keras.RematScope: which ops are rematerialized, and that a
rematerialized training run ends with the same weights, bit for bit.

The executor's side (rematerialized values are freed after the forward pass
and recomputed for the backward one) is checked in Rust
(`rust/graph/tests.rs`); `benches/memory.py --remat` measures the memory.
"""

import numpy as np
import pytest

import pykeras as keras
from pykeras import layers, ops
from pykeras.engine.remat import get_current_remat_mode
from pykeras.engine.tracing import Tracer, active_tracer


def _cnn(scope=None):
    def build():
        inputs = keras.Input((8, 8, 3))
        x = layers.Conv2D(8, 3, padding="same", name="conv_a")(inputs)
        x = layers.BatchNormalization(name="bn")(x)
        x = layers.Activation("relu", name="relu")(x)
        x = layers.Conv2D(4, 3, padding="same", activation="tanh", name="conv_b")(x)
        x = layers.GlobalAveragePooling2D(name="gap")(x)
        outputs = layers.Dense(3, activation="softmax", name="head")(x)
        return keras.Model(inputs, outputs)

    if scope is None:
        return build()
    with scope:
        return build()


def _recomputed_op_names(model, training=True):
    executor = model._trace([("x", (None, 8, 8, 3), "float32")], None, training)
    graph = executor.graph
    return [graph.node(i).name for i in range(len(graph)) if graph.node(i).recompute]


def test_scope_modes_and_nesting():
    assert get_current_remat_mode() is None
    with keras.RematScope(mode="full"):
        assert get_current_remat_mode().mode == "full"
        with keras.RematScope(mode="larger_than", output_size_threshold=10):
            mode = get_current_remat_mode()
            assert (mode.mode, mode.output_size_threshold) == ("larger_than", 10)
        assert get_current_remat_mode().mode == "full"
    assert get_current_remat_mode() is None
    with pytest.raises(ValueError, match="Invalid mode 'everything'"):
        keras.RematScope(mode="everything")


def test_layers_take_the_scope_they_are_created_in():
    with keras.RematScope(mode="list_of_layers", layer_names=["a"]):
        dense = layers.Dense(2, name="a")
    plain = layers.Dense(2)
    assert dense._remat_mode.mode == "list_of_layers"
    assert dense._remat_mode.layer_names == ["a"]
    assert plain._remat_mode is None


def test_full_mode_marks_what_lies_inside_each_layer():
    assert _recomputed_op_names(_cnn()) == []
    # The model is built in the scope too, so (as in Keras) its own call is
    # one region: everything but its output is recomputed.
    names = _recomputed_op_names(_cnn(keras.RematScope(mode="full")))
    assert {"conv2d", "batch_moments", "batch_norm", "relu", "global_avg_pool2d"} <= set(names)
    assert "softmax" not in names


def test_list_of_layers_marks_only_inside_the_named_layers():
    scope = keras.RematScope(mode="list_of_layers", layer_names=["bn"])
    names = _recomputed_op_names(_cnn(scope))
    # The layer's statistics (moving averages) lie inside it; its output does not.
    assert "batch_moments" in names
    assert "batch_norm" not in names and "conv2d" not in names and "relu" not in names


def test_larger_than_marks_only_inside_layers_with_large_outputs():
    # conv_a and conv_b give 8x8x8 and 8x8x4 per sample (> 200): their
    # convolutions lie inside them; the head's output (3) is small.
    scope = keras.RematScope(mode="larger_than", output_size_threshold=200)
    names = _recomputed_op_names(_cnn(scope))
    assert names.count("conv2d") == 2
    assert "matmul" not in names and "global_avg_pool2d" not in names


def test_activations_mode_marks_inside_activation_functions():
    def sin_tanh(t):
        return ops.tanh(ops.sin(t))

    with keras.RematScope(mode="activations"):
        dense = layers.Dense(3, activation=sin_tanh)
        conv = layers.Conv2D(2, 1)
    inputs = keras.Input((8, 8, 3))
    model = keras.Model(inputs, dense(layers.Flatten()(conv(inputs))))
    # Only the activation's inside (sin) is recomputed; its output (tanh),
    # the Dense's matmul and the activation-less Conv2D are kept.
    assert _recomputed_op_names(model) == ["sin"]


def test_remat_function_marks_what_lies_between_its_inputs_and_outputs():
    tracer = Tracer(training=True)
    x = tracer.input("x", (None, 4))
    with active_tracer(tracer):
        y = keras.remat(lambda t: ops.tanh(ops.cos(ops.sin(t))))(x)
        ops.sum(y)
    graph = tracer.graph
    marked = [graph.node(i).name for i in range(len(graph)) if graph.node(i).recompute]
    assert marked == ["sin", "cos"]


def test_remat_outside_a_trace_just_calls():
    f = keras.remat(lambda t: ops.tanh(t))
    np.testing.assert_array_equal(f(np.ones(3, "float32")), np.tanh(np.ones(3, "float32")))
    with pytest.raises(TypeError, match="expects a callable"):
        keras.remat(3)


@pytest.mark.parametrize("mode", ["full", "larger_than", "activations"])
def test_training_with_remat_gives_the_same_weights(mode):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 8, 8, 3)).astype("float32")
    y = rng.integers(0, 3, size=(64,))
    keras.utils.set_random_seed(1)
    plain = _cnn()
    remat = _cnn(keras.RematScope(mode=mode, output_size_threshold=100))
    remat.set_weights(plain.get_weights())
    results = []
    for model in (plain, remat):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])
        history = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        results.append((model.get_weights(), history.history))
    (w_plain, h_plain), (w_remat, h_remat) = results
    for a, b in zip(w_plain, w_remat):
        np.testing.assert_array_equal(a, b)
    assert h_plain == h_remat


def test_gradient_tape_over_a_rematerialized_custom_layer():
    class Block(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 4), initializer="glorot_uniform")

        def call(self, x):
            return keras.remat(lambda t: ops.tanh(ops.matmul(ops.sin(t), self.w)))(x)

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.head = layers.Dense(1)

        def call(self, x):
            return self.head(self.block(x))

    x = np.random.default_rng(2).normal(size=(32, 5)).astype("float32")
    y = np.zeros((32, 1), "float32")
    keras.utils.set_random_seed(3)
    net = Net()
    net.compile(optimizer="sgd", loss="mse")
    before = [w.copy() for w in (net(x[:1]), *net.get_weights())][1:]
    net.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    # The same steps by hand, eagerly (no remat), give the same weights.
    keras.utils.set_random_seed(3)
    ref = Net()
    ref(x[:1])
    ref.set_weights(before)
    ref.compile(optimizer="sgd", loss="mse", run_eagerly=True)
    ref.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(net.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
