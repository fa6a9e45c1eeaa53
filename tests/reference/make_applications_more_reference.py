"""Records Keras 3's MobileNet, MobileNetV3, InceptionV3, InceptionResNetV2,
ConvNeXt, EfficientNetV2 and NASNet applications for
tests/python/test_applications_more.py.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python \
        tests/reference/make_applications_more_reference.py

It writes tests/reference/data/applications_more.json with:

- "models": small-input models built with `weights=None` whose weights are
  all set from `application_weights.weight_value(key, shape)`, `key` being
  `layer/weight` (application_keys.weight_keys); the outputs on
  `application_keys.sample_input` images, kept small by `output_record`,
  and a digest of the weight keys;
- "counts": every constructor at its default size: parameter counts,
  layer count and a digest of the layer names, and the summary's totals;
- "imagenet": the URL and checksum each constructor fetches for
  `weights="imagenet"` (Keras's `get_file` is intercepted: nothing is
  downloaded).
"""

import io
import json
import os
import pathlib
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import numpy as np  # noqa: E402
from application_keys import digest, output_record, sample_input, weight_keys  # noqa: E402
from application_weights import weight_value  # noqa: E402
from keras.src.utils import file_utils  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "data" / "applications_more.json"

S32 = (32, 32, 3)
# (constructor, arguments, pixels): `pixels` models take [0, 255] inputs.
MODELS = [
    ("MobileNet", {"alpha": 0.5, "classes": 5, "input_shape": S32}, False),
    ("MobileNet", {"alpha": 0.25, "depth_multiplier": 2, "include_top": False,
                   "pooling": "max", "input_shape": (40, 48, 3)}, False),
    ("MobileNetV3Small", {"classes": 5, "input_shape": S32}, True),
    ("MobileNetV3Small", {"alpha": 1.25, "classes": 3, "dropout_rate": 0.0,
                          "input_shape": (48, 40, 3)}, True),
    ("MobileNetV3Large", {"alpha": 0.75, "minimalistic": True, "include_top": False,
                          "pooling": "avg", "include_preprocessing": False,
                          "input_shape": S32}, False),
    ("MobileNetV3Large", {"include_top": False, "input_shape": S32}, True),
    ("InceptionV3", {"classes": 4, "input_shape": (75, 75, 3)}, False),
    ("InceptionResNetV2", {"include_top": False, "pooling": "avg",
                           "input_shape": (75, 75, 3)}, False),
    ("ConvNeXtTiny", {"classes": 5, "input_shape": S32}, True),
    ("ConvNeXtTiny", {"include_top": False, "include_preprocessing": False,
                      "input_shape": S32}, False),
    ("EfficientNetV2B0", {"classes": 5, "input_shape": S32}, True),
    ("EfficientNetV2B1", {"include_top": False, "pooling": "avg",
                          "include_preprocessing": False, "input_shape": S32}, False),
    ("EfficientNetV2S", {"include_top": False, "pooling": "max", "input_shape": S32}, True),
    ("NASNetMobile", {"classes": 5, "input_shape": S32}, False),
    ("NASNetMobile", {"include_top": False, "pooling": "avg", "input_shape": (40, 32, 3)},
     False),
]  # fmt: skip
NEW = [
    "MobileNet", "MobileNetV3Small", "MobileNetV3Large", "InceptionV3", "InceptionResNetV2",
    "ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtXLarge",
    "EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3",
    "EfficientNetV2S", "EfficientNetV2M", "EfficientNetV2L", "NASNetMobile", "NASNetLarge",
]  # fmt: skip
# Full-size models (default input) counted, beyond every constructor's default.
FULL_EXTRA = [
    ("MobileNet", {"alpha": 0.75, "depth_multiplier": 2, "input_shape": (160, 160, 3)}),
    ("MobileNetV3Small", {"minimalistic": True, "alpha": 0.75}),
    ("MobileNetV3Large", {"alpha": 1.5, "include_top": False}),
    ("EfficientNetV2B0", {"include_preprocessing": False}),
    ("ConvNeXtTiny", {"include_top": False, "pooling": "avg"}),
]
# weights="imagenet" calls beyond each constructor with and without the top.
IMAGENET_EXTRA = [
    ("MobileNet", {"alpha": 0.5, "input_shape": (160, 160, 3), "include_top": False}),
    ("MobileNet", {"alpha": 0.25, "input_shape": (128, 128, 3)}),
    ("MobileNetV3Small", {"minimalistic": True}),
    ("MobileNetV3Large", {"alpha": 0.75, "include_top": False}),
]


def _json_kwargs(kwargs):
    return {k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()}


def record_model(index, name, kwargs, pixels):
    keras.backend.clear_session()
    model = getattr(keras.applications, name)(weights=None, **kwargs)
    keys = weight_keys(model)
    assert len({k for k, _ in keys}) == len(keys), f"duplicate weight keys in {name}"
    for key, v in keys:
        v.assign(weight_value(key, tuple(v.shape)))
    x = sample_input(index, kwargs["input_shape"], pixels)
    y = np.asarray(model.predict(x, verbose=0))
    return {"model": name, "kwargs": _json_kwargs(kwargs), "pixels": pixels,
            "input_sum": float(x.astype(np.float64).sum()), "weights": len(keys),
            "keys": digest(k for k, _ in keys), "output": output_record(y)}  # fmt: skip


def _summary_totals(model):
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    text = "\n".join(lines)
    return [line.strip() for line in io.StringIO(text) if "params:" in line]


def record_count(name, kwargs):
    keras.backend.clear_session()
    model = getattr(keras.applications, name)(weights=None, **kwargs)
    return {"model": name, "kwargs": _json_kwargs(kwargs), "params": model.count_params(),
            "layers": len(model.layers), "names": digest(layer.name for layer in model.layers),
            "weights": len(model.weights), "summary": _summary_totals(model)}  # fmt: skip


class _Fetched(Exception):
    pass


def record_imagenet(name, kwargs):
    """The file Keras fetches for `weights="imagenet"` (nothing downloaded)."""
    calls = []

    def fake_get_file(fname=None, origin=None, file_hash=None, **_):
        calls.append({"url": origin or fname, "hash": file_hash})
        raise _Fetched

    keras.backend.clear_session()
    real = file_utils.get_file
    file_utils.get_file = fake_get_file
    try:
        getattr(keras.applications, name)(weights="imagenet", **kwargs)
    except _Fetched:
        pass
    finally:
        file_utils.get_file = real
    assert len(calls) == 1, (name, kwargs, calls)
    return {"model": name, "kwargs": _json_kwargs(kwargs), **calls[0]}


def main():
    start = time.time()
    models = [record_model(i, *case) for i, case in enumerate(MODELS)]
    print(f"{len(models)} models ({time.time() - start:.0f}s)", flush=True)
    counts = [record_count(name, {}) for name in NEW]
    counts += [record_count(name, kwargs) for name, kwargs in FULL_EXTRA]
    print(f"{len(counts)} counts ({time.time() - start:.0f}s)", flush=True)
    imagenet = [record_imagenet(name, {"include_top": top}) for name in NEW
                for top in (True, False)]  # fmt: skip
    imagenet += [record_imagenet(name, kwargs) for name, kwargs in IMAGENET_EXTRA]
    OUT.write_text(json.dumps({"keras": keras.__version__, "models": models, "counts": counts,
                               "imagenet": imagenet}, indent=None))  # fmt: skip
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {time.time() - start:.0f}s)")


if __name__ == "__main__":
    main()
