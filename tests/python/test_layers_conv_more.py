"""The convolution family beyond Conv1D/Conv2D against Keras 3: Conv3D, the
transposed, depthwise and separable convolutions, groups, causal padding
and channels-first inputs (outputs, gradients, configs), plus training and
.keras round trips and the errors Keras raises."""

import numpy as np
import pytest
from vision_reference import case_ids, replay

import pykeras as keras
from pykeras import layers

CONV_LAYERS = {
    "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
    "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
}  # fmt: skip


_CASES = case_ids(CONV_LAYERS)


@pytest.mark.parametrize("index", [i for i, _ in _CASES], ids=[n for _, n in _CASES])
def test_matches_keras(index):
    replay(index)


def _autoencoder():
    """The Keras convolutional autoencoder example, as written for Keras."""
    inp = keras.Input(shape=(16, 16, 1))
    x = layers.Conv2D(8, (3, 3), activation="relu", padding="same")(inp)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.SeparableConv2D(8, (3, 3), activation="relu", padding="same")(x)
    x = layers.DepthwiseConv2D(3, padding="same")(x)
    x = layers.Conv2DTranspose(8, (3, 3), strides=2, activation="relu", padding="same")(x)
    out = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)
    return keras.Model(inp, out)


def test_autoencoder_trains_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(32, 16, 16, 1)).astype(np.float32)
    keras.utils.set_random_seed(1)
    model = _autoencoder()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, x, epochs=3, batch_size=8, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
    path = tmp_path / "ae.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)  # fmt: skip


def test_conv3d_family_trains():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 4, 6, 6, 2)).astype(np.float32)
    y = rng.normal(size=(16, 1)).astype(np.float32)
    model = keras.Sequential(
        [
            keras.Input((4, 6, 6, 2)),
            layers.Conv3D(4, 3, padding="same", activation="relu"),
            layers.MaxPooling3D(2),
            layers.Conv3DTranspose(2, 2, strides=2),
            layers.GlobalAveragePooling3D(),
            layers.Dense(1),
        ]
    )
    model.compile("adam", "mse")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before


def test_keras_weight_names():
    layer = layers.SeparableConv2D(4, 3)
    layer.build((None, 8, 8, 3))
    assert [w.name for w in layer.weights] == ["depthwise_kernel", "pointwise_kernel", "bias"]
    assert [w.shape for w in layer.weights] == [(3, 3, 3, 1), (1, 1, 3, 4), (4,)]
    dw = layers.DepthwiseConv2D(3, depth_multiplier=2)
    dw.build((None, 8, 8, 3))
    assert [(w.name, w.shape) for w in dw.weights] == [("kernel", (3, 3, 3, 2)), ("bias", (6,))]
    tr = layers.Conv2DTranspose(5, 3)
    tr.build((None, 8, 8, 3))
    assert tr.kernel.shape == (3, 3, 5, 3)


@pytest.mark.parametrize(
    "make",
    [
        lambda: layers.Conv3D(2, 3, strides=0),
        lambda: layers.Conv2DTranspose(2, 3, dilation_rate=0),
        lambda: layers.Conv2D(2, 3, strides=2, dilation_rate=2),
        lambda: layers.DepthwiseConv2D(3, data_format="channels_middle"),
        lambda: layers.Conv2D(4, 3, groups=3),
        lambda: layers.Conv2DTranspose(2, 3, strides=2, output_padding=2),
        lambda: layers.Conv2D(2, 3, padding="causal"),
    ],
)
def test_bad_arguments_raise(make):
    with pytest.raises(ValueError):
        make()


def test_kernel_larger_than_input_names_layer():
    with pytest.raises(ValueError, match="conv3d"):
        layers.Conv3D(2, 5, name="conv3d")(np.ones((1, 3, 8, 8, 1), np.float32))
    with pytest.raises(ValueError, match="groups"):
        layers.Conv2D(4, 3, groups=2)(np.ones((1, 8, 8, 3), np.float32))


def _small_xception(input_shape, num_classes):
    """The Keras "image classification from scratch" example's model, as written."""
    data_augmentation_layers = [layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)]

    def data_augmentation(images):
        for layer in data_augmentation_layers:
            images = layer(images)
        return images

    inputs = keras.Input(shape=input_shape)
    x = data_augmentation(inputs)
    x = layers.Rescaling(1.0 / 255)(x)
    x = layers.Conv2D(16, 3, strides=2, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    previous_block_activation = x
    for size in [32, 64]:
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        residual = layers.Conv2D(size, 1, strides=2, padding="same")(previous_block_activation)
        x = layers.add([x, residual])
        previous_block_activation = x
    x = layers.SeparableConv2D(128, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    units = 1 if num_classes == 2 else num_classes
    x = layers.Dropout(0.25)(x)
    outputs = layers.Dense(units, activation=None)(x)
    return keras.Model(inputs, outputs)


def test_small_xception_example_runs():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, size=(32, 24, 24, 3)).astype(np.float32)
    y = rng.integers(0, 2, size=(32, 1)).astype(np.float32)
    model = _small_xception((24, 24, 3), 2)
    model.compile(
        optimizer=keras.optimizers.Adam(3e-4),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.BinaryAccuracy(name="acc")],
    )
    history = model.fit(x, y, epochs=2, batch_size=8, validation_split=0.25, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    predictions = model.predict(x[:4], verbose=0)
    assert predictions.shape == (4, 1)
    # Inference is deterministic: augmentation and dropout are off.
    np.testing.assert_array_equal(predictions, model.predict(x[:4], verbose=0))
