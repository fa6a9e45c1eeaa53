"""Records what Keras 3 computes for the vision layers of issue 18: the
convolution family, pooling, reshaping and the deterministic preprocessing
layers.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_vision_reference.py

Each case builds one Keras layer from its arguments, sets its weights to
seeded uniform values (so the fixture does not depend on Keras's
initializers), calls it on a seeded input, and records the input, the
weights (in `layer.weights` order), the output and, for layers with a
gradient, the gradients of `sum(output * probe)` with respect to the input
and every weight (JAX's autodiff), `probe` being a seeded array of the
output's shape. tests/python/test_layers_conv_more.py and
test_layers_vision_reference.py replay every case from the JSON alone.
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "data" / "vision_layers.json"

CF = {"data_format": "channels_first"}

# (layer class, constructor arguments, input shape, record gradients)
CASES = [
    (
        "Conv1D",
        {"filters": 3, "kernel_size": 3, "padding": "causal", "dilation_rate": 2},
        (2, 9, 2),
        True,
    ),
    ("Conv1D", {"filters": 4, "kernel_size": 3, "strides": 2, "groups": 2, **CF}, (2, 4, 9), True),
    (
        "Conv2D",
        {"filters": 4, "kernel_size": 3, "padding": "same", "groups": 2},
        (2, 6, 5, 4),
        True,
    ),
    ("Conv2D", {"filters": 3, "kernel_size": (3, 2), "strides": 2, **CF}, (2, 2, 7, 6), True),
    ("Conv3D", {"filters": 3, "kernel_size": 2}, (2, 4, 5, 3, 2), True),
    (
        "Conv3D",
        {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"},
        (1, 5, 6, 4, 3),
        True,
    ),
    (
        "Conv3D",
        {"filters": 2, "kernel_size": (2, 3, 2), "dilation_rate": (2, 1, 1), **CF},
        (1, 2, 6, 5, 4),
        True,
    ),
    (
        "Conv3D",
        {"filters": 4, "kernel_size": 2, "groups": 2, "padding": "same"},
        (1, 3, 3, 3, 4),
        True,
    ),
    ("Conv1DTranspose", {"filters": 3, "kernel_size": 3, "strides": 2}, (2, 5, 2), True),
    (
        "Conv1DTranspose",
        {"filters": 2, "kernel_size": 4, "strides": 3, "padding": "same", **CF},
        (2, 3, 4),
        True,
    ),
    (
        "Conv2DTranspose",
        {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"},
        (2, 4, 5, 2),
        True,
    ),
    (
        "Conv2DTranspose",
        {"filters": 2, "kernel_size": (3, 2), "strides": (2, 1), "output_padding": (1, 0)},
        (1, 3, 4, 3),
        True,
    ),
    (
        "Conv2DTranspose",
        {"filters": 2, "kernel_size": 3, "dilation_rate": 2, **CF},
        (1, 3, 4, 4),
        True,
    ),
    ("Conv3DTranspose", {"filters": 2, "kernel_size": 2, "strides": 2}, (1, 2, 3, 2, 3), True),
    (
        "Conv3DTranspose",
        {"filters": 2, "kernel_size": 3, "strides": (1, 2, 2), "padding": "same", **CF},
        (1, 2, 3, 2, 3),
        True,
    ),
    ("DepthwiseConv1D", {"kernel_size": 3, "depth_multiplier": 2, "strides": 2}, (2, 9, 3), True),
    (
        "DepthwiseConv1D",
        {"kernel_size": 3, "padding": "same", "dilation_rate": 2, **CF},
        (2, 3, 8),
        True,
    ),
    ("DepthwiseConv2D", {"kernel_size": 3, "padding": "same"}, (2, 6, 5, 3), True),
    (
        "DepthwiseConv2D",
        {"kernel_size": (3, 2), "strides": 2, "depth_multiplier": 3},
        (1, 7, 6, 2),
        True,
    ),
    (
        "DepthwiseConv2D",
        {"kernel_size": 3, "depth_multiplier": 2, "padding": "same", "strides": 2, **CF},
        (1, 3, 7, 6),
        True,
    ),
    ("SeparableConv1D", {"filters": 4, "kernel_size": 3, "depth_multiplier": 2}, (2, 8, 3), True),
    (
        "SeparableConv2D",
        {"filters": 4, "kernel_size": 3, "padding": "same", "strides": 2},
        (2, 7, 6, 3),
        True,
    ),
    (
        "SeparableConv2D",
        {"filters": 3, "kernel_size": 2, "dilation_rate": 2, **CF},
        (1, 2, 6, 5),
        True,
    ),
    ("MaxPooling3D", {"pool_size": 2}, (2, 4, 5, 4, 3), True),
    (
        "MaxPooling3D",
        {"pool_size": 3, "strides": 2, "padding": "same", **CF},
        (1, 2, 5, 4, 6),
        True,
    ),
    ("AveragePooling3D", {"pool_size": (2, 2, 1)}, (2, 4, 4, 3, 2), True),
    ("AveragePooling3D", {"pool_size": 2, "strides": 1, "padding": "same"}, (1, 3, 4, 3, 2), True),
    ("MaxPooling2D", {"pool_size": 2, **CF}, (2, 3, 4, 6), True),
    ("AveragePooling1D", {"pool_size": 2, **CF}, (2, 3, 6), True),
    ("GlobalMaxPooling3D", {}, (2, 3, 4, 2, 3), True),
    ("GlobalAveragePooling3D", {"keepdims": True, **CF}, (2, 3, 4, 2, 3), True),
    ("GlobalAveragePooling2D", CF, (2, 3, 4, 5), True),
    ("UpSampling1D", {"size": 3}, (2, 4, 3), True),
    ("UpSampling2D", {"size": (2, 3), "interpolation": "bilinear"}, (2, 3, 4, 2), True),
    ("UpSampling2D", {"size": 2, "interpolation": "bilinear", **CF}, (1, 2, 3, 4), True),
    ("UpSampling2D", {"size": 2, **CF}, (1, 2, 3, 4), True),
    ("UpSampling3D", {"size": (2, 1, 2)}, (1, 2, 3, 2, 2), True),
    ("UpSampling3D", {"size": 2, **CF}, (1, 2, 2, 3, 2), True),
    ("ZeroPadding1D", {"padding": (1, 2)}, (2, 4, 3), True),
    ("ZeroPadding2D", {"padding": ((1, 0), (2, 1)), **CF}, (1, 2, 3, 4), True),
    ("ZeroPadding3D", {"padding": ((1, 0), (0, 2), (1, 1))}, (1, 2, 3, 2, 2), True),
    ("ZeroPadding3D", {"padding": 1, **CF}, (1, 2, 2, 3, 2), True),
    ("Cropping1D", {"cropping": (1, 2)}, (2, 6, 3), True),
    ("Cropping2D", {"cropping": ((1, 0), (2, 1))}, (2, 4, 5, 3), True),
    ("Cropping2D", {"cropping": 1, **CF}, (1, 2, 4, 5), True),
    ("Cropping3D", {"cropping": ((1, 0), (0, 2), (1, 1))}, (1, 3, 4, 4, 2), True),
    ("Cropping3D", {"cropping": 1, **CF}, (1, 2, 4, 3, 5), True),
    ("Rescaling", {"scale": 1.0 / 255, "offset": -0.5}, (2, 4, 4, 3), True),
    ("Resizing", {"height": 5, "width": 7}, (2, 4, 3, 2), True),
    ("Resizing", {"height": 3, "width": 3, "interpolation": "nearest"}, (2, 6, 5, 2), False),
    ("Resizing", {"height": 4, "width": 6, "crop_to_aspect_ratio": True}, (1, 6, 5, 3), True),
    ("Resizing", {"height": 4, "width": 4, "pad_to_aspect_ratio": True, **CF}, (1, 2, 6, 3), True),
    ("CenterCrop", {"height": 3, "width": 2}, (2, 5, 6, 3), True),
    ("CenterCrop", {"height": 6, "width": 4}, (1, 4, 5, 2), True),
    ("CenterCrop", {"height": 2, "width": 3, **CF}, (1, 3, 5, 6), True),
    ("Normalization", {"mean": [1.0, 2.0, 3.0], "variance": [4.0, 0.25, 1.0]}, (2, 4, 3), True),
    (
        "Normalization",
        {"axis": 1, "mean": [0.5, -1.0], "variance": [2.0, 3.0], "invert": True},
        (3, 2, 4),
        True,
    ),
]


# Random layers: (class, arguments, input shape). Keras draws a transformation
# (`get_random_transformation`), and `transform_images` applies it; both are
# recorded, so the test applies Keras's own draw with pykeras's layer.
TRANSFORMS = [
    ("RandomFlip", {"mode": "horizontal", "seed": 1}, (4, 5, 6, 2)),
    ("RandomFlip", {"mode": "horizontal_and_vertical", "seed": 2, **CF}, (4, 2, 5, 6)),
    ("RandomRotation", {"factor": 0.2, "seed": 3}, (3, 7, 6, 2)),
    (
        "RandomRotation",
        {
            "factor": (-0.3, 0.1),
            "fill_mode": "constant",
            "fill_value": 0.5,
            "interpolation": "nearest",
            "seed": 4,
        },
        (2, 6, 6, 1),
    ),
    ("RandomRotation", {"factor": 0.25, "fill_mode": "wrap", **CF, "seed": 5}, (2, 2, 5, 7)),
    ("RandomZoom", {"height_factor": 0.3, "seed": 6}, (3, 8, 7, 2)),
    (
        "RandomZoom",
        {
            "height_factor": (-0.4, -0.1),
            "width_factor": (0.1, 0.5),
            "fill_mode": "nearest",
            "seed": 7,
        },
        (2, 6, 8, 1),
    ),
    ("RandomTranslation", {"height_factor": 0.2, "width_factor": 0.3, "seed": 8}, (3, 6, 7, 2)),
    (
        "RandomTranslation",
        {
            "height_factor": (-0.3, 0.3),
            "width_factor": 0.1,
            "fill_mode": "constant",
            **CF,
            "seed": 9,
        },
        (2, 2, 6, 5),
    ),
    ("RandomContrast", {"factor": 0.5, "seed": 10}, (3, 4, 5, 3)),
    ("RandomContrast", {"factor": (0.2, 0.6), "value_range": (0, 1), "seed": 11}, (2, 4, 4, 3)),
    ("RandomBrightness", {"factor": 0.3, "seed": 12}, (3, 4, 5, 3)),
    ("RandomBrightness", {"factor": (-0.2, 0.4), "value_range": (0, 1), "seed": 13}, (2, 3, 3, 2)),
]


def record_transforms(rng):
    records = []
    for name, kwargs, shape in TRANSFORMS:
        layer = getattr(keras.layers, name)(**kwargs)
        high = 1.0 if kwargs.get("value_range") == (0, 1) else 255.0
        x = rng.uniform(0, high, size=shape).astype(np.float32)
        transformation = layer.get_random_transformation(x, training=True)
        y = np.asarray(layer.transform_images(jnp.asarray(x), transformation, training=True))
        keep = {
            k: np.asarray(v, np.float32).tolist()
            for k, v in transformation.items()
            if k
            in (
                "flips",
                "rotation_matrix",
                "height_zoom",
                "width_zoom",
                "translations",
                "contrast_factor",
                "rgb_delta",
            )
        }
        records.append(
            {
                "layer": name,
                "kwargs": kwargs,
                "input": x.tolist(),
                "transformation": keep,
                "output": y.tolist(),
            }
        )
    return records


SAVED = pathlib.Path(__file__).resolve().parent / "saving" / "vision_model.keras"


def saved_model(rng):
    """A Keras `.keras` file using the new layers (configs, weights and
    adapted statistics), and its predictions, for pykeras to load."""
    layers = keras.layers
    inp = keras.Input((12, 12, 3), name="image")
    x = layers.Rescaling(1.0 / 255, name="rescale")(inp)
    x = layers.RandomFlip("horizontal", seed=1, name="flip")(x)
    x = layers.RandomRotation(0.1, seed=2, name="rotate")(x)
    norm = layers.Normalization(name="norm")
    norm.adapt(rng.uniform(0, 1, size=(16, 12, 12, 3)).astype(np.float32))
    x = norm(x)
    x = layers.SeparableConv2D(6, 3, padding="same", activation="relu", name="sep")(x)
    x = layers.DepthwiseConv2D(3, depth_multiplier=2, name="dw")(x)
    x = layers.SpatialDropout2D(0.2, name="sdrop")(x)
    x = layers.Conv2DTranspose(4, 3, strides=2, padding="same", name="up")(x)
    x = layers.Cropping2D(((1, 0), (0, 1)), name="crop")(x)
    x = layers.ZeroPadding2D(1, name="pad")(x)
    x = layers.UpSampling2D(2, interpolation="bilinear", name="bilinear")(x)
    x = layers.GaussianNoise(0.1, name="noise")(x)
    x = layers.Reshape((1, *x.shape[1:]), name="to3d")(x)
    x = layers.Conv3D(2, (1, 3, 3), name="conv3d")(x)
    x = layers.GlobalAveragePooling3D(name="gap")(x)
    model = keras.Model(inp, layers.Dense(3, name="out")(x), name="vision_model")
    for v in model.weights:
        if "norm" not in v.path:
            v.assign(rng.uniform(-0.5, 0.5, size=tuple(v.shape)).astype(np.float32))
    x_in = rng.uniform(0, 255, size=(2, 12, 12, 3)).astype(np.float32)
    model.save(SAVED)
    return {"input": x_in.tolist(), "output": np.asarray(model.predict(x_in, verbose=0)).tolist()}


def main():
    rng = np.random.default_rng(18)
    records = []
    for name, kwargs, shape, grad in CASES:
        layer = getattr(keras.layers, name)(**kwargs)
        x = rng.uniform(-1, 1, size=shape).astype(np.float32)
        if name in ("Rescaling", "Resizing", "CenterCrop"):
            x = rng.uniform(0, 255, size=shape).astype(np.float32)
        layer.build(shape)
        weights = [rng.uniform(-0.5, 0.5, size=w.shape).astype(np.float32) for w in layer.weights]
        if weights:
            layer.set_weights(weights)
        y = np.asarray(layer(x))
        record = {
            "layer": name,
            "kwargs": kwargs,
            "input": x.tolist(),
            "weights": [w.tolist() for w in weights],
            "output": y.tolist(),
            "output_shape": list(y.shape),
        }
        if grad:
            probe = rng.uniform(-1, 1, size=y.shape).astype(np.float32)
            trainable = [v.value for v in layer.trainable_variables]
            non_trainable = [v.value for v in layer.non_trainable_variables]

            def loss(tv, xin, layer=layer, non_trainable=non_trainable, probe=probe):
                out, _ = layer.stateless_call(tv, non_trainable, xin)
                return jnp.sum(out * probe)

            g_w, g_x = jax.grad(loss, argnums=(0, 1))(trainable, jnp.asarray(x))
            record["probe"] = probe.tolist()
            record["grad_input"] = np.asarray(g_x).tolist()
            record["grad_weights"] = [np.asarray(g).tolist() for g in g_w]
        records.append(record)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    transforms = record_transforms(rng)
    saved = saved_model(rng)
    OUT.write_text(
        json.dumps(
            {
                "keras": keras.__version__,
                "cases": records,
                "transforms": transforms,
                "saved_model": saved,
            }
        )
    )
    print(f"wrote {len(records)} cases to {OUT}")


if __name__ == "__main__":
    main()
