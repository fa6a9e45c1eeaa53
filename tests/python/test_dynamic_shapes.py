"""Sizes known only at run time: `batch = ops.shape(x)[0]` inside a layer's
call() or a train_step gives a scalar tensor that creation, reshaping,
broadcasting, tiling, ranges and random draws accept, in traced subclassed
models and Functional models alike; the Keras guide's VAE sampling layer
trains with fit."""

import numpy as np
import pytest

import pykeras as keras
from pykeras import layers, ops
from pykeras.errors import ShapeError


class Everything(layers.Layer):
    """Uses the batch size the way Keras code does."""

    def call(self, x):
        batch = ops.shape(x)[0]
        assert ops.shape(x)[1:] == (2, 3)  # static sizes stay Python ints
        ones = ops.ones((batch, 1))
        flat = ops.reshape(x, (batch, -1))
        positions = ops.cast(ops.arange(batch), "float32")
        count = ops.cast(batch, "float32")
        tiled = ops.tile(ops.ones((1, 2)), (batch, 1))
        wide = ops.broadcast_to(ops.full((1, 3), 2.0), (batch, 3))
        zeros = ops.zeros((batch, 2))
        return ops.concatenate(
            [flat, ones * count, ops.expand_dims(positions, -1), tiled, wide, zeros], axis=-1
        )


def _expected(x):
    n = len(x)
    return np.concatenate(
        [
            x.reshape(n, -1),
            np.full((n, 1), n),
            np.arange(n)[:, None],
            np.ones((n, 2)),
            np.full((n, 3), 2.0),
            np.zeros((n, 2)),
        ],
        axis=-1,
    ).astype(np.float32)


@pytest.mark.parametrize("n", [1, 5])
def test_functional_model_with_batch_sized_ops(n):
    inputs = keras.Input((2, 3))
    out = Everything()(inputs)
    assert out.shape == (None, 15)  # reshape(x, (batch, -1)) keeps its last size
    model = keras.Model(inputs, out)
    x = np.arange(n * 6, dtype=np.float32).reshape(n, 2, 3)
    np.testing.assert_array_equal(model.predict(x, verbose=0), _expected(x))
    np.testing.assert_array_equal(np.asarray(model(x)), _expected(x))


def test_subclassed_model_traces_batch_sized_ops_and_trains():
    class M(keras.Model):
        def __init__(self):
            super().__init__()
            self.everything = Everything()
            self.dense = layers.Dense(1)

        def call(self, x):
            return self.dense(self.everything(x))

    model = M()
    x = np.random.default_rng(0).normal(size=(10, 2, 3)).astype(np.float32)
    # 10 samples in batches of 4: the last batch has 2, so sizes really vary.
    y = model.predict(x, batch_size=4, verbose=0)
    assert y.shape == (10, 1)
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, np.zeros((10, 1), np.float32), batch_size=4, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_size_tensor_arithmetic_and_cast():
    class Half(layers.Layer):
        def call(self, x):
            batch = ops.shape(x)[0]
            return ops.ones((batch * 2, 1)) * ops.cast(batch // 1, "float32")

    inputs = keras.Input((3,))
    out = Half()(inputs)
    assert out.shape == (None, 1)
    model = keras.Model(inputs, out)
    got = model.predict(np.zeros((3, 3), np.float32), verbose=0)
    np.testing.assert_array_equal(got, np.full((6, 1), 3.0, np.float32))


class Sampling(layers.Layer):
    """The Keras VAE guide's sampling layer, as written there."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch = ops.shape(z_mean)[0]
        dim = ops.shape(z_mean)[1]
        epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


def _vae(latent_dim=2):
    encoder_inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Flatten()(encoder_inputs)
    x = layers.Dense(16, activation="relu")(x)
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    z = Sampling()([z_mean, z_log_var])
    encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")
    latent_inputs = keras.Input(shape=(latent_dim,))
    x = layers.Dense(28 * 28, activation="sigmoid")(latent_inputs)
    decoder = keras.Model(latent_inputs, layers.Reshape((28, 28, 1))(x), name="decoder")

    class VAE(keras.Model):
        def __init__(self, encoder, decoder, **kwargs):
            super().__init__(**kwargs)
            self.encoder = encoder
            self.decoder = decoder
            self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
            self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

        @property
        def metrics(self):
            return [self.total_loss_tracker, self.kl_loss_tracker]

        def train_step(self, data):
            with keras.GradientTape() as tape:
                z_mean, z_log_var, z = self.encoder(data)
                reconstruction = self.decoder(z)
                reconstruction_loss = ops.mean(
                    ops.sum(keras.losses.binary_crossentropy(data, reconstruction), axis=(1, 2))
                )
                kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
                kl_loss = ops.mean(ops.sum(kl_loss, axis=1))
                total_loss = reconstruction_loss + kl_loss
            grads = tape.gradient(total_loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
            self.total_loss_tracker.update_state(total_loss)
            self.kl_loss_tracker.update_state(kl_loss)
            return {
                "loss": self.total_loss_tracker.result(),
                "kl_loss": self.kl_loss_tracker.result(),
            }

    return VAE(encoder, decoder), encoder


def test_vae_sampling_layer_trains_with_fit_in_the_traced_step(monkeypatch):
    import pykeras.trainers.custom_step as custom_step

    def eager(*args, **kwargs):
        raise AssertionError("the VAE's train_step fell back to running eagerly")

    # The step must be traced into the Rust graph, not run op by op.
    monkeypatch.setattr(custom_step, "_run_eagerly", eager)
    keras.utils.set_random_seed(0)
    data = (np.random.default_rng(0).random((100, 28, 28, 1)) > 0.7).astype(np.float32)
    vae, encoder = _vae()
    vae.compile(optimizer=keras.optimizers.Adam(1e-2))
    # 100 samples in batches of 32: a last batch of 4.
    history = vae.fit(data, epochs=4, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
    # z is drawn around z_mean, one draw per sample.
    z_mean, z_log_var, z = encoder.predict(data[:8], verbose=0)
    assert z.shape == (8, 2) and not np.allclose(z, z_mean)
    noise = (z - z_mean) / np.exp(0.5 * z_log_var)
    assert len(np.unique(np.round(noise, 5))) == noise.size


def test_shape_of_a_functional_tensor_is_keras_none():
    inputs = keras.Input((3,))
    assert ops.shape(inputs) == (None, 3)
    assert ops.shape(np.zeros((2, 3))) == (2, 3)


def test_none_sizes_are_refused_naming_the_op():
    with pytest.raises((ShapeError, ValueError, TypeError), match="ones"):
        ops.ones((None, 3))
    with pytest.raises(ShapeError, match="normal"):
        keras.random.normal((None, 3))
