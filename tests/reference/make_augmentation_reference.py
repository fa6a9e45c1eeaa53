"""Records what Keras 3 computes for the augmentation layers of its
`image_preprocessing` package (issue 18, point 2): AutoContrast,
Equalization, Solarization, the random colour layers, the warping layers
and the mixing layers.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_augmentation_reference.py

Two kinds of case, each on a small seeded input:

- "call": the layer called on the input (Keras's default `training=True`);
  for layers that are deterministic (AutoContrast, Equalization) or whose
  factors make them so (a range whose ends meet, a probability of 1).
- "replay": Keras draws a transformation (`get_random_transformation`) and
  applies it (`transform_images`); the fixture keeps both, so
  tests/python/test_layers_augmentation.py applies Keras's own draw with
  pykeras's `transform_images` and must find Keras's output.

It also records each layer's `get_config()` (minus name and dtype).
"""

import json
import os
import pathlib
import random as py_random

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "data" / "augmentation.json"

CF = {"data_format": "channels_first"}
UNIT = {"value_range": (0, 1)}

# (layer, kwargs, input shape, kind, input scale)
CASES = [
    ("AutoContrast", {}, (2, 5, 6, 3), "call", 200.0),
    ("AutoContrast", UNIT, (2, 5, 6, 3), "call", 0.7),
    ("AutoContrast", {**CF}, (2, 3, 5, 6), "call", 200.0),
    ("AutoContrast", {}, (5, 6, 3), "call", 120.0),
    ("Equalization", {}, (2, 6, 7, 3), "call", 255.0),
    ("Equalization", {"bins": 16, **UNIT}, (2, 6, 7, 3), "call", 1.0),
    ("Equalization", {"bins": 64, **CF}, (2, 3, 6, 7), "call", 255.0),
    ("Equalization", {}, (6, 7, 1), "call", 255.0),
    ("Solarization", {}, (2, 5, 6, 3), "call", 255.0),
    ("Solarization", {**UNIT}, (2, 5, 6, 3), "call", 1.0),
    ("Solarization", {"addition_factor": 0.3, "threshold_factor": 0.6},
     (3, 5, 6, 3), "replay", 255.0),
    ("Solarization", {"addition_factor": (0.1, 0.2), "threshold_factor": 0.5, **UNIT},
     (3, 5, 6, 3), "replay", 1.0),
    ("RandomGrayscale", {"factor": 1.0}, (2, 5, 6, 3), "call", 255.0),
    ("RandomGrayscale", {"factor": 1.0, **CF}, (2, 3, 5, 6), "call", 255.0),
    ("RandomGrayscale", {"factor": 0.5}, (6, 4, 5, 3), "replay", 255.0),
    ("RandomInvert", {"factor": (1.0, 1.0)}, (2, 5, 6, 3), "call", 255.0),
    ("RandomInvert", {"factor": (1.0, 1.0), **UNIT}, (5, 6, 3), "call", 1.0),
    ("RandomInvert", {"factor": 0.5}, (6, 4, 5, 3), "replay", 255.0),
    ("RandomHue", {"factor": 0.4}, (3, 5, 6, 3), "replay", 255.0),
    ("RandomHue", {"factor": (0.2, 0.9), **UNIT, **CF}, (3, 3, 5, 6), "replay", 1.0),
    ("RandomSaturation", {"factor": (0.2, 0.8)}, (3, 5, 6, 3), "replay", 255.0),
    ("RandomSaturation", {"factor": 0.5, **CF}, (3, 3, 5, 6), "replay", 255.0),
    ("RandomSaturation", {"factor": (0.7, 0.7), **UNIT}, (2, 5, 6, 3), "call", 1.0),
    ("RandomColorDegeneration", {"factor": 0.5}, (3, 5, 6, 3), "replay", 255.0),
    ("RandomColorDegeneration", {"factor": (1.0, 1.0), **CF}, (2, 3, 5, 6), "call", 255.0),
    ("RandomSharpness", {"factor": 0.7}, (3, 5, 6, 3), "replay", 255.0),
    ("RandomSharpness", {"factor": (0.25, 0.25), **CF}, (2, 3, 5, 6), "call", 255.0),
    ("RandomSharpness", {"factor": (0.9, 0.9), **UNIT}, (5, 6, 2), "call", 1.0),
    ("RandomPosterization", {"factor": (3, 3)}, (2, 5, 6, 3), "call", 255.0),
    ("RandomPosterization", {"factor": (2, 7), **UNIT}, (4, 5, 6, 3), "replay", 1.0),
    ("RandomColorJitter", {"brightness_factor": (0.1, 0.1), "contrast_factor": (0.0, 0.0),
                           "saturation_factor": (0.3, 0.3), "hue_factor": (0.0, 0.0)},
     (2, 5, 6, 3), "call", 200.0),
    ("RandomGaussianBlur", {"factor": (1.0, 1.0), "kernel_size": (3, 5), "sigma": (0.6, 0.6)},
     (2, 6, 7, 3), "call", 255.0),
    ("RandomGaussianBlur", {"factor": (1.0, 1.0), "sigma": (0.8, 0.8), **CF},
     (2, 2, 6, 7), "call", 255.0),
    ("RandomGaussianBlur", {"factor": 0.6, "kernel_size": 5, "sigma": (0.2, 0.9)},
     (4, 6, 7, 3), "replay", 255.0),
    ("RandomShear", {"x_factor": 0.3, "y_factor": 0.2}, (3, 6, 7, 2), "replay", 255.0),
    ("RandomShear", {"x_factor": (0.1, 0.5), "interpolation": "nearest", "fill_mode": "constant",
                     "fill_value": 3.0, **CF}, (3, 2, 6, 7), "replay", 255.0),
    ("RandomShear", {"y_factor": 0.6, "fill_mode": "wrap"}, (2, 6, 7, 1), "replay", 255.0),
    ("RandomShear", {"x_factor": 0.4, "y_factor": 0.4, "fill_mode": "nearest"},
     (6, 7, 3), "replay", 255.0),
    ("RandomPerspective", {"scale": 0.6}, (3, 6, 7, 2), "replay", 255.0),
    ("RandomPerspective", {"factor": (1.0, 1.0), "scale": 0.4, "interpolation": "nearest",
                           "fill_value": 9.0, **CF}, (2, 2, 6, 7), "replay", 255.0),
    ("RandomElasticTransform", {"factor": (1.0, 1.0), "scale": (0.8, 1.0)},
     (2, 12, 11, 2), "replay", 255.0),
    ("RandomElasticTransform", {"factor": (1.0, 1.0), "scale": 1.0, "fill_mode": "constant",
                                "fill_value": 5.0, "interpolation": "nearest", **CF},
     (2, 1, 26, 24), "replay", 255.0),
    ("RandomElasticTransform", {"scale": 0.9, "fill_mode": "mirror", **UNIT},
     (2, 12, 11, 2), "replay", 1.0),
    ("RandomErasing", {"fill_value": 7.0}, (3, 6, 7, 3), "replay", 255.0),
    ("RandomErasing", {"factor": 0.7, "scale": (0.1, 0.6)}, (3, 6, 7, 3), "replay", 255.0),
    ("RandomErasing", {"fill_value": 0.5, **UNIT, **CF}, (3, 2, 6, 7), "replay", 1.0),
    ("MixUp", {"alpha": 0.4}, (4, 5, 6, 3), "replay", 255.0),
    ("MixUp", {**CF}, (4, 3, 5, 6), "replay", 255.0),
    ("CutMix", {}, (4, 6, 7, 3), "replay", 255.0),
    ("CutMix", {"factor": 0.5, **CF}, (4, 2, 6, 7), "replay", 255.0),
    ("RandAugment", {}, (3, 6, 7, 3), "replay", 255.0),
    ("RandAugment", {"num_ops": 3, "factor": (0.2, 0.7), **UNIT, **CF},
     (3, 3, 6, 7), "replay", 1.0),
    ("RandAugment", {"num_ops": 4, "factor": 0.9, "interpolation": "nearest"},
     (2, 6, 7, 3), "replay", 255.0),
    ("AugMix", {}, (3, 6, 7, 3), "replay", 255.0),
    ("AugMix", {"all_ops": False, "num_chains": 2, "chain_depth": 4, **CF},
     (3, 3, 6, 7), "replay", 255.0),
    ("AugMix", {"factor": 0.6, "alpha": 0.5, **UNIT}, (3, 6, 7, 3), "replay", 1.0),
    ("ContrastLimitedAdaptiveHistogramEqualization", {"tile_grid_size": (2, 2)},
     (2, 8, 10, 3), "call", 255.0),
    ("ContrastLimitedAdaptiveHistogramEqualization", {"tile_grid_size": (3, 4), "clip_limit": 2.0},
     (2, 10, 11, 2), "call", 255.0),
    ("ContrastLimitedAdaptiveHistogramEqualization", {"clip_limit": 0.0, "tile_grid_size": (2, 3),
                                                      **UNIT, **CF}, (2, 3, 9, 7), "call", 1.0),
    ("ContrastLimitedAdaptiveHistogramEqualization", {"tile_grid_size": (4, 4)},
     (13, 10, 1), "call", 255.0),
]  # fmt: skip

# MaxNumBoundingBoxes: (kwargs, image shape, number of boxes)
BOX_CASES = [
    ({"max_number": 3, "bounding_box_format": "xyxy"}, (2, 4, 4, 3), 5),
    ({"max_number": 4, "fill_value": -2, "bounding_box_format": "xyxy"}, (2, 4, 4, 3), 2),
    ({"max_number": 2, "bounding_box_format": "xywh"}, (4, 4, 3), 3),
]


def _input(shape, scale, index):
    rng = np.random.default_rng(100 + index)
    x = rng.uniform(0, scale, size=shape).astype(np.float32)
    if len(shape) == 4:
        # A constant channel in one image exercises the 0/0 paths.
        # (off the histogram bins' edges, where float rounding would pick a side).
        x[0, ..., 0] = scale * 0.3377 if shape[-1] <= 3 else x[0, ..., 0]
    return x


def _encode(value):
    """A transformation as JSON: arrays with their dtype, nested dicts and
    lists (RandAugment, AugMix), layer names, None."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {"dict": {k: _encode(v) for k, v in value.items()}}
    if isinstance(value, list):
        return {"list": [_encode(v) for v in value]}
    if isinstance(value, str):
        return {"str": value}
    if isinstance(value, tuple):
        value = [v if v is not None else -1 for v in value]
    arr = np.asarray(value)
    return {"dtype": str(arr.dtype), "value": arr.tolist()}


def _config(layer):
    config = layer.get_config()
    for key in ("name", "dtype", "trainable"):
        config.pop(key, None)
    return json.loads(json.dumps(config, default=list))


def record(index, case):
    name, kwargs, shape, kind, scale = case
    cls = getattr(keras.layers, name)
    seeded = "seed" in cls.__init__.__code__.co_varnames
    layer = cls(**kwargs, seed=7) if seeded else cls(**kwargs)
    x = _input(shape, scale, index)
    entry = {"layer": name, "kwargs": kwargs, "kind": kind, "input": x.tolist()}
    if kind == "call":
        out = layer(x)
    else:
        transformation = layer.get_random_transformation(x, training=True)
        if name == "RandomElasticTransform":
            # Keras draws the noise inside `transform_images`, from the key
            # the layer's generator holds next (one field for both axes).
            key = np.asarray(layer.generator.state.value).astype(np.uint32)
            h, w = (x.shape[-2], x.shape[-1]) if kwargs.get("data_format") else x.shape[1:3]
            noise = jax.random.normal(key, shape=(x.shape[0], h, w), dtype="float32")
        out = layer.transform_images(keras.ops.convert_to_tensor(x), transformation)
        if name == "RandomElasticTransform":
            transformation = {k: v for k, v in transformation.items() if k != "seed"}
            transformation["noise"] = noise
        entry["transformation"] = _encode(transformation)
    entry["output"] = np.asarray(out, np.float32).tolist()
    entry["config"] = _config(layer)
    return entry


def record_boxes(index, case):
    kwargs, shape, count = case
    rng = np.random.default_rng(500 + index)
    batch = shape[:1] if len(shape) == 4 else ()
    boxes = rng.uniform(0, 4, size=batch + (count, 4)).astype(np.float32)
    labels = rng.integers(0, 5, size=batch + (count,)).astype(np.float32)
    images = rng.uniform(0, 255, size=shape).astype(np.float32)
    layer = keras.layers.MaxNumBoundingBoxes(**kwargs)
    data = {"images": images, "bounding_boxes": {"boxes": boxes, "labels": labels}}
    out = layer(data)
    return {
        "kwargs": kwargs,
        "images": images.tolist(),
        "boxes": boxes.tolist(),
        "labels": labels.tolist(),
        "out_boxes": np.asarray(out["bounding_boxes"]["boxes"]).tolist(),
        "out_labels": np.asarray(out["bounding_boxes"]["labels"]).tolist(),
        "config": _config(layer),
    }


SAVED = OUT.parents[1] / "saving" / "augmentation_model.keras"


def saved_model():
    """A Keras model holding augmentation layers, saved as a `.keras` file;
    its inference output (the always-on AutoContrast and CLAHE applied, the
    random layers passing through) on a seeded input."""
    L = keras.layers
    inp = keras.Input((12, 11, 3))
    x = L.Pipeline([L.AutoContrast(), L.RandomHue(0.2, seed=1), L.RandomGrayscale(0.3)])(inp)
    x = L.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 3))(x)
    for layer in (
        L.Solarization(addition_factor=0.1, threshold_factor=0.5, seed=2),
        L.RandomInvert(0.3), L.RandomSaturation(0.4), L.RandomColorDegeneration(0.3),
        L.RandomColorJitter(brightness_factor=0.1, hue_factor=0.1), L.RandomSharpness(0.4),
        L.RandomPosterization(4), L.RandomShear(0.2, 0.1), L.RandomErasing(),
        L.RandomGaussianBlur(), L.RandomPerspective(scale=0.3), L.RandomElasticTransform(),
        L.MixUp(), L.CutMix(), L.AugMix(), L.RandAugment(),
    ):  # fmt: skip
        x = layer(x)
    x = L.Rescaling(1 / 255)(x)
    x = L.Conv2D(4, 3, activation="relu")(x)
    out = L.Dense(2)(L.GlobalAveragePooling2D()(x))
    model = keras.Model(inp, out)
    rng = np.random.default_rng(9)
    model.set_weights(
        [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()]
    )
    x = rng.uniform(0, 255, (2, 12, 11, 3)).astype(np.float32)
    model.save(SAVED)
    return {"input": x.tolist(), "output": model.predict(x, verbose=0).tolist()}


def main():
    # AugMix chooses its operations with Python's `random`.
    py_random.seed(0)
    cases = [record(i, c) for i, c in enumerate(CASES)]
    boxes = [record_boxes(i, c) for i, c in enumerate(BOX_CASES)]
    data = {
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "cases": cases,
        "bounding_boxes": boxes,
        "saved_model": saved_model(),
    }
    OUT.write_text(json.dumps(data))
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
