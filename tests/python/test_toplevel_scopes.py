"""`keras.StatelessScope`, `keras.SymbolicScope` and `keras.device`.

Keras's values and messages are recorded by
tests/reference/make_toplevel_reference.py (data/toplevel_api.json).
"""

import json
import pathlib
import threading

import numpy as np
import pytest

import pykeras as keras
from pykeras.backend.device import get_device
from pykeras.engine.stateless_scope import get_stateless_scope, in_stateless_scope
from pykeras.engine.symbolic_scope import get_symbolic_scope, in_symbolic_scope

DATA = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data"
with open(DATA / "toplevel_api.json", encoding="utf-8") as _f:
    REF = json.load(_f)


class AddsLoss(keras.layers.Layer):
    def call(self, x):
        self.add_loss(keras.ops.sum(x))
        return x


# ------------------------------------------------------------------ StatelessScope


def test_reads_and_assignments_match_keras():
    ref = REF["stateless"]
    v = keras.Variable(np.zeros((2,), "float32"), name="v")
    with keras.StatelessScope([(v, np.ones((2,), "float32"))]) as scope:
        assert in_stateless_scope() and get_stateless_scope() is scope
        np.testing.assert_array_equal(v.value, ref["read"])
        np.testing.assert_array_equal(v.numpy(), ref["read"])
        v.assign_add(np.ones((2,), "float32"))
        np.testing.assert_array_equal(v.value, ref["after_assign"])
        v.assign_sub(np.full((2,), 0.5, "float32"))
        v.assign(np.asarray(v) + 0.5)
    assert not in_stateless_scope()
    np.testing.assert_array_equal(scope.get_current_value(v), ref["current_value"])
    np.testing.assert_array_equal(v.numpy(), ref["variable_after"])
    assert scope.get_current_value(keras.Variable(np.zeros(2))) is ref["unmapped_current_value"]


def test_a_layer_computes_with_mapped_weights_as_keras():
    ref = REF["stateless"]
    dense = keras.layers.Dense(2, name="mapped")
    dense.build((None, 3))
    before = dense.get_weights()
    x = np.array(ref["mapped_x"], "float32")
    mapping = [(dense.kernel, np.ones((3, 2), "float32")), (dense.bias, np.full((2,), 0.5))]
    with keras.StatelessScope(mapping):
        np.testing.assert_allclose(dense(x), ref["mapped_out"])
    for a, b in zip(dense.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_a_model_call_inside_the_scope_sees_the_mapping():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    x = np.arange(6, dtype="float32").reshape(2, 3)
    plain = model(x)
    with keras.StatelessScope([(w, np.ones(w.shape)) for w in model.weights]):
        np.testing.assert_allclose(model(x), x.sum(1, keepdims=True) + 1 + np.zeros((2, 2)))
    np.testing.assert_allclose(model(x), plain)


def test_stateful_layers_record_their_updates_in_the_scope():
    bn = keras.layers.BatchNormalization(momentum=0.5)
    x = np.random.default_rng(0).standard_normal((8, 3)).astype("float32") + 2.0
    bn.build(x.shape)
    with keras.StatelessScope() as scope:
        bn(x, training=True)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), np.zeros(3))
    np.testing.assert_allclose(scope.get_current_value(bn.moving_mean), 0.5 * x.mean(0),
                               rtol=1e-5)  # fmt: skip


def test_losses_are_collected_or_dropped_as_keras():
    ref = REF["stateless"]
    layer = AddsLoss()
    with keras.StatelessScope(collect_losses=True) as collecting:
        layer(np.ones((2, 2), "float32"))
    assert [float(loss) for loss in collecting.losses] == ref["collected_losses"]
    with keras.StatelessScope() as dropping:
        layer(np.ones((2, 2), "float32"))
    assert len(dropping.losses) == ref["dropped_losses"]
    assert layer.losses == []


@pytest.mark.parametrize("key", ["not_variable", "bad_shape"])
def test_bad_mappings_raise_as_keras(key):
    ref = REF["stateless"]["errors"][key]
    v = keras.Variable(np.zeros((2,), "float32"), name="v")
    mapping = {"not_variable": [(np.zeros(2), np.zeros(2))], "bad_shape": [(v, np.zeros((3,)))]}
    with pytest.raises(ValueError) as info:
        keras.StatelessScope(mapping[key])
    assert str(info.value) == ref["message"]


def test_scopes_nest_and_are_per_thread():
    v = keras.Variable(np.zeros((1,), "float32"))
    seen = []
    with keras.StatelessScope([(v, np.ones(1))]):
        with keras.StatelessScope([(v, np.full(1, 2.0))]):
            seen.append(float(v.numpy()[0]))
        seen.append(float(v.numpy()[0]))
        thread = threading.Thread(target=lambda: seen.append(float(v.numpy()[0])))
        thread.start()
        thread.join()
    assert seen == [2.0, 1.0, 0.0]


def test_gradients_flow_through_mapped_reads():
    dense = keras.layers.Dense(1, use_bias=False)
    dense.build((None, 2))
    x = np.array([[1.0, 2.0]], "float32")
    with keras.StatelessScope([(dense.kernel, np.full((2, 1), 3.0))]):
        with keras.GradientTape() as tape:
            y = dense(x)
        np.testing.assert_allclose(y, [[9.0]])
        grads = tape.gradient(y, [dense.kernel])
    np.testing.assert_allclose(grads[0], [[1.0], [2.0]])


def test_optimizer_steps_are_refused_inside_the_scope():
    v = keras.Variable(np.ones((2,), "float32"))
    optimizer = keras.optimizers.SGD(0.1)
    with keras.StatelessScope():
        with pytest.raises(ValueError, match="cannot apply gradients inside a keras.Stateless"):
            optimizer.apply_gradients([(np.ones(2, "float32"), v)])
    np.testing.assert_array_equal(v.numpy(), np.ones(2))


# ------------------------------------------------------------------ SymbolicScope


def test_symbolic_scope_gives_specs_only():
    x = keras.KerasTensor(shape=(None, 3))
    assert not in_symbolic_scope() and get_symbolic_scope() is None
    with keras.SymbolicScope() as scope:
        assert in_symbolic_scope() and get_symbolic_scope() is scope
        y = keras.ops.sum(x, axis=1)
        with keras.SymbolicScope():
            pass
        assert in_symbolic_scope()
    assert not in_symbolic_scope()
    assert y.shape == (None,) and y._keras_history is None
    recorded = keras.ops.sum(x, axis=1)
    assert recorded._keras_history is not None


# ------------------------------------------------------------------ device


@pytest.mark.parametrize("name", sorted(REF["device"]["accepted"]))
def test_device_accepts_what_keras_accepts_on_a_cpu(name):
    accepted = REF["device"]["accepted"][name]
    if accepted:
        with keras.device(name):
            np.testing.assert_array_equal(keras.ops.ones((2,)), np.ones(2))
    else:
        with pytest.raises(ValueError) as info:
            keras.device(name)
        assert "cpu:x" == name or "available devices: ['cpu:0']" in str(info.value)


def test_device_errors_name_the_devices():
    with pytest.raises(ValueError, match=r"pykeras runs on the CPU only; available devices: "):
        keras.device("gpu:0")
    with pytest.raises(ValueError, match="Expected a string like 'cpu:0'"):
        keras.device(0)
    with pytest.raises(ValueError, match="the device index must be an int"):
        keras.device("cpu:x")
    with pytest.raises(ValueError, match="'device_type:device_index'"):
        keras.device("cpu:0:1")


def test_device_scope_nests():
    assert get_device() == "cpu:0"
    with keras.device("CPU"):
        with keras.device("cpu:0"):
            assert get_device() == "cpu:0"
    assert get_device() == "cpu:0"
