"""keras.applications MobileNet, MobileNetV3Small/Large, InceptionV3,
InceptionResNetV2, ConvNeXt*, EfficientNetV2* and NASNet* against Keras 3
(tests/reference/make_applications_more_reference.py): outputs on weights set
from each weight's layer and name, parameter counts, layer names and summary
totals of every constructor, the files `weights="imagenet"` fetches, the
preprocessing functions, the custom layers and the argument errors."""

import functools
import json
import pathlib
import sys
import warnings

import numpy as np
import pytest

import pykeras as keras
from pykeras import applications
from pykeras.applications import convnext, imagenet_utils, inception_resnet_v2
from pykeras.layers.op_layer import OpLayer

REF = pathlib.Path(__file__).resolve().parents[1] / "reference"
sys.path.insert(0, str(REF))
from application_keys import digest, sample_input, weight_keys  # noqa: E402
from application_weights import weight_value  # noqa: E402


@functools.lru_cache(maxsize=1)
def data():
    return json.loads((REF / "data" / "applications_more.json").read_text())


def _kwargs(raw):
    return {k: tuple(v) if k == "input_shape" else v for k, v in raw.items()}


def _ids(section):
    return [f"{c['model']}-{i}" for i, c in enumerate(data()[section])]


def _build(case, **extra):
    keras.backend.clear_session()
    return getattr(applications, case["model"])(**{"weights": None, **_kwargs(case["kwargs"])},
                                                **extra)  # fmt: skip


def _layers(model):
    # pykeras records ops applied to symbolic tensors (`x + 3.0`) as layers;
    # Keras keeps them out of `model.layers`.
    return [layer for layer in model.layers if not isinstance(layer, OpLayer)]


def _check_output(out, record):
    out = np.asarray(out, np.float64)
    assert list(out.shape) == record["shape"]
    if "values" in record:
        expected = np.asarray(record["values"]).reshape(out.shape)
        scale = max(1.0, float(np.abs(expected).max()))
        np.testing.assert_allclose(out, expected, rtol=1e-4, atol=2e-5 * scale)
        return
    scale = max(1.0, record["absmax"])
    idx = np.linspace(0, out.size - 1, 64).round().astype(int)
    np.testing.assert_allclose(out.ravel()[idx], record["sample"], rtol=1e-4, atol=2e-5 * scale)
    np.testing.assert_allclose(out.mean(), record["mean"], rtol=1e-4, atol=2e-5 * scale)
    np.testing.assert_allclose(out.std(), record["std"], rtol=1e-4, atol=2e-5 * scale)
    np.testing.assert_allclose(np.abs(out).max(), record["absmax"], rtol=1e-4)


@pytest.mark.parametrize("index", range(15), ids=_ids("models"))
def test_outputs_match_keras_on_key_weights(index):
    case = data()["models"][index]
    model = _build(case)
    keys = weight_keys(model)
    assert len(keys) == case["weights"]
    assert digest(k for k, _ in keys) == case["keys"]
    for key, v in keys:
        v.assign(weight_value(key, tuple(v.shape)))
    x = sample_input(index, case["kwargs"]["input_shape"], case["pixels"])
    assert float(x.astype(np.float64).sum()) == pytest.approx(case["input_sum"], rel=1e-12)
    _check_output(model.predict(x, verbose=0), case["output"])


@pytest.mark.parametrize("index", range(24), ids=_ids("counts"))
def test_counts_names_and_summary_match_keras(index):
    case = data()["counts"][index]
    model = _build(case)
    assert model.count_params() == case["params"]
    layers = _layers(model)
    assert len(layers) == case["layers"]
    assert digest(layer.name for layer in layers) == case["names"]
    assert len(model.weights) == case["weights"]
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    totals = [line.strip() for line in "\n".join(lines).splitlines() if "params:" in line]
    assert totals == case["summary"]


@pytest.mark.parametrize("index", range(42), ids=_ids("imagenet"))
def test_imagenet_fetches_keras_file(index, monkeypatch):
    """`weights="imagenet"` asks for Keras's file and checksum (intercepted)."""
    case = data()["imagenet"][index]
    calls = []

    class Fetched(Exception):
        pass

    def fake_fetch(file_name, origin, file_hash=None):
        calls.append((file_name, origin, file_hash))
        raise Fetched

    monkeypatch.setattr(imagenet_utils, "fetch_weights", fake_fetch)
    keras.backend.clear_session()
    with warnings.catch_warnings(), pytest.raises(Fetched):
        # MobileNet(V3) warn when the size has no weights of its own.
        warnings.simplefilter("ignore")
        getattr(applications, case["model"])(weights="imagenet", **_kwargs(case["kwargs"]))
    assert calls == [(case["url"].rsplit("/", 1)[1], case["url"], case["hash"])]


def test_imagenet_size_without_weights_warns(monkeypatch):
    def fake_fetch(file_name, origin, file_hash=None):
        raise OSError(file_name)

    monkeypatch.setattr(imagenet_utils, "fetch_weights", fake_fetch)
    with pytest.warns(UserWarning, match="224"), pytest.raises(OSError, match="_224_tf"):
        applications.MobileNet(weights="imagenet", include_top=False, input_shape=(96, 96, 3))


def test_imagenet_offline_error_names_the_file(monkeypatch):
    def offline(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(imagenet_utils, "get_file", offline)
    with pytest.raises(OSError, match=r"inception_v3_weights_tf_dim_ordering.*weights=None"):
        applications.InceptionV3(weights="imagenet")


def test_weights_path_round_trip(tmp_path):
    model = applications.MobileNetV3Small(weights=None, input_shape=(32, 32, 3), classes=3)
    for key, v in weight_keys(model):
        v.assign(weight_value(key, tuple(v.shape)))
    path = tmp_path / "small.weights.h5"
    model.save_weights(path)
    again = applications.MobileNetV3Small(weights=str(path), input_shape=(32, 32, 3), classes=3)
    x = sample_input(0, (32, 32, 3), True)
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)  # fmt: skip


def test_input_tensor_and_names():
    inp = keras.Input((32, 32, 3))
    model = applications.MobileNet(weights=None, alpha=0.25, include_top=False,
                                   input_tensor=inp, pooling="avg")  # fmt: skip
    assert model.inputs[0] is inp
    assert model.output_shape == (None, 256)
    assert model.name == "mobilenet_0.25_None"  # Keras names it from the input_shape rows
    model = applications.ConvNeXtTiny(weights=None, include_top=False, input_tensor=inp)
    assert model.output_shape == (None, 1, 1, 768)
    model = applications.MobileNetV3Small(weights=None, input_tensor=inp, include_top=False)
    assert model.inputs[0] is inp
    assert model.output_shape == (None, 1, 1, 576)
    assert applications.EfficientNetV2B0(weights=None).name == "efficientnetv2-b0"
    # Keras looks the blocks up by the model's name (a KeyError for any other);
    # pykeras by the variant.
    renamed = applications.EfficientNetV2B0(weights=None, name="mine")
    assert renamed.count_params() == applications.EfficientNetV2B0(weights=None).count_params()
    assert applications.NASNetMobile(weights=None, include_top=False).input_shape == (
        None, 224, 224, 3)  # fmt: skip


def test_preprocess_and_decode_functions():
    x = np.random.default_rng(0).uniform(0, 255, (2, 4, 4, 3)).astype(np.float32)
    for module in ("mobilenet", "inception_v3", "inception_resnet_v2", "nasnet"):
        out = getattr(applications, module).preprocess_input(x.copy())
        np.testing.assert_allclose(out, x / 127.5 - 1, rtol=1e-6, atol=1e-6)
    for module in ("mobilenet_v3", "convnext", "efficientnet_v2"):
        assert getattr(applications, module).preprocess_input(x) is x
    for module in ("mobilenet", "mobilenet_v3", "inception_v3", "inception_resnet_v2",
                   "convnext", "efficientnet_v2", "nasnet"):  # fmt: skip
        with pytest.raises(ValueError, match="1000"):
            getattr(applications, module).decode_predictions(np.zeros((1, 10)))


def test_stochastic_depth_and_layer_scale():
    layer = convnext.StochasticDepth(0.5)
    x = np.ones((64, 2, 2, 3), np.float32)
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    out = np.asarray(layer(x, training=True))
    per_sample = out.reshape(64, -1)
    # Each sample's branch is dropped or kept whole, the kept ones scaled by 2.
    assert set(np.unique(per_sample)) <= {0.0, 2.0}
    assert np.all(per_sample.min(axis=1) == per_sample.max(axis=1))
    assert 0 < (per_sample[:, 0] == 0).sum() < 64
    assert layer.get_config()["drop_path_rate"] == 0.5
    with pytest.raises(ValueError, match="drop_path_rate"):
        convnext.StochasticDepth(1.5)
    scale = convnext.LayerScale(0.5, 3)
    np.testing.assert_allclose(np.asarray(scale(x)), 0.5 * x)
    assert [tuple(w.shape) for w in scale.weights] == [(3,)]
    assert scale.get_config()["projection_dim"] == 3
    block = inception_resnet_v2.CustomScaleLayer(0.25)
    np.testing.assert_allclose(np.asarray(block([x, 2 * x])), 1.5 * x)


def test_convnext_with_stochastic_depth_trains():
    model = convnext.ConvNeXt([1, 1, 1, 1], [8, 16, 24, 32], drop_path_rate=0.3,
                              input_shape=(32, 32, 3), classes=3, include_preprocessing=False,
                              name="convnext_mini")  # fmt: skip
    names = [layer.name for layer in model.layers]
    assert "convnext_mini_stage_3_block_0_stochastic_depth" in names
    assert "convnext_mini_stage_0_block_0_identity" in names  # rate 0 at the first block
    model.compile("adam", "sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    history = model.fit(rng.uniform(-1, 1, (8, 32, 32, 3)), rng.integers(0, 3, 8), epochs=1,
                        batch_size=4, verbose=0)  # fmt: skip
    assert np.isfinite(history.history["loss"][0])


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: applications.MobileNet(weights="imagenet", depth_multiplier=2), "depth mult"),
        (lambda: applications.MobileNet(weights="imagenet", alpha=0.3), "alpha"),
        (lambda: applications.MobileNetV3Small(weights="imagenet", alpha=0.5), "alpha"),
        (lambda: applications.MobileNetV3Large(weights=None, input_shape=(16, 64, 3)),
         "at least 32x32"),
        (lambda: applications.InceptionV3(weights=None, include_top=False,
                                          input_shape=(64, 64, 3)), "at least 75x75"),
        (lambda: applications.InceptionResNetV2(weights="imagenet", classes=10), "classes"),
        (lambda: applications.ConvNeXtTiny(weights="no/such/file.h5"), "weights"),
        (lambda: applications.ConvNeXtSmall(weights="imagenet", name="mine"), "convnext_small"),
        (lambda: applications.EfficientNetV2S(weights=None, input_shape=(None, None, 3)),
         "static"),
        (lambda: applications.NASNetLarge(weights="imagenet", include_top=False,
                                          input_shape=(None, None, 3)), "static"),
        (lambda: convnext.ConvNeXt([3, 3, 3, 3], [8, 16, 24, 32], weights="imagenet",
                                   weights_name="convnext_tiny", name="convnext_tiny"),
         "Architecture configuration"),
        (lambda: applications.nasnet.NASNet(weights=None, penultimate_filters=100,
                                            input_shape=(32, 32, 3), include_top=False),
         "multiple of 24"),
    ],
)  # fmt: skip
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_channels_first_is_refused_where_keras_refuses(monkeypatch):
    monkeypatch.setattr(convnext, "default_data_format", lambda: "channels_first")
    with pytest.raises(ValueError, match="channels_first"):
        applications.ConvNeXtTiny(weights=None)
    monkeypatch.setattr(applications.nasnet, "default_data_format", lambda: "channels_first")
    with pytest.raises(ValueError, match="channels_first"):
        applications.NASNetMobile(weights=None)
