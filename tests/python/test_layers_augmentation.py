"""The augmentation layers of Keras 3's image_preprocessing package against
Keras 3 (tests/reference/data/augmentation.json): deterministic settings
give Keras's outputs, Keras's own random draws replayed through
`transform_images` give Keras's outputs, configs match Keras's; the random
layers pass data unchanged at inference, trace into models, draw anew each
call and repeat under a seed."""

import functools
import json
import pathlib

import numpy as np
import pytest

import pykeras as keras
from pykeras import layers
from pykeras import random as krandom
from pykeras.layers.preprocessing._gamma import symmetric_beta

DATA = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data" / "augmentation.json"


@functools.lru_cache(maxsize=1)
def _cases():
    return json.loads(DATA.read_text())["cases"]


def _ids():
    return [f"{c['layer']}-{c['kind']}-{i}" for i, c in enumerate(_cases())]


def _build(case):
    cls = getattr(layers, case["layer"])
    kwargs = dict(case["kwargs"])
    if "seed" in cls.__init__.__code__.co_varnames:
        kwargs["seed"] = 7
    return cls(**kwargs)


def _decode(entry):
    """A recorded Keras transformation (nested dicts and lists of arrays)."""
    if entry is None:
        return None
    if "dict" in entry:
        return {k: _decode(v) for k, v in entry["dict"].items()}
    if "list" in entry:
        return [_decode(v) for v in entry["list"]]
    if "str" in entry:
        return entry["str"]
    value = np.asarray(entry["value"], dtype=entry["dtype"])
    return value.astype(np.float32) if value.dtype.kind == "f" else value


def _normalize(config):
    return json.loads(json.dumps(config, default=list))


@pytest.mark.parametrize("index", range(len(_cases())), ids=_ids())
def test_matches_keras(index):
    case = _cases()[index]
    layer = _build(case)
    x = np.asarray(case["input"], np.float32)
    if case["kind"] == "call":
        out = layer(x)
    else:
        transformation = _decode(case["transformation"])
        out = layer.transform_images(x, transformation, training=True)
    expected = np.asarray(case["output"], np.float32)
    out = np.asarray(out, np.float32)
    assert out.shape == expected.shape
    # float32 recomputation of values up to 255: a few units in the last place.
    atol = 2e-5 * max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(out, expected, rtol=0, atol=atol)
    config = _normalize(layer.get_config())
    for key in ("name", "dtype", "trainable"):
        config.pop(key, None)
    assert config == case["config"]
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def _images(shape=(4, 8, 7, 3), high=255.0, seed=0):
    return np.random.default_rng(seed).uniform(0, high, size=shape).astype(np.float32)


RANDOM = [
    (layers.Solarization, {"addition_factor": 0.2, "threshold_factor": 0.5}),
    (layers.RandomGrayscale, {"factor": 0.5}),
    (layers.RandomInvert, {}),
    (layers.RandomHue, {"factor": 0.5}),
    (layers.RandomSaturation, {"factor": (0.2, 0.8)}),
    (layers.RandomColorDegeneration, {"factor": 0.5}),
    (layers.RandomColorJitter, {"brightness_factor": 0.2, "contrast_factor": 0.3,
                                "saturation_factor": (0.3, 0.7), "hue_factor": 0.2}),
    (layers.RandomSharpness, {"factor": 0.8}),
    (layers.RandomPosterization, {"factor": (2, 6)}),
    (layers.RandomShear, {"x_factor": 0.3, "y_factor": 0.3}),
    (layers.RandomErasing, {}),
    (layers.RandomGaussianBlur, {"sigma": (0.3, 1.0)}),
    (layers.RandomPerspective, {"factor": (1.0, 1.0), "scale": 0.5}),
    (layers.RandomElasticTransform, {"factor": (1.0, 1.0), "scale": (0.8, 1.0)}),
    (layers.MixUp, {}),
    (layers.CutMix, {}),
    (layers.AugMix, {}),
    (layers.RandAugment, {"num_ops": 3}),
]  # fmt: skip


@pytest.mark.parametrize("cls,kwargs", RANDOM, ids=[c.__name__ for c, _ in RANDOM])
def test_random_layer_identity_at_inference_random_in_training_and_seeded(cls, kwargs):
    x = _images((4, 12, 11, 3))
    layer = cls(seed=3, **kwargs)
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    # Keras's default on arrays is training=True; each call draws anew.
    first, second = np.asarray(layer(x)), np.asarray(layer(x))
    assert first.shape == x.shape and not np.allclose(first, x)
    assert not np.allclose(first, second)
    # A seed repeats the sequence of draws.
    again = cls(seed=3, **kwargs)
    np.testing.assert_allclose(np.asarray(again(x)), first, atol=1e-3)
    # In a model: predict passes the data through; a training call augments.
    inp = keras.Input((12, 11, 3))
    model = keras.Model(inp, cls(seed=5, **kwargs)(inp))
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    assert not np.allclose(np.asarray(model(x, training=True)), x)
    clone = cls.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


@pytest.mark.parametrize("cls,kwargs", RANDOM, ids=[c.__name__ for c, _ in RANDOM])
def test_random_layer_single_image_and_channels_first(cls, kwargs):
    x = _images((12, 11, 3))
    out = np.asarray(cls(seed=1, **kwargs)(x))
    assert out.shape == x.shape and np.isfinite(out).all()
    # Channels first: the same draws give the transposed result. Left out:
    # the colour jitter (its inner layers are channels-last, as in Keras),
    # AugMix and RandAugment (Keras's AutoContrast reduces over axes 1 and 2
    # whatever the format), erasing with noise (drawn in the data's layout).
    if cls in (layers.RandomColorJitter, layers.AugMix, layers.RandAugment):
        return
    if cls is layers.RandomErasing:
        kwargs = {**kwargs, "fill_value": 9.0}
    batch = _images((3, 12, 11, 3))
    last = np.asarray(cls(seed=2, **kwargs)(batch))
    first = np.asarray(
        cls(seed=2, data_format="channels_first", **kwargs)(batch.transpose(0, 3, 1, 2))
    )
    np.testing.assert_allclose(first.transpose(0, 2, 3, 1), last, rtol=1e-4, atol=2e-3)


def test_augmentation_layers_train_in_fit():
    """Inside `fit` each compiled step draws new parameters."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, size=(32, 10, 9, 3)).astype(np.float32)
    y = rng.integers(0, 2, size=(32,))
    augment = [
        layers.RandomHue(0.2, seed=1),
        layers.RandomShear(0.2, 0.2, seed=2),
        layers.RandomSharpness(0.5, seed=3),
        layers.RandomErasing(seed=4),
        layers.RandAugment(seed=5),
    ]
    model = keras.Sequential(
        [keras.Input((10, 9, 3)), *augment, layers.Equalization(), layers.AutoContrast(),
         layers.Rescaling(1 / 255), layers.Conv2D(4, 3, activation="relu"),
         layers.GlobalAveragePooling2D(), layers.Dense(2)]
    )  # fmt: skip
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    counters = [float(layer.generator.state.numpy()[1]) for layer in augment]
    assert all(c >= 8 for c in counters), counters


def test_mix_up_mixes_images_and_labels_alike():
    x = _images((16, 5, 6, 3))
    labels = np.eye(4, dtype=np.float32)[np.arange(16) % 4]
    layer = layers.MixUp(alpha=0.5, seed=2)
    t = layer.get_random_transformation(x)
    w = np.asarray(t["mix_weight"])
    order = np.asarray(t["permutation_order"]).astype(int)
    assert sorted(order) == list(range(16))
    out = np.asarray(layer.transform_images(x, t))
    expected = w[:, None, None, None] * x + (1 - w[:, None, None, None]) * x[order]
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-3)
    mixed = np.asarray(layer.transform_labels(labels, t))
    np.testing.assert_allclose(mixed, w[:, None] * labels + (1 - w[:, None]) * labels[order],
                               atol=1e-6)  # fmt: skip
    result = layer({"images": x, "labels": labels})
    np.testing.assert_allclose(np.asarray(result["labels"]).sum(axis=1), 1.0, atol=1e-5)
    # Beta(a, a) weights: mean 1/2, variance 1 / (4 (2a + 1)).
    many = np.concatenate(
        [np.asarray(layer.get_random_transformation(x)["mix_weight"]) for _ in range(300)]
    )
    assert abs(many.mean() - 0.5) < 0.02 and abs(many.var() - 1 / 8) < 0.01


def test_cut_mix_pastes_boxes_and_weights_labels_by_area():
    x = _images((8, 20, 24, 3))
    labels = np.eye(8, dtype=np.float32)
    layer = layers.CutMix(seed=3)
    t = layer.get_random_transformation(x)
    masks = np.asarray(t["batch_masks"]).astype(bool)
    order = np.asarray(t["permutation_order"]).astype(int)
    out = np.asarray(layer.transform_images(x, t))
    np.testing.assert_array_equal(out, np.where(masks, x[order], x))
    # The kept share of each label is the share of the image not pasted over.
    weight = np.asarray(t["mix_weight"]).ravel()
    np.testing.assert_allclose(1 - masks[..., 0].mean(axis=(1, 2)), weight, atol=0.12)
    mixed = np.asarray(layer.transform_labels(labels, t))
    np.testing.assert_allclose(mixed.sum(axis=1), 1.0, atol=1e-5)
    # Each mask is one axis-aligned rectangle.
    for m in masks[..., 0]:
        if m.any():
            rows, cols = np.where(m.any(1))[0], np.where(m.any(0))[0]
            assert m[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].all()
    # A single image passes unchanged, as in Keras.
    np.testing.assert_array_equal(np.asarray(layer(x[0])), x[0])


@pytest.mark.parametrize("alpha", [0.3, 1.0, 2.5])
def test_beta_with_tensor_alpha_matches_distribution(alpha):
    draws = np.asarray(symmetric_beta(20000, np.float32(alpha), krandom.SeedGenerator(1)))
    assert np.isfinite(draws).all() and draws.min() >= 0 and draws.max() <= 1
    assert abs(draws.mean() - 0.5) < 0.01
    assert abs(draws.var() - 1 / (4 * (2 * alpha + 1))) < 0.01


def test_random_choices_have_keras_frequencies():
    x = _images((400, 2, 2, 3))
    gray = np.asarray(layers.RandomGrayscale(0.3, seed=1)(x))
    converted = np.isclose(gray[..., 0], gray[..., 2]).all(axis=(1, 2))
    assert abs(converted.mean() - 0.3) < 0.07
    # RandomInvert(1.0): a probability drawn in [0, 1], so half on average.
    inverted = np.asarray(layers.RandomInvert(seed=1)(x))
    share = np.isclose(inverted, 255 - x).all(axis=(1, 2, 3)).mean()
    assert abs(share - 0.5) < 0.08
    # Posterization keeps b in [2, 6) high bits: multiples of 2^(8 - b).
    poster = np.asarray(layers.RandomPosterization((2, 6), seed=1)(x))
    steps = [2 ** (8 - b) for b in (2, 3, 4, 5)]
    for img in poster:
        assert any(np.all(img % s == 0) for s in steps)


def test_equalization_in_a_traced_model_matches_eager():
    x = _images((3, 9, 8, 3))
    layer = layers.Equalization(bins=32)
    inp = keras.Input((9, 8, 3))
    model = keras.Model(inp, layer(inp))
    np.testing.assert_allclose(np.asarray(model(x, training=True)), np.asarray(layer(x)),
                               atol=1e-3)  # fmt: skip
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    # AutoContrast is active at inference too.
    auto = keras.Model(inp, layers.AutoContrast()(inp))
    out = auto.predict(x, verbose=0)
    np.testing.assert_allclose(out.min(axis=(1, 2)), 0.0, atol=1e-3)
    np.testing.assert_allclose(out.max(axis=(1, 2)), 255.0, atol=1e-3)


def test_pipeline_applies_layers_in_order_and_saves(tmp_path):
    x = _images((2, 6, 5, 3))
    pipeline = layers.Pipeline([layers.AutoContrast(), layers.RandomInvert((1.0, 1.0))])
    np.testing.assert_allclose(
        np.asarray(pipeline(x)), 255 - np.asarray(layers.AutoContrast()(x)), atol=1e-3
    )
    # At inference only the always-on layer applies.
    np.testing.assert_allclose(np.asarray(pipeline(x, training=False)),
                               np.asarray(layers.AutoContrast()(x)), atol=1e-3)  # fmt: skip
    config = pipeline.get_config()
    assert set(config) == {"layers", "name"}
    assert [c["class_name"] for c in config["layers"]] == ["AutoContrast", "RandomInvert"]
    clone = layers.Pipeline.from_config(config)
    assert clone.get_config() == config
    inp = keras.Input((6, 5, 3))
    model = keras.Model(inp, layers.Dense(2)(pipeline(inp)))
    path = tmp_path / "pipeline.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-4)  # fmt: skip
    assert isinstance(loaded.layers[1], layers.Pipeline)


def test_dicts_of_images_labels_and_masks():
    x = _images((3, 8, 7, 3))
    masks = np.random.default_rng(1).integers(0, 4, size=(3, 8, 7, 1)).astype(np.float32)
    labels = np.eye(3, dtype=np.float32)
    # A colour layer keeps labels and masks.
    out = layers.RandomHue(0.3, seed=1)({"images": x, "labels": labels,
                                          "segmentation_masks": masks})  # fmt: skip
    assert not np.allclose(np.asarray(out["images"]), x)
    np.testing.assert_array_equal(np.asarray(out["labels"]), labels)
    np.testing.assert_array_equal(np.asarray(out["segmentation_masks"]), masks)
    # A warping layer moves the masks as the images, keeping their classes.
    out = layers.RandomShear(0.4, 0.4, seed=1)({"images": x, "segmentation_masks": masks})
    warped = np.asarray(out["segmentation_masks"])
    assert set(np.unique(warped)) <= set(np.unique(masks)) and not np.array_equal(warped, masks)
    # At inference the dict passes unchanged.
    same = layers.RandomShear(0.4, seed=1)({"images": x}, training=False)
    np.testing.assert_array_equal(np.asarray(same["images"]), x)


BAD = [
    lambda: layers.AutoContrast(value_range=5),
    lambda: layers.Equalization(bins=1),
    lambda: layers.Solarization(addition_factor=1.5),
    lambda: layers.RandomGrayscale(factor=2.0),
    lambda: layers.RandomInvert(factor=-0.5),
    lambda: layers.RandomHue(1.5),
    lambda: layers.RandomSaturation((0.1, 0.2, 0.3)),
    lambda: layers.RandomPosterization(9),
    lambda: layers.RandomShear(x_factor=1.5),
    lambda: layers.RandomShear(0.2, fill_mode="bogus"),
    lambda: layers.RandomErasing(fill_value=(1, 2)),
    lambda: layers.RandomGaussianBlur(kernel_size=4),
    lambda: layers.RandomPerspective(scale=2.0),
    lambda: layers.RandomPerspective(interpolation="bicubic"),
    lambda: layers.RandomElasticTransform(fill_mode="bogus"),
    lambda: layers.MixUp(alpha=0.0),
    lambda: layers.AugMix(num_chains=0),
    lambda: layers.RandAugment(num_ops=-1),
    lambda: layers.Pipeline("not layers"),
    lambda: layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(0, 2)),
    lambda: layers.MaxNumBoundingBoxes(0),
]


@pytest.mark.parametrize("make", BAD, ids=range(len(BAD)))
def test_bad_arguments_raise(make):
    with pytest.raises(ValueError):
        make()


def test_bad_inputs_name_the_layer():
    with pytest.raises(ValueError, match="random_hue"):
        layers.RandomHue(0.2, name="random_hue")(np.ones((2, 4, 4, 1), np.float32))
    with pytest.raises(ValueError, match="solarization"):
        layers.Solarization(name="solarization")(np.ones((4, 4), np.float32))
    with pytest.raises(ValueError, match="bounding"):
        layers.RandomShear(0.2)({"images": _images((1, 4, 4, 3)), "bounding_boxes": {}})
    with pytest.raises(ValueError, match="images"):
        layers.RandomInvert()({"pictures": _images((1, 4, 4, 3))})


@pytest.mark.parametrize("index", range(3))
def test_max_num_bounding_boxes_matches_keras(index):
    case = json.loads(DATA.read_text())["bounding_boxes"][index]
    layer = layers.MaxNumBoundingBoxes(**case["kwargs"])
    images = np.asarray(case["images"], np.float32)
    data = {
        "images": images,
        "bounding_boxes": {
            "boxes": np.asarray(case["boxes"], np.float32),
            "labels": np.asarray(case["labels"], np.float32),
        },
    }
    # Active at inference too.
    out = layer(data, training=False)
    np.testing.assert_array_equal(np.asarray(out["images"]), images)
    np.testing.assert_array_equal(np.asarray(out["bounding_boxes"]["boxes"]), case["out_boxes"])
    np.testing.assert_array_equal(np.asarray(out["bounding_boxes"]["labels"]), case["out_labels"])
    config = _normalize(layer.get_config())
    for key in ("name", "dtype", "trainable", "fill_value"):
        config.pop(key, None)
    assert config == case["config"]
    clone = layers.MaxNumBoundingBoxes.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    with pytest.raises(ValueError, match="bounding_box_format"):
        layers.MaxNumBoundingBoxes(2)(data)


def test_clahe_in_a_traced_model_matches_eager():
    """Inside a model the batch size is unknown when the graph is built
    (one-hot histograms, batch numbers found at run time)."""
    x = _images((3, 10, 9, 2))
    layer = layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(3, 2))
    inp = keras.Input((10, 9, 2))
    model = keras.Model(inp, layer(inp))
    expected = np.asarray(layer(x))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=1e-3)
    np.testing.assert_allclose(np.asarray(model(x, training=True)), expected, atol=1e-3)


def test_loads_keras_saved_model_with_augmentation_layers(tmp_path):
    """A Keras 3 `.keras` file holding every augmentation layer loads and
    predicts as Keras (AutoContrast and CLAHE active, the random layers
    passing through); saved again by pykeras, it loads back the same."""
    case = json.loads(DATA.read_text())["saved_model"]
    model = keras.saving.load_model(DATA.parents[1] / "saving" / "augmentation_model.keras")
    x = np.asarray(case["input"], np.float32)
    expected = np.asarray(case["output"], np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=2e-5)
    again = tmp_path / "again.keras"
    model.save(again)
    reloaded = keras.saving.load_model(again)
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), expected, rtol=1e-4, atol=2e-5)


def test_mix_up_on_dict_inputs_inside_a_model():
    """Images and labels mixed alike inside a traced Functional model."""
    images, labels = keras.Input((8, 7, 3), name="images"), keras.Input((4,), name="labels")
    out = layers.MixUp(seed=1)({"images": images, "labels": labels})
    model = keras.Model({"images": images, "labels": labels}, out)
    x, y = _images((4, 8, 7, 3)), np.eye(4, dtype=np.float32)
    mixed = model({"images": x, "labels": y}, training=True)
    assert np.asarray(mixed["images"]).shape == x.shape
    np.testing.assert_allclose(np.asarray(mixed["labels"]).sum(axis=1), 1.0, atol=1e-5)
    assert not np.allclose(np.asarray(mixed["labels"]), y)
    passed = model.predict({"images": x, "labels": y}, verbose=0)
    np.testing.assert_array_equal(passed["labels"], y)
    np.testing.assert_array_equal(passed["images"], x)
