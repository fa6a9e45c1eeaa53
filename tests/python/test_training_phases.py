"""Issue 15: steps with several updates (a GAN's two optimizers) traced into
the Rust loop, constraints applied in the graph after each update, the
optimizer's `loss_scale_factor` in `fit`, and a warning when a `train_step`
cannot be traced. The reference for each traced run is the same step run
op by op (`run_eagerly=True`) or written out with a tape."""

import warnings

import numpy as np
import pytest

import pykeras as keras
from pykeras import layers, ops

RNG = np.random.default_rng(3)
X = RNG.normal(size=(32, 4)).astype("float32")
Y = RNG.normal(size=(32, 2)).astype("float32")


def _close(a, b, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol)


def _step_of(model):
    return next(iter(model._trainer.runner.steps.values()))


# --------------------------------------------------------- loss_scale_factor


@pytest.mark.parametrize("rule", [keras.optimizers.SGD, keras.optimizers.Adam])
def test_loss_scale_factor_leaves_fit_unchanged(rule):
    """Keras scales the loss before differentiating and divides the gradients
    back: the weights and the logged loss are those of an unscaled run."""
    runs = []
    for factor in (None, 64.0):
        keras.utils.set_random_seed(1)
        model = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
        model.compile(rule(0.05, loss_scale_factor=factor), loss="mse")
        history = model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        runs.append((model.get_weights(), history.history["loss"]))
    (w0, l0), (w1, l1) = runs
    for a, b in zip(w0, w1):
        _close(a, b)
    _close(l0, l1)


# ------------------------------------------------------------- constraints


def _constrained_model(constraint, eager):
    keras.utils.set_random_seed(2)
    model = keras.Sequential(
        [keras.Input((4,)), layers.Dense(8, kernel_constraint=constraint), layers.Dense(2)]
    )
    model.compile(keras.optimizers.SGD(0.5), loss="mse", run_eagerly=eager)
    return model


@pytest.mark.parametrize(
    "make",
    [
        lambda: keras.constraints.MaxNorm(0.3),
        lambda: keras.constraints.NonNeg(),
        lambda: keras.constraints.UnitNorm(axis=0),
        lambda: keras.constraints.MinMaxNorm(0.2, 0.4, rate=0.5),
    ],
)
def test_constraints_run_in_the_loop_and_match_eager(make):
    model = _constrained_model(make(), eager=False)
    model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert _step_of(model).constrained == []  # traced: no Python per batch
    eager = _constrained_model(make(), eager=True)
    eager.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), eager.get_weights()):
        _close(a, b)


def test_max_norm_holds_after_every_step():
    model = _constrained_model(keras.constraints.MaxNorm(0.3), eager=False)
    model.fit(X, Y, batch_size=4, epochs=3, verbose=0)
    norms = np.sqrt(np.sum(model.get_weights()[0] ** 2, axis=0))
    assert np.all(norms <= 0.3 + 1e-6)


class NumpyClip(keras.constraints.Constraint):
    """A constraint written with NumPy: cannot be traced, runs in Python."""

    def __call__(self, w):
        return np.clip(np.asarray(w), -0.05, 0.05)


def test_untraceable_constraint_still_applies():
    model = _constrained_model(NumpyClip(), eager=False)
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0)
    assert len(_step_of(model).constrained) == 1
    assert np.abs(model.get_weights()[0]).max() <= 0.05 + 1e-7


# ------------------------------------------------------ several optimizers


class GAN(keras.Model):
    """The Keras GAN guide's step: the discriminator is updated, then the
    generator is trained against the updated discriminator. The latent
    vectors come from the data so the traced and eager runs agree exactly."""

    def __init__(self, latent=3):
        super().__init__()
        self.latent = latent
        self.generator = keras.Sequential(
            [keras.Input((latent,)), layers.Dense(8, activation="relu"), layers.Dense(4)]
        )
        self.discriminator = keras.Sequential(
            [keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(1)]
        )
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    def call(self, x):
        return self.discriminator(x)

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    def train_step(self, real):
        batch = ops.shape(real)[0]
        latent = real[:, : self.latent] * 0.5
        fake = self.generator(latent)
        combined = ops.concatenate([fake, real], axis=0)
        labels = ops.concatenate([ops.ones((batch, 1)), ops.zeros((batch, 1))], axis=0)
        with keras.GradientTape() as tape:
            d_loss = self.loss_fn(labels, self.discriminator(combined))
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))

        with keras.GradientTape() as tape:
            predictions = self.discriminator(self.generator(latent + 0.1))
            g_loss = self.loss_fn(ops.zeros((batch, 1)), predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


def _gan(eager, d_opt=None, g_opt=None):
    keras.utils.set_random_seed(5)
    gan = GAN()
    gan.compile(
        d_opt or keras.optimizers.Adam(0.01),
        g_opt or keras.optimizers.SGD(0.05, momentum=0.5),
        run_eagerly=eager,
    )
    return gan


def test_gan_step_is_traced_and_agrees_with_run_eagerly():
    traced = _gan(eager=False)
    h_traced = traced.fit(X, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert not _step_of(traced).eager
    eager = _gan(eager=True)
    h_eager = eager.fit(X, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for key in ("d_loss", "g_loss"):
        _close(h_traced.history[key], h_eager.history[key])
    for a, b in zip(traced.get_weights(), eager.get_weights()):
        _close(a, b)
    assert traced.d_optimizer.iterations == eager.d_optimizer.iterations == 8
    assert traced.g_optimizer.iterations == 8


def test_one_optimizer_for_both_updates():
    """As in Keras, an optimizer shared by two updates is built with the
    variables of both first."""
    models = []
    for eager in (False, True):
        opt = keras.optimizers.SGD(0.05, momentum=0.9)
        gan = _gan(eager=eager, d_opt=opt, g_opt=opt)
        opt.build(gan.discriminator.trainable_weights + gan.generator.trainable_weights)
        gan.fit(X, batch_size=8, epochs=1, shuffle=False, verbose=0)
        models.append(gan)
    traced, eager = models
    assert not _step_of(traced).eager
    assert traced.d_optimizer.iterations == eager.d_optimizer.iterations == 8
    for a, b in zip(traced.get_weights(), eager.get_weights()):
        _close(a, b)


class Simultaneous(keras.Model):
    """Both gradients from one forward pass, then two updates: the second
    update's gradients are those of the weights before the first update."""

    def __init__(self):
        super().__init__()
        self.a = layers.Dense(3)
        self.b = layers.Dense(2)

    def call(self, x):
        return self.b(self.a(x))

    def train_step(self, data):
        x, y = data
        with keras.GradientTape(persistent=True) as tape:
            y_pred = self(x, training=True)
            loss = ops.mean(ops.square(y_pred - y))
        ga = tape.gradient(loss, self.a.trainable_weights)
        gb = tape.gradient(loss, self.b.trainable_weights)
        self.opt_a.apply_gradients(zip(ga, self.a.trainable_weights))
        self.opt_b.apply_gradients(zip(gb, self.b.trainable_weights))
        return {"loss": loss}


def test_gradients_taken_before_both_updates():
    results = []
    for eager in (False, True):
        keras.utils.set_random_seed(7)
        model = Simultaneous()
        model.opt_a = keras.optimizers.SGD(0.1)
        model.opt_b = keras.optimizers.SGD(0.2)
        model.compile(run_eagerly=eager)
        model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        if not eager:
            assert not _step_of(model).eager
        results.append(model.get_weights())
    for a, b in zip(*results):
        _close(a, b)


# ---------------------------------------------------------- traced or not


class NeedsValues(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(2)

    def call(self, x):
        return self.dense(x)

    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            loss = ops.mean(ops.square(self(x) - y))
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        # NumPy on a tensor: only a real value has one.
        return {"loss": float(np.asarray(loss))}


def test_untraceable_step_warns_and_still_trains():
    model = NeedsValues()
    model.compile(keras.optimizers.SGD(0.1))
    with pytest.warns(RuntimeWarning, match="could not be compiled into one graph"):
        history = model.fit(X, Y, batch_size=8, epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    quiet = NeedsValues()
    quiet.compile(keras.optimizers.SGD(0.1), run_eagerly=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet.fit(X, Y, batch_size=8, epochs=1, verbose=0)


# ------------------------------------------------------------- predict_step


class Thresholded(keras.Model):
    """The Keras guide's idiom: predict returns post-processed outputs."""

    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(2, kernel_initializer="ones")

    def call(self, x):
        return self.dense(x)

    def predict_step(self, data):
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        y = self(x, training=False)
        return {"scores": y, "labels": ops.argmax(y, axis=-1)}


@pytest.mark.parametrize("eager", [False, True])
def test_predict_uses_an_overridden_predict_step(eager):
    model = Thresholded()
    model.compile(run_eagerly=eager)
    out = model.predict(X, batch_size=8, verbose=0)
    scores = np.asarray(model(X))
    _close(out["scores"], scores)
    np.testing.assert_array_equal(out["labels"], np.argmax(scores, axis=-1))
    one = model.predict_on_batch(X[:3])
    _close(one["scores"], scores[:3])


class NumpyPredict(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(2)

    def call(self, x):
        return self.dense(x)

    def predict_step(self, data):
        (x,) = data
        return np.asarray(self(x), dtype="float32") * 2.0


def test_untraceable_predict_step_warns_and_runs_per_batch():
    model = NumpyPredict()
    model.compile()
    with pytest.warns(RuntimeWarning, match="predict_step` could not be compiled"):
        out = model.predict(X, batch_size=8, verbose=0)
    _close(out, np.asarray(model(X)) * 2.0)


# ---------------------------------------------------------- nested tapes


def test_nested_tape_gradients_and_second_order_refused():
    x = keras.Variable(np.array([3.0, 2.0], "float32"))
    with keras.GradientTape() as outer:
        with keras.GradientTape() as inner:
            y = ops.sum(x**3)
        dy = inner.gradient(y, x)
        _close(dy, 3 * np.array([3.0, 2.0]) ** 2)
        penalty = ops.sum(dy * dy)
        plain = ops.sum(x * 2.0)
    with pytest.raises(NotImplementedError, match="second-order gradients"):
        outer.gradient(penalty + plain, x)
    with keras.GradientTape() as outer:
        with keras.GradientTape() as inner:
            y = ops.sum(x**3)
        inner.gradient(y, x)
        plain = ops.sum(x * 2.0)
    _close(outer.gradient(plain, x), [2.0, 2.0])


# ------------------------------------------------------- the gradient hook


def _hooked_fit(hook, optimizer=keras.optimizers.Adam):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dense(2)])
    model.compile(optimizer(0.01), loss="mse")
    model._trainer.runner.gradient_hook = hook
    model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    return model


def test_gradient_hook_sees_every_update_and_sets_the_gradients():
    """The data-parallel all-reduce point: the loop hands each update's
    gradients as one float32 vector and applies what the hook returns."""
    calls = []

    def identity(index, flat):
        calls.append((index, flat.dtype, flat.shape))
        return flat

    plain = _hooked_fit(None)
    hooked = _hooked_fit(identity)
    sizes = sum(int(np.prod(w.shape)) for w in hooked.trainable_weights)
    assert calls == [(0, np.float32, (sizes,))] * 8  # 4 steps x 2 epochs
    for a, b in zip(plain.get_weights(), hooked.get_weights()):
        np.testing.assert_array_equal(a, b)
    frozen = _hooked_fit(lambda index, flat: np.zeros_like(flat), keras.optimizers.SGD)
    before = _hooked_fit(None, keras.optimizers.SGD)
    assert not np.allclose(frozen.get_weights()[0], before.get_weights()[0])
    keras.utils.set_random_seed(0)
    fresh = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dense(2)])
    for a, b in zip(frozen.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(a, b)  # zero gradients: SGD moved nothing


def test_gradient_hook_errors_surface():
    def broken(index, flat):
        raise RuntimeError("all-reduce failed")

    with pytest.raises(RuntimeError, match="all-reduce failed"):
        _hooked_fit(broken)
    with pytest.raises(ValueError, match="gradient hook"):
        _hooked_fit(lambda index, flat: flat[:-1])
