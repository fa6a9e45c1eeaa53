"""Records Keras 3's outputs of `keras.applications` models on weights
every framework can make from the weights' paths alone.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_applications_reference.py

Each model is built with `weights=None` at a small input size; every
variable is then set from its path (`layer_name/weight_name`) by
`application_weights.weight_value`, which tests/python/test_applications.py repeats, so
matching outputs mean the same architecture, layer names and weight
layouts. The parameter counts are recorded too. One small model is also
saved as a Keras `.weights.h5` file, which pykeras must load by name.
"""

import json
import os
import pathlib
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import numpy as np  # noqa: E402
from application_weights import weight_value  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "data" / "applications.json"
WEIGHTS_FILE = HERE / "data" / "mobilenet_v2_035_32_notop.weights.h5"

# (constructor, arguments) at 32x32 inputs.
MODELS = [
    ("VGG16", {"include_top": False, "pooling": "avg", "input_shape": (32, 32, 3)}),
    ("VGG19", {"include_top": True, "classes": 7, "input_shape": (32, 32, 3)}),
    ("ResNet50", {"include_top": True, "classes": 5, "input_shape": (32, 32, 3)}),
    ("ResNet50V2", {"include_top": False, "pooling": "max", "input_shape": (32, 32, 3)}),
    ("MobileNetV2", {"include_top": True, "classes": 6, "input_shape": (32, 32, 3)}),
    ("MobileNetV2", {"alpha": 0.5, "include_top": False, "input_shape": (48, 40, 3)}),
    ("Xception", {"include_top": True, "classes": 4, "input_shape": (71, 71, 3)}),
    ("DenseNet121", {"include_top": False, "pooling": "avg", "input_shape": (32, 32, 3)}),
    ("EfficientNetB0", {"include_top": True, "classes": 5, "input_shape": (32, 32, 3)}),
]
FULL = [
    ("VGG16", {}),
    ("VGG19", {}),
    ("ResNet50", {}),
    ("ResNet50V2", {}),
    ("MobileNetV2", {}),
    ("MobileNetV2", {"alpha": 0.35, "input_shape": (96, 96, 3)}),
    ("Xception", {}),
    ("DenseNet121", {}),
    ("EfficientNetB0", {}),
]


def main():
    rng = np.random.default_rng(18)
    records = []
    for name, kwargs in MODELS:
        # Fresh automatic names (Xception's unnamed layers), as the test makes them.
        keras.backend.clear_session()
        model = getattr(keras.applications, name)(weights=None, **kwargs)
        for v in model.weights:
            v.assign(weight_value(v.path, tuple(v.shape)))
        x = rng.uniform(-1, 1, size=(2, *kwargs["input_shape"])).astype(np.float32)
        y = np.asarray(model.predict(x, verbose=0))
        record = {"model": name, "kwargs": {**kwargs, "input_shape": list(kwargs["input_shape"])}}
        record.update(input=x.tolist(), output=y.tolist(), paths=[v.path for v in model.weights])
        records.append(record)
    counts = []
    for name, kwargs in FULL:
        model = getattr(keras.applications, name)(weights=None, **kwargs)
        counts.append({"model": name, "kwargs": kwargs, "params": model.count_params(),
                       "layers": len(model.layers)})  # fmt: skip
    small = keras.applications.MobileNetV2(
        alpha=0.35, include_top=False, weights=None, input_shape=(32, 32, 3)
    )
    wrng = np.random.default_rng(5)
    for v in small.weights:
        value = wrng.normal(0, 0.3, tuple(v.shape)).astype(np.float32)
        # Moving variances must be positive.
        v.assign(np.abs(value) + 0.5 if "variance" in v.path else value)
    small.save_weights(WEIGHTS_FILE)
    xs = rng.uniform(-1, 1, size=(2, 32, 32, 3)).astype(np.float32)
    file_case = {"input": xs.tolist(), "output": np.asarray(small.predict(xs, verbose=0)).tolist()}
    OUT.write_text(json.dumps({"keras": keras.__version__, "models": records, "counts": counts,
                               "weights_file": file_case}))  # fmt: skip
    print(
        f"wrote {len(records)} models, {len(counts)} counts to {OUT}; "
        f"{WEIGHTS_FILE.stat().st_size} bytes of weights"
    )


if __name__ == "__main__":
    main()
