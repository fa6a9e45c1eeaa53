"""keras.utils image helpers: array/image conversions, files through
Pillow, and image_dataset_from_directory feeding fit."""

import numpy as np
import pytest

import pykeras as keras
from pykeras import utils
from pykeras.errors import FileFormatError

PIL = pytest.importorskip("PIL.Image")


def test_array_image_round_trip_and_formats(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(5, 7, 3)).astype(np.float32)
    img = utils.array_to_img(x, scale=False)
    assert img.size == (7, 5) and img.mode == "RGB"
    np.testing.assert_array_equal(utils.img_to_array(img), x)
    first = utils.img_to_array(img, data_format="channels_first")
    assert first.shape == (3, 5, 7)
    np.testing.assert_array_equal(first, x.transpose(2, 0, 1))
    # Scaling maps min..max to 0..255.
    scaled = utils.img_to_array(utils.array_to_img(np.linspace(0, 1, 6).reshape(2, 3, 1)))
    assert scaled.shape == (2, 3, 1) and scaled.min() == 0 and scaled.max() == 255
    rgba = utils.array_to_img(np.zeros((2, 2, 4)))
    assert rgba.mode == "RGBA"
    with pytest.raises(ValueError, match="rank 3"):
        utils.array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="channel"):
        utils.array_to_img(np.zeros((2, 2, 2)))


def test_save_and_load_img(tmp_path):
    x = np.random.default_rng(1).integers(0, 256, size=(6, 8, 3)).astype(np.float32)
    path = tmp_path / "a.png"
    utils.save_img(path, x, scale=False)
    loaded = utils.load_img(path)
    np.testing.assert_array_equal(utils.img_to_array(loaded), x)
    gray = utils.load_img(path, color_mode="grayscale")
    assert gray.mode == "L" and utils.img_to_array(gray).shape == (6, 8, 1)
    small = utils.load_img(path, target_size=(3, 4))
    assert small.size == (4, 3)
    expected = np.asarray(PIL.open(path).convert("RGB").resize((4, 3), PIL.Resampling.NEAREST))
    np.testing.assert_array_equal(utils.img_to_array(small), expected.astype(np.float32))
    cropped = utils.load_img(path, target_size=(4, 4), keep_aspect_ratio=True)
    assert cropped.size == (4, 4)
    with pytest.raises(ValueError, match="color_mode"):
        utils.load_img(path, color_mode="cmyk")


def test_load_img_bad_file_names_it(tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not an image at all")
    with pytest.raises(FileFormatError, match="broken.jpg"):
        utils.load_img(bad)


def _make_tree(root, counts, size=(10, 12)):
    rng = np.random.default_rng(2)
    images = {}
    for label, (name, count) in enumerate(counts.items()):
        (root / name).mkdir(parents=True)
        for i in range(count):
            x = rng.integers(0, 256, size=(*size, 3)).astype(np.uint8)
            path = root / name / f"img_{i:02d}.png"
            PIL.fromarray(x).save(path)
            images[str(path)] = (x, label)
    return images


def test_image_dataset_from_directory_batches_and_labels(tmp_path):
    images = _make_tree(tmp_path, {"cats": 5, "dogs": 4})
    ds = utils.image_dataset_from_directory(
        tmp_path, image_size=(10, 12), batch_size=4, shuffle=False, verbose=False
    )
    assert ds.class_names == ["cats", "dogs"] and len(ds) == 3
    x, y = ds[0]
    assert x.shape == (4, 10, 12, 3) and x.dtype == np.float32 and y.dtype == np.int32
    for path, img, label in zip(ds.file_paths[:4], x, y):
        np.testing.assert_array_equal(img, images[path][0].astype(np.float32))
        assert label == images[path][1]
    cat = utils.image_dataset_from_directory(
        tmp_path, image_size=(5, 6), label_mode="categorical", batch_size=9, shuffle=False,
        verbose=False,
    )  # fmt: skip
    x, y = cat[0]
    assert x.shape == (9, 5, 6, 3) and y.shape == (9, 2) and y.sum() == 9
    binary = utils.image_dataset_from_directory(
        tmp_path, image_size=(10, 12), label_mode="binary", verbose=False, seed=1
    )
    assert binary[0][1].shape == (9, 1)


def test_validation_split_is_disjoint_and_seeded(tmp_path):
    _make_tree(tmp_path, {"a": 6, "b": 4})
    kwargs = {"image_size": (4, 4), "validation_split": 0.3, "seed": 7, "verbose": False}
    train, val = utils.image_dataset_from_directory(tmp_path, subset="both", **kwargs)
    assert len(train.file_paths) == 7 and len(val.file_paths) == 3
    assert not set(train.file_paths) & set(val.file_paths)
    again = utils.image_dataset_from_directory(tmp_path, subset="training", **kwargs)
    assert again.file_paths == train.file_paths
    with pytest.raises(ValueError, match="seed"):
        utils.image_dataset_from_directory(
            tmp_path, validation_split=0.2, subset="training", verbose=False
        )


def test_dataset_feeds_fit(tmp_path):
    _make_tree(tmp_path, {"a": 6, "b": 6}, size=(8, 8))
    ds = utils.image_dataset_from_directory(
        tmp_path, image_size=(8, 8), batch_size=4, seed=1, verbose=False
    )
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Rescaling(1.0 / 255),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(2),
        ]
    )
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(ds, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))


def test_empty_directory_raises(tmp_path):
    (tmp_path / "a").mkdir()
    with pytest.raises(ValueError, match="No images found"):
        utils.image_dataset_from_directory(tmp_path, verbose=False)
