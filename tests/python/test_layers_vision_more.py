"""3-D pooling, channels-first pooling, upsampling, padding and cropping
against Keras 3 (outputs, gradients, configs), and the noise layers:
identity at inference, the right statistics while training, seeded."""

import numpy as np
import pytest
from vision_reference import case_ids, replay

import pykeras as keras
from pykeras import layers

_NAMES = {
    "MaxPooling3D", "AveragePooling3D", "MaxPooling2D", "AveragePooling1D",
    "GlobalMaxPooling3D", "GlobalAveragePooling3D", "GlobalAveragePooling2D",
    "UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D",
    "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D",
}  # fmt: skip
_CASES = case_ids(_NAMES)


@pytest.mark.parametrize("index", [i for i, _ in _CASES], ids=[n for _, n in _CASES])
def test_matches_keras(index):
    replay(index)


NOISE = [
    (layers.GaussianNoise, {"stddev": 0.5}),
    (layers.GaussianDropout, {"rate": 0.3}),
    (layers.AlphaDropout, {"rate": 0.2}),
    (layers.SpatialDropout1D, {"rate": 0.5}),
]


@pytest.mark.parametrize("cls,kwargs", NOISE, ids=[c.__name__ for c, _ in NOISE])
def test_noise_identity_at_inference_and_seeded(cls, kwargs):
    x = np.random.default_rng(0).normal(size=(8, 10, 6)).astype(np.float32)
    layer = cls(seed=4, **kwargs)
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    noisy = np.asarray(layer(x, training=True))
    assert noisy.shape == x.shape and not np.allclose(noisy, x)
    again = np.asarray(cls(seed=4, **kwargs)(x, training=True))
    np.testing.assert_allclose(noisy, again)
    # Each call draws anew (the layer's SeedGenerator advances).
    assert not np.allclose(np.asarray(layer(x, training=True)), noisy)
    clone = cls.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_noise_statistics():
    x = np.ones((200, 500), np.float32)
    noise = np.asarray(layers.GaussianNoise(0.5, seed=1)(x, training=True)) - 1
    assert abs(noise.mean()) < 0.01 and abs(noise.std() - 0.5) < 0.01
    drop = np.asarray(layers.GaussianDropout(0.3, seed=1)(x, training=True))
    assert abs(drop.mean() - 1) < 0.01 and abs(drop.std() - np.sqrt(0.3 / 0.7)) < 0.01
    # Alpha dropout keeps a standard normal input's mean and variance.
    z = np.random.default_rng(2).normal(size=(200, 500)).astype(np.float32)
    alpha = np.asarray(layers.AlphaDropout(0.2, seed=1)(z, training=True))
    assert abs(alpha.mean()) < 0.02 and abs(alpha.std() - 1) < 0.02


@pytest.mark.parametrize(
    "cls,shape,fmt",
    [
        (layers.SpatialDropout1D, (4, 6, 50), None),
        (layers.SpatialDropout2D, (4, 3, 5, 50), "channels_last"),
        (layers.SpatialDropout2D, (4, 50, 3, 5), "channels_first"),
        (layers.SpatialDropout3D, (4, 2, 3, 2, 50), "channels_last"),
    ],
)
def test_spatial_dropout_drops_whole_channels(cls, shape, fmt):
    kwargs = {} if fmt is None else {"data_format": fmt}
    x = np.ones(shape, np.float32)
    out = np.asarray(cls(0.5, seed=3, **kwargs)(x, training=True))
    channel_axis = 1 if fmt == "channels_first" else -1
    moved = np.moveaxis(out, channel_axis, 1).reshape(shape[0], 50, -1)
    # Each (sample, channel) map is all zeros or all 2 (= 1 / (1 - rate)).
    assert np.all(moved.min(-1) == moved.max(-1))
    assert set(np.unique(moved).tolist()) == {0.0, 2.0}


def test_noise_layers_in_fit_and_predict():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6, 4)).astype(np.float32)
    y = rng.normal(size=(64, 1)).astype(np.float32)
    model = keras.Sequential(
        [
            keras.Input((6, 4)),
            layers.GaussianNoise(0.1, seed=1),
            layers.SpatialDropout1D(0.2, seed=2),
            layers.Flatten(),
            layers.GaussianDropout(0.1, seed=3),
            layers.AlphaDropout(0.1, seed=4),
            layers.Dense(1),
            layers.ActivityRegularization(l1=0.01),
        ]
    )
    model.compile("adam", "mse")
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    # Inference is deterministic: the noise is off.
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))


def test_activity_regularization_adds_loss():
    layer = layers.ActivityRegularization(l1=0.1, l2=0.01)
    x = np.full((2, 3), 2.0, np.float32)
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    # Keras 3 divides by the batch size: (0.1 * 12 + 0.01 * 24) / 2.
    np.testing.assert_allclose(float(layer.losses[0]), 0.72, rtol=1e-6)
    assert layers.ActivityRegularization.from_config(layer.get_config()).l1 == 0.1


@pytest.mark.parametrize(
    "make",
    [
        lambda: layers.Cropping2D(-1),
        lambda: layers.ZeroPadding3D(((1, 1), (1, 1))),
        lambda: layers.UpSampling2D(interpolation="cubic"),
        lambda: layers.MaxPooling3D(data_format="channels_middle"),
        lambda: layers.GaussianDropout(1.5),
        lambda: layers.GaussianNoise(-1.0),
    ],
)
def test_bad_arguments_raise(make):
    with pytest.raises(ValueError):
        make()


def test_cropping_everything_raises():
    with pytest.raises(ValueError, match="cropping"):
        layers.Cropping1D((3, 3))(np.ones((1, 6, 2), np.float32))


def test_dropout_noise_shape_broadcasts_and_trains():
    layer = layers.Dropout(0.5, noise_shape=(None, 1, 1, 8), seed=2)
    x = np.ones((6, 3, 3, 8), np.float32)
    out = np.asarray(layer(x, training=True))
    # One draw per (sample, channel), shared over the spatial axes.
    assert np.all(out.min(axis=(1, 2)) == out.max(axis=(1, 2)))
    assert set(np.unique(out).tolist()) == {0.0, 2.0}
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    assert layers.Dropout.from_config(layer.get_config()).noise_shape == (None, 1, 1, 8)
    model = keras.Sequential([keras.Input((3, 3, 8)), layer, layers.Flatten(), layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(x, np.ones((6, 1)), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
