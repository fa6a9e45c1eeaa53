"""Issue 15, points 2-5: variables and layer state, losses from layers,
custom metrics, GradientTape and overridable steps; the Keras 3 numbers
come from tests/reference/make_custom_training_reference.py."""

import json
import pathlib

import numpy as np
import pytest

import pykeras as keras
from pykeras import layers, ops

REF = json.loads(
    (
        pathlib.Path(__file__).resolve().parents[1] / "reference/data/custom_training.json"
    ).read_text()
)
X = (np.arange(48, dtype="float32").reshape(12, 4) % 7) / 7.0
Y_CLASS = (np.arange(12) % 3).astype("int64")
Y_REG = (np.arange(12, dtype="float32").reshape(12, 1) % 5) / 5.0
CONST = keras.initializers.Constant(0.1)


class CategoricalTruePositives(keras.metrics.Metric):
    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
        values = ops.cast(values, "float32")
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives.value

    def reset_state(self):
        self.true_positives.assign(0.0)


class LogisticEndpoint(layers.Layer):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    def call(self, targets, logits, sample_weights=None):
        self.add_loss(self.loss_fn(targets, logits, sample_weights))
        return ops.softmax(logits)


class CustomModel(keras.Model):
    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply(gradients, trainable_vars)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def _close(actual, expected, rtol=1e-5):
    np.testing.assert_allclose(np.asarray(actual, np.float64), expected, rtol=rtol, atol=1e-6)


# ------------------------------------------------------------------ point 2


def test_variable_api():
    v = keras.Variable(np.zeros((2,)), name="v", trainable=False)
    v.assign_add([1.0, 2.0])
    v.assign_sub(np.array([0.5, 0.5]))
    np.testing.assert_allclose(v.numpy(), [0.5, 1.5])
    np.testing.assert_allclose(v.value, [0.5, 1.5])
    assert (v.dtype, v.path, v.trainable, v.shape) == ("float32", "v", False, (2,))
    w = keras.Variable(initializer="ones", shape=(2, 2), name="w")
    np.testing.assert_allclose(np.asarray(w * 2.0), 2 * np.ones((2, 2)))
    with pytest.raises(ValueError, match="Variable 'v' has shape"):
        v.assign(np.zeros(3))


class Counter(layers.Layer):
    """Non-trainable state updated with assign_add inside call()."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 1), initializer="ones", name="w")
        self.seen = self.add_variable((), "zeros", trainable=False, name="seen")

    def call(self, x):
        self.seen.assign_add(ops.sum(ops.ones_like(x[:, 0])))
        return ops.matmul(x, self.w)


def test_state_assigned_in_call_updates_inside_fit():
    model = keras.Sequential([keras.Input((4,)), Counter()])
    model.compile("sgd", "mse")
    model.fit(X, Y_REG, batch_size=5, epochs=2, verbose=0)
    assert float(model.layers[0].seen.numpy()) == 24.0


class WeightOnly(layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(3,), initializer="ones", name="w")

    def call(self, x):
        return x * 0.0 + ops.sum(self.w * np.array([1.0, 2.0, 3.0], "float32"))


class Wrap(keras.Model):
    def __init__(self, layer):
        super().__init__()
        self.inner = layer

    def call(self, x):
        return self.inner(x)


def test_output_through_weight_only_ops_trains():
    model = Wrap(WeightOnly())
    model.compile(keras.optimizers.SGD(0.01), "mse")
    model.fit(np.ones((4, 3), "float32"), np.zeros((4, 3), "float32"), epochs=1, verbose=0)
    # d/dw mean((6 + 0)^2) = 2 * 6 * [1, 2, 3]
    np.testing.assert_allclose(
        model.inner.w.numpy(), 1 - 0.01 * 12 * np.array([1, 2, 3]), rtol=1e-5
    )


def test_subclass_building_in_build_fits_after_predict():
    model = Wrap(layers.Dense(2))
    model.predict(X, verbose=0)
    model.compile("sgd", "mse")
    model.fit(X, np.ones((12, 2), "float32"), epochs=1, verbose=0)


# ------------------------------------------------------------------ point 3


def test_layer_losses_with_regularizers_match_keras():
    layer = layers.Dense(
        3,
        kernel_initializer=CONST,
        bias_initializer="ones",
        kernel_regularizer=keras.regularizers.l2(0.01),
        activity_regularizer=keras.regularizers.l2(0.02),
    )
    layer(X[:5])
    _close([float(np.asarray(v)) for v in layer.losses], REF["regularizer_losses"])
    layer(X[:5])
    assert len(layer.losses) == 2  # the last call's losses only


def test_endpoint_layer_trains_on_added_loss_alone():
    inputs = keras.Input((4,), name="inputs")
    targets = keras.Input((3,), name="targets")
    dense = layers.Dense(3, kernel_initializer=CONST)
    preds = LogisticEndpoint(name="predictions")(targets, dense(inputs))
    model = keras.Model([inputs, targets], preds)
    model.compile(keras.optimizers.SGD(0.1))
    data = {"inputs": X, "targets": np.eye(3, dtype="float32")[Y_CLASS]}
    history = model.fit(data, batch_size=4, epochs=2, shuffle=False, verbose=0)
    _close(history.history["loss"], REF["endpoint"]["history"]["loss"])
    _close(dense.kernel.numpy(), REF["endpoint"]["kernel"])


def test_compile_without_loss_and_no_added_loss_raises_with_hint():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    model.compile("sgd")
    with pytest.raises(ValueError, match="add_loss"):
        model.fit(X, Y_REG, verbose=0)


def test_activity_regularizer_in_fit_is_divided_by_the_batch():
    model = keras.Sequential(
        [keras.Input((4,)), layers.Dense(1, kernel_initializer=CONST, activity_regularizer="l2")]
    )
    model.compile(keras.optimizers.SGD(0.0), "mse")
    loss = model.evaluate(X[:4], Y_REG[:4], batch_size=4, verbose=0)
    out = model.predict(X[:4], verbose=0)
    expected = np.mean((out - Y_REG[:4]) ** 2) + 0.01 * np.sum(out**2) / 4
    np.testing.assert_allclose(loss, expected, rtol=1e-5)


def test_model_losses_after_eager_call_and_tape():
    class Reg(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            y = self.dense(x)
            self.add_loss(ops.mean(ops.square(y)))
            return y

    model = Reg()
    out = model(X)
    assert len(model.losses) == 1
    _close(float(np.asarray(model.losses[0])), float(np.mean(np.square(out))))


# ------------------------------------------------------------------ point 4


def test_custom_metric_in_fit_and_evaluate_matches_keras():
    inputs = keras.Input((4,))
    outputs = layers.Dense(3, activation="softmax", kernel_initializer=CONST)(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy",
                  metrics=[CategoricalTruePositives()])  # fmt: skip
    history = model.fit(X, Y_CLASS, batch_size=4, epochs=2, shuffle=False, verbose=0)
    ref = REF["custom_metric"]
    for key, values in ref["history"].items():
        _close(history.history[key], values)
    evaluated = model.evaluate(X, Y_CLASS, batch_size=4, verbose=0, return_dict=True)
    for key, value in ref["evaluate"].items():
        _close(evaluated[key], value)
    names = [m.name for m in model.metrics]
    assert names == ["loss", "categorical_true_positives"]
    assert set(model.get_metrics_result()) == {"loss", "categorical_true_positives"}
    model.reset_metrics()
    assert float(np.asarray(model.metrics[1].result())) == 0.0


def test_metric_variables_eagerly():
    metric = CategoricalTruePositives()
    metric.update_state(np.array([[0], [1]]), np.array([[0.9, 0.1], [0.2, 0.8]]))
    assert float(np.asarray(metric.result())) == 2.0
    assert len(metric.variables) == 1
    metric.reset_state()
    assert float(np.asarray(metric.result())) == 0.0


# ------------------------------------------------------------------ point 5


def test_train_step_override_on_functional_subclass_matches_keras():
    inputs = keras.Input((4,))
    outputs = layers.Dense(1, kernel_initializer=CONST)(inputs)
    model = CustomModel(inputs, outputs)
    assert isinstance(model, CustomModel)
    model.compile(keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    history = model.fit(X, Y_REG, batch_size=4, epochs=2, shuffle=False, verbose=0)
    step = next(iter(model._trainer.runner.steps.values()))
    assert not step.eager  # traced once into the Rust loop
    ref = REF["train_step_override"]
    for key, values in ref["history"].items():
        _close(history.history[key], values)
    for w, r in zip(model.get_weights(), ref["weights"]):
        _close(w, r)


def test_train_step_override_run_eagerly_agrees():
    results = []
    for eager in (False, True):
        inputs = keras.Input((4,))
        outputs = layers.Dense(1, kernel_initializer=CONST)(inputs)
        model = CustomModel(inputs, outputs)
        model.compile(keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"], run_eagerly=eager)
        history = model.fit(X, Y_REG, batch_size=4, epochs=2, shuffle=False, verbose=0)
        results.append((model.get_weights(), history.history))
    for a, b in zip(results[0][0], results[1][0]):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    for key in results[0][1]:
        np.testing.assert_allclose(results[0][1][key], results[1][1][key], rtol=1e-5)


def _mlp(seed):
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [keras.Input((784,)), layers.Dense(512, activation="relu"), layers.Dense(10)]
    )


def test_tape_loop_reaches_fit_weights_on_mlp():
    rng = np.random.default_rng(0)
    x = rng.random((256, 784), np.float32)
    y = rng.integers(0, 10, 256)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    fitted = _mlp(1)
    fitted.compile(keras.optimizers.Adam(1e-3), loss_fn)
    fitted.fit(x, y, batch_size=64, epochs=2, shuffle=False, verbose=0)
    model = _mlp(1)
    optimizer = keras.optimizers.Adam(1e-3)
    for _ in range(2):
        for start in range(0, 256, 64):
            with keras.GradientTape() as tape:
                logits = model(x[start : start + 64], training=True)
                loss = loss_fn(y[start : start + 64], logits)
            grads = tape.gradient(loss, model.trainable_weights)
            optimizer.apply_gradients(zip(grads, model.trainable_weights))
    for a, b in zip(model.get_weights(), fitted.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_tape_semantics():
    v = keras.Variable(np.array([1.0, 2.0]), name="v")
    unused = keras.Variable(np.ones(2), name="unused")
    x = np.array([3.0, 4.0], np.float32)
    with keras.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = ops.sum(v * v * x)
    gv, gx, gu = tape.gradient(y, [v, x, unused])
    np.testing.assert_allclose(gv, 2 * np.array([1.0, 2.0]) * x)
    np.testing.assert_allclose(gx, [1.0, 4.0])
    assert gu is None
    assert tape.gradient(y, v) is not None  # persistent: a second call works
    with keras.GradientTape() as tape:
        with keras.GradientTape() as inner:
            z = ops.sum(v * 3.0)
        assert inner.gradient(z, v) is not None
    np.testing.assert_allclose(tape.gradient(z, v), [3.0, 3.0])
    with pytest.raises(RuntimeError, match="non-persistent"):
        tape.gradient(z, v)


def test_apply_gradients_shape_mismatch_names_variable_and_leaves_weights():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(2, name="d")])
    optimizer = keras.optimizers.SGD(0.1)
    before = model.get_weights()
    grads = [np.ones((4, 2)), np.ones((3,))]
    with pytest.raises(ValueError, match=r"d/bias.*\(2,\)"):
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_train_step_returning_non_dict_raises_type_error():
    class Bad(keras.Model):
        def train_step(self, data):
            return 1.0

    inputs = keras.Input((4,))
    model = Bad(inputs, layers.Dense(1)(inputs))
    model.compile("sgd", "mse")
    with pytest.raises(TypeError, match="must return a dict"):
        model.fit(X, Y_REG, verbose=0)


class GAN(keras.Model):
    """Two optimizers in one step: runs op by op (the eager tape)."""

    def __init__(self):
        super().__init__()
        self.generator = keras.Sequential([keras.Input((2,)), layers.Dense(4)])
        self.discriminator = keras.Sequential([keras.Input((4,)), layers.Dense(1)])

    def call(self, x):
        return self.discriminator(x)

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    def train_step(self, real):
        noise = np.ones((4, 2), np.float32)
        with keras.GradientTape() as tape:
            fake = self.generator(noise)
            logits = self.discriminator(ops.concatenate([fake, real], axis=0))
            labels = ops.concatenate([ops.ones((4, 1)), ops.zeros_like(real[:, :1])], axis=0)
            d_loss = self.loss_fn(labels, logits)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
        with keras.GradientTape() as tape:
            g_loss = self.loss_fn(np.zeros((4, 1), "float32"), self(self.generator(noise)))
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        return {"d_loss": d_loss, "g_loss": g_loss}


def test_gan_style_two_optimizer_step():
    gan = GAN()
    gan.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1))
    before = [w.copy() for w in gan.get_weights()]
    history = gan.fit(X, batch_size=4, epochs=2, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss"}
    assert all(np.isfinite(history.history["g_loss"]))
    assert any(not np.allclose(a, b) for a, b in zip(before, gan.get_weights()))
