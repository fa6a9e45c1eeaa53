"""`model(x)` on a plain float32 batch runs its traced graph directly once a
call has shown nothing else is needed; every other call takes the full path
and gives what it gave before."""

import numpy as np
import pytest

import pykeras as keras
from pykeras import layers, ops
from pykeras.engine import call_context
from pykeras.engine.masking import get_keras_mask


def _mlp(dropout=0.0):
    model = keras.Sequential(
        [
            keras.Input((6,)),
            layers.Dense(5, activation="relu"),
            layers.Dropout(dropout),
            layers.Dense(3, activation="softmax"),
        ]
    )
    return model


def _x(n=2, features=6, seed=0):
    return np.random.default_rng(seed).normal(size=(n, features)).astype("float32")


def test_repeated_calls_take_the_graph_directly_and_agree():
    model = _mlp()
    x = _x()
    first = model(x)
    assert model._fast_call is not None
    again = model(x)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(model.predict(x, verbose=0), again)
    # Another batch size reuses it; another feature count cannot.
    np.testing.assert_allclose(model(_x(7))[:2], model(_x(2)), rtol=1e-6)
    with pytest.raises(ValueError):
        model(_x(2, features=4))


def test_new_weights_are_seen():
    model = _mlp()
    x = _x()
    before = model(x)
    model.set_weights([w * 2 for w in model.get_weights()])
    after = model(x)
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, model.predict(x, verbose=0), rtol=1e-6)


def test_training_calls_still_drop_units():
    model = _mlp(dropout=0.5)
    x = _x(64)
    inference = model(x)
    model(x)  # armed
    trained = model(x, training=True)
    assert not np.allclose(inference, trained)
    # The flag inherited from an outer call counts too.
    with call_context.training_scope(True):
        inherited = model(x)
    assert not np.allclose(inference, inherited)
    np.testing.assert_array_equal(model(x), inference)


def test_a_tape_sees_the_call():
    model = _mlp()
    x = _x()
    model(x)
    model(x)
    with keras.GradientTape() as tape:
        loss = ops.sum(model(x))
    grads = tape.gradient(loss, model.trainable_variables)
    assert all(g is not None for g in grads)


def test_other_dtypes_and_layouts_agree():
    model = _mlp()
    x = _x()
    expected = model(x)
    np.testing.assert_allclose(model(x.astype("float64")), expected, rtol=1e-6)
    strided = np.asfortranarray(x)
    np.testing.assert_allclose(model(strided), expected, rtol=1e-6)


def test_added_losses_are_those_of_the_latest_call():
    class WithLoss(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            y = self.dense(x)
            self.add_loss(ops.mean(y**2))
            return y

    model = WithLoss()
    x = _x()
    model(x)
    model(x)
    assert model._fast_call is None
    assert len(model.losses) == 1
    np.testing.assert_allclose(
        np.asarray(model.losses[0]), np.mean(np.asarray(model(x)) ** 2), rtol=1e-5
    )


def test_stateful_recurrent_states_advance_on_every_call():
    model = keras.Sequential(
        [keras.Input((3, 2), batch_size=1), layers.SimpleRNN(4, stateful=True)]
    )
    x = _x(3, 2).reshape(1, 3, 2)
    outputs = [np.asarray(model(x)) for _ in range(3)]
    assert model._fast_call is None
    assert not np.allclose(outputs[0], outputs[1])
    assert not np.allclose(outputs[1], outputs[2])


def test_run_eagerly_set_later_runs_python_again():
    calls = []

    class Counting(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            calls.append(1)
            return self.dense(x)

    model = Counting()
    x = _x()
    model(x)
    model(x)
    traced = len(calls)
    model.run_eagerly = True
    model(x)
    model(x)
    assert len(calls) == traced + 2


def test_masked_outputs_keep_their_mask():
    inputs = keras.Input((3, 2))
    model = keras.Model(inputs, layers.Masking(0.0)(inputs))
    x = _x(3, 2).reshape(1, 3, 2)
    x[0, 1] = 0.0
    first, second = model(x), model(x)
    np.testing.assert_array_equal(np.asarray(first), np.asarray(second))
    # Whatever the full path attaches (a Functional model's eager output
    # carries no mask, as on Keras's JAX backend), the short path does too.
    np.testing.assert_array_equal(get_keras_mask(first), get_keras_mask(second))
    masked = layers.Masking(0.0)
    masked(x)
    np.testing.assert_array_equal(get_keras_mask(masked(x)), [[True, False, True]])


def test_graph_run_replans_when_asked_for_other_outputs_or_grown():
    from pykeras import _core

    g = _core.Graph()
    x = g.input("x")
    doubled = g.op("add", [x, x])
    feed = {x: np.arange(3, dtype="float32")}
    np.testing.assert_array_equal(g.run(feed, [doubled])[0], [0, 2, 4])
    squared = g.op("mul", [doubled, doubled])
    np.testing.assert_array_equal(g.run(feed, [squared])[0], [0, 4, 16])
    first, second = g.run(feed, [doubled, squared])
    np.testing.assert_array_equal(first, [0, 2, 4])
    np.testing.assert_array_equal(second, [0, 4, 16])
    np.testing.assert_array_equal(g.run(feed, [doubled])[0], [0, 2, 4])
