"""keras.applications against Keras 3: parameter counts and layer counts of
the full models, outputs on weights set from each variable's path (same
architecture, names and layouts), a Keras-saved weights file loaded by
name, the preprocessing functions, and the argument errors."""

import functools
import json
import pathlib
import sys

import numpy as np
import pytest

import pykeras as keras
from pykeras import applications

REF = pathlib.Path(__file__).resolve().parents[1] / "reference"
sys.path.insert(0, str(REF))
from application_weights import weight_value  # noqa: E402


@functools.lru_cache(maxsize=1)
def data():
    return json.loads((REF / "data" / "applications.json").read_text())


def _kwargs(raw):
    return {k: tuple(v) if k == "input_shape" else v for k, v in raw.items()}


@pytest.mark.parametrize("index", range(9))
def test_parameter_and_layer_counts_match_keras(index):
    case = data()["counts"][index]
    model = getattr(applications, case["model"])(weights=None, **_kwargs(case["kwargs"]))
    assert model.count_params() == case["params"]
    assert len(model.layers) == case["layers"]


@pytest.mark.parametrize("index", range(9))
def test_outputs_match_keras_on_path_weights(index):
    case = data()["models"][index]
    keras.backend.clear_session()
    model = getattr(applications, case["model"])(weights=None, **_kwargs(case["kwargs"]))
    paths = [v.path for v in model.weights]
    assert sorted(paths) == sorted(case["paths"])
    for v in model.weights:
        v.assign(weight_value(v.path, tuple(v.shape)))
    x = np.asarray(case["input"], np.float32)
    expected = np.asarray(case["output"], np.float32)
    out = model.predict(x, verbose=0)
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=2e-5 * scale)


def test_loads_keras_weights_file():
    model = applications.MobileNetV2(
        alpha=0.35, include_top=False, weights=None, input_shape=(32, 32, 3)
    )
    model.load_weights(REF / "data" / "mobilenet_v2_035_32_notop.weights.h5")
    case = data()["weights_file"]
    expected = np.asarray(case["output"], np.float32)
    out = model.predict(np.asarray(case["input"], np.float32), verbose=0)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=2e-5 * np.abs(expected).max())
    # The same file as `weights=`.
    again = applications.MobileNetV2(
        alpha=0.35,
        include_top=False,
        weights=str(REF / "data" / "mobilenet_v2_035_32_notop.weights.h5"),
        input_shape=(32, 32, 3),
    )
    np.testing.assert_allclose(
        again.predict(np.asarray(case["input"], np.float32), verbose=0), out, atol=1e-6
    )


def test_application_trains_as_feature_extractor():
    base = applications.MobileNetV2(
        alpha=0.35, include_top=False, weights=None, input_shape=(32, 32, 3), pooling="avg"
    )
    base.trainable = False
    inp = keras.Input((32, 32, 3))
    out = keras.layers.Dense(3)(base(inp))
    model = keras.Model(inp, out)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(0)
    history = model.fit(rng.uniform(-1, 1, (16, 32, 32, 3)), rng.integers(0, 3, 16),
                        epochs=1, batch_size=8, verbose=0)  # fmt: skip
    assert np.isfinite(history.history["loss"][0])


def test_preprocess_input_modes():
    x = np.random.default_rng(0).uniform(0, 255, (2, 4, 4, 3)).astype(np.float32)
    caffe = applications.resnet50.preprocess_input(x.copy())
    np.testing.assert_allclose(caffe, x[..., ::-1] - np.array([103.939, 116.779, 123.68]),
                               rtol=1e-6, atol=1e-4)  # fmt: skip
    tf = applications.mobilenet_v2.preprocess_input(x.copy())
    np.testing.assert_allclose(tf, x / 127.5 - 1, rtol=1e-6, atol=1e-6)
    torch = applications.imagenet_utils.preprocess_input(x.copy(), mode="torch")
    expected = (x / 255 - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(torch, expected, rtol=1e-5, atol=1e-5)
    first = applications.vgg16.preprocess_input(x.transpose(0, 3, 1, 2).copy(),
                                               data_format="channels_first")  # fmt: skip
    np.testing.assert_allclose(first, caffe.transpose(0, 3, 1, 2), atol=1e-4)
    # Inside a model, on symbolic tensors.
    inp = keras.Input((4, 4, 3))
    model = keras.Model(inp, applications.resnet50.preprocess_input(inp))
    np.testing.assert_allclose(model.predict(x, verbose=0), caffe, atol=1e-4)


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: applications.VGG16(weights="no/such/file.h5"), "weights"),
        (lambda: applications.ResNet50(weights="imagenet", classes=10), "classes"),
        (lambda: applications.MobileNetV2(weights=None, input_shape=(16, 16, 3)), "at least"),
        (lambda: applications.VGG16(weights=None, include_top=True, input_shape=(None, None, 3)),
         "static"),
        (lambda: applications.imagenet_utils.decode_predictions(np.zeros((2, 10))), "1000"),
    ],
)  # fmt: skip
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()
