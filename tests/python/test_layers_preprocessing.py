"""Preprocessing and augmentation layers against Keras 3: the deterministic
ones replay Keras's outputs and gradients; the random ones apply Keras's
own recorded draws (`transform_images`) with Keras's results, pass data
unchanged at inference, trace into compiled training steps with a new draw
each step, and repeat under a seed."""

import json

import numpy as np
import pytest
from vision_reference import DATA, case_ids, replay

import pykeras as keras
from pykeras import layers

_CASES = case_ids({"Rescaling", "Resizing", "CenterCrop", "Normalization"})


@pytest.mark.parametrize("index", [i for i, _ in _CASES], ids=[n for _, n in _CASES])
def test_matches_keras(index):
    replay(index)


def _transforms():
    return json.loads(DATA.read_text())["transforms"]


@pytest.mark.parametrize(
    "case", _transforms(), ids=[f"{c['layer']}-{i}" for i, c in enumerate(_transforms())]
)
def test_keras_draw_gives_keras_output(case):
    layer = getattr(layers, case["layer"])(**case["kwargs"])
    x = np.asarray(case["input"], np.float32)
    transformation = {k: np.asarray(v, np.float32) for k, v in case["transformation"].items()}
    if "flips" in transformation:
        transformation["flips"] = transformation["flips"] > 0.5
    out = np.asarray(layer.transform_images(x, transformation, training=True))
    expected = np.asarray(case["output"], np.float32)
    np.testing.assert_allclose(
        out, expected, rtol=1e-5, atol=2e-5 * max(1.0, np.abs(expected).max())
    )


RANDOM = [
    (layers.RandomFlip, {}),
    (layers.RandomRotation, {"factor": 0.2}),
    (layers.RandomZoom, {"height_factor": 0.3}),
    (layers.RandomTranslation, {"height_factor": 0.2, "width_factor": 0.2}),
    (layers.RandomContrast, {"factor": 0.5}),
    (layers.RandomBrightness, {"factor": 0.3}),
]


def _images(shape=(4, 8, 7, 3)):
    return np.random.default_rng(0).uniform(0, 255, size=shape).astype(np.float32)


@pytest.mark.parametrize("cls,kwargs", RANDOM, ids=[c.__name__ for c, _ in RANDOM])
def test_random_layer_identity_at_inference_and_random_in_training(cls, kwargs):
    x = _images()
    layer = cls(seed=3, **kwargs)
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    # Keras's default on arrays is training=True.
    eager = np.asarray(layer(x))
    assert eager.shape == x.shape and not np.allclose(eager, x)
    # In a model: predict passes through; a traced training call augments.
    inp = keras.Input((8, 7, 3))
    model = keras.Model(inp, cls(seed=3, **kwargs)(inp))
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    assert not np.allclose(np.asarray(model(x, training=True)), x)
    # A seed repeats the sequence of draws.
    a, b = cls(seed=11, **kwargs), cls(seed=11, **kwargs)
    np.testing.assert_allclose(np.asarray(a(x)), np.asarray(b(x)), atol=1e-4)
    assert config_round_trip(layer)


def config_round_trip(layer):
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    return True


def test_random_crop_training_and_inference():
    x = _images((2, 8, 6, 3))
    layer = layers.RandomCrop(4, 5, seed=1)
    out = np.asarray(layer(x, training=True))
    assert out.shape == (2, 4, 5, 3)
    # The window is one of x's windows.
    found = any(np.allclose(out, x[:, i : i + 4, j : j + 5]) for i in range(5) for j in range(2))
    assert found
    # Keras 3 passes the images unchanged at inference.
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)


def test_flip_values_are_flips():
    x = _images((16, 3, 4, 1))
    out = np.asarray(layers.RandomFlip("horizontal", seed=5)(x))
    for img, o in zip(x, out):
        assert np.array_equal(o, img) or np.array_equal(o, img[:, ::-1])
    assert not np.array_equal(out, x) and not np.array_equal(out, x[:, :, ::-1])


def test_augmentation_in_fit_draws_each_step():
    """A model with augmentation trains; each compiled step draws anew."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(64, 8, 8, 1)).astype(np.float32)
    y = rng.integers(0, 2, size=(64,))
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            layers.RandomFlip("horizontal", seed=1),
            layers.RandomRotation(0.1, seed=2),
            layers.RandomZoom(0.1, seed=3),
            layers.RandomTranslation(0.1, 0.1, seed=4),
            layers.Conv2D(4, 3, activation="relu"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(2),
        ]
    )
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    # The seed generators advanced once per step (4 steps x 2 epochs).
    counters = [float(layer.generator.state.numpy()[1]) for layer in model.layers[:4]]
    assert all(c >= 8 for c in counters), counters


def test_normalization_adapt_matches_numpy_and_saves(tmp_path):
    rng = np.random.default_rng(1)
    data = rng.normal(3.0, 2.0, size=(50, 4)).astype(np.float32)
    layer = layers.Normalization()
    layer.adapt(data)
    np.testing.assert_allclose(layer.adapt_mean.numpy(), data.mean(0), rtol=1e-5)
    np.testing.assert_allclose(layer.adapt_variance.numpy(), data.var(0), rtol=1e-4)
    out = np.asarray(layer(data))
    np.testing.assert_allclose(out, (data - data.mean(0)) / data.std(0), atol=1e-4)
    # Batches give the same statistics as the whole.
    batched = layers.Normalization()
    batched.adapt([data[:13], data[13:40], data[40:]])
    np.testing.assert_allclose(batched.adapt_mean.numpy(), data.mean(0), rtol=1e-5)
    np.testing.assert_allclose(batched.adapt_variance.numpy(), data.var(0), rtol=1e-4)
    # The statistics are weights: saved in the model file.
    inp = keras.Input((4,))
    model = keras.Model(inp, layers.Dense(2)(layer(inp)))
    path = tmp_path / "norm.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0),
                               atol=1e-5)  # fmt: skip


@pytest.mark.parametrize(
    "make",
    [
        lambda: layers.RandomRotation(1.5),
        lambda: layers.RandomZoom(-1.0),
        lambda: layers.RandomFlip("diagonal"),
        lambda: layers.RandomRotation(0.1, fill_mode="bogus"),
        lambda: layers.RandomContrast(2.0),
        lambda: layers.Resizing(0, 4),
        lambda: layers.Normalization(mean=[1.0]),
    ],
)
def test_bad_arguments_raise(make):
    with pytest.raises(ValueError):
        make()


def test_bad_rank_names_layer():
    with pytest.raises(ValueError, match="resizing|Resizing"):
        layers.Resizing(2, 2)(np.ones((2, 3), np.float32))


def test_loads_keras_saved_model_with_vision_layers(tmp_path):
    """A Keras 3 `.keras` file with the new layers (Rescaling, random layers,
    adapted Normalization, separable/depthwise/transposed/3-D convolutions,
    cropping, padding, bilinear upsampling, noise) loads and predicts as
    Keras; saved again by pykeras, it loads back the same."""
    case = json.loads(DATA.read_text())["saved_model"]
    path = DATA.parents[1] / "saving" / "vision_model.keras"
    model = keras.saving.load_model(path)
    x = np.asarray(case["input"], np.float32)
    expected = np.asarray(case["output"], np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=2e-5)
    again = tmp_path / "again.keras"
    model.save(again)
    reloaded = keras.saving.load_model(again)
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), expected, rtol=1e-4, atol=2e-5)
