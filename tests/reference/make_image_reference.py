"""Records what Keras 3 returns for `keras.ops.image` (resize, padding and
cropping, colour conversions, patches, filters, SSIM and the samplers).

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_image_reference.py

Each case calls one `keras.ops.image` function on small arguments and
records the result's shape, dtype and values (or the error's type), with the
arguments, so tests/python/test_composite_image.py replays every case
against `pykeras.ops.image` from the JSON alone. A case marked `grad` also
records the gradient of `mean(result ** 2)` with respect to the images
(JAX's autodiff), the loss a fit with mean squared error against zeros
takes, which the test compares with the step pykeras's fit applies.

Notes on what is recorded:

- `gaussian_blur` cases pass `data_format` explicitly: Keras 3.15.1's eager
  JAX path compares the unstandardised `None` with "channels_last" and so
  blurs channels-last images as if they were channels first.
- `resize(..., interpolation="area")` is recorded from
  `jax.image.resize(method="area", antialias=False)`, which Keras on JAX
  refuses but its TensorFlow and PyTorch backends accept ("via" names it).
- `elastic_transform` is random and JAX's stream cannot be replayed, so the
  test checks it statistically instead.
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "data" / "image.json"


def arr(values, dtype="float32"):
    """An array argument, as stored: {"array": nested values, "dtype": name}."""
    return {"array": np.asarray(values, dtype).tolist(), "dtype": dtype}


def decode(value):
    if isinstance(value, dict) and "array" in value:
        return np.asarray(value["array"], value["dtype"])
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def encode_result(value):
    a = np.asarray(value)
    values = a.ravel().tolist()
    if a.dtype == np.float32:
        # The shortest decimal that reads back as the same float32.
        values = [float(str(np.float32(v))) for v in values]
    return {"shape": list(a.shape), "dtype": str(a.dtype), "values": values}


def uniform(seed, shape, low=0.0, high=1.0):
    """Values rounded to 1/64, so inputs are exact in JSON and float32."""
    values = np.random.default_rng(seed).uniform(low, high, shape)
    return arr(np.round(values * 64) / 64)


def to_first(a, batched=True):
    x = decode(a)
    return arr(np.moveaxis(x, -1, 1 if batched else 0), a["dtype"])


def uint8(seed, shape):
    return arr(np.random.default_rng(seed).integers(0, 256, shape), "uint8")


IMG = uniform(1, (2, 5, 6, 3))
IMG_CF = to_first(IMG)
# Keras on JAX maps one transform per image: a single one needs a batch of one.
IMG1 = arr(decode(IMG)[:1])
ONE = uniform(2, (6, 4, 3))
BYTES = uint8(3, (2, 5, 6, 3))
BIG = uniform(4, (2, 13, 12, 2))
TALL = uniform(5, (1, 9, 4, 2))

# Pure colours, greys, ties between channels and black, for the HSV branches.
SPECIAL = arr(
    [
        [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]],
        [[0, 1, 1], [1, 0, 1], [0.5, 0.5, 0.5], [0, 0, 0]],
        [[0.25, 0.75, 0.75], [0.75, 0.25, 0.75], [0.75, 0.75, 0.25], [1, 0.5, 0.5]],
    ]
)

T_ZOOM = [1.5, 0, -2, 0, 1.5, -1.5, 0, 0]
T_SHEAR = [1.0, 0.5, -1.25, 0.25, 1.0, -0.5, 0, 0]
T_ROT = [0.875, -0.5, 1.5, 0.5, 0.875, -1.0, 0, 0]

START = [[0, 0], [5, 0], [0, 4], [5, 4]]
END = [[1, 1], [5, 0], [0, 3], [4, 4]]
END2 = [[0.5, 0], [4, 0.5], [0, 4], [5, 3.5]]

COORDS = arr(
    [
        [[-1.5, -0.5, 0.0, 0.5], [1.25, 2.5, 3.75, 4.5], [5.0, 6.5, -2.25, 3.0]],
        [[0.0, 1.5, -0.5, 2.5], [5.5, 6.25, -1.0, 0.75], [2.0, 3.5, 7.5, -3.0]],
    ]
)
GRID = uniform(6, (5, 6))
VOLUME = uniform(7, (3, 4, 5))
COORDS3 = uniform(8, (3, 2, 5), -1.5, 5.5)
VOL5 = uniform(9, (2, 4, 5, 6, 2))

CASES = [
    # resize
    ("resize", [IMG, (3, 4)], {}, 0),
    ("resize", [IMG, (8, 9)], {}, 0),
    ("resize", [IMG, (3, 4)], {"interpolation": "nearest"}, None),
    ("resize", [IMG, (7, 11)], {"interpolation": "nearest"}, None),
    ("resize", [BIG, (5, 7)], {"interpolation": "nearest"}, None),
    ("resize", [IMG, (9, 4)], {"interpolation": "bicubic"}, 0),
    ("resize", [BIG, (5, 7)], {"interpolation": "bicubic"}, None),
    ("resize", [IMG, (8, 13)], {"interpolation": "lanczos3"}, None),
    ("resize", [BIG, (6, 5)], {"interpolation": "lanczos5"}, None),
    ("resize", [BIG, (5, 7)], {"antialias": True}, 0),
    ("resize", [BIG, (4, 5)], {"interpolation": "bicubic", "antialias": True}, None),
    ("resize", [BIG, (6, 5)], {"interpolation": "lanczos3", "antialias": True}, None),
    ("resize", [IMG, (5, 6)], {}, None),
    ("resize", [IMG, (5, 3)], {}, None),
    ("resize", [IMG, (4, 4)], {"crop_to_aspect_ratio": True}, None),
    ("resize", [IMG, (2, 5)], {"crop_to_aspect_ratio": True}, None),
    ("resize", [TALL, (3, 5)], {"crop_to_aspect_ratio": True}, None),
    ("resize", [IMG, (4, 4)], {"pad_to_aspect_ratio": True, "fill_value": 0.5}, 0),
    ("resize", [IMG, (2, 5)], {"pad_to_aspect_ratio": True}, None),
    ("resize", [TALL, (5, 5)], {"pad_to_aspect_ratio": True, "fill_value": -1.0}, None),
    ("resize", [IMG_CF, (4, 8)], {"data_format": "channels_first"}, None),
    (
        "resize",
        [IMG_CF, (4, 4)],
        {"data_format": "channels_first", "pad_to_aspect_ratio": True},
        None,
    ),
    ("resize", [ONE, (3, 7)], {}, None),
    ("resize", [to_first(ONE, False), (3, 7)], {"data_format": "channels_first"}, None),
    ("resize", [BYTES, (3, 4)], {}, None),
    ("resize", [BYTES, (7, 9)], {"interpolation": "bicubic"}, None),
    ("resize", [BYTES, (3, 4)], {"interpolation": "nearest"}, None),
    ("resize", [IMG, (0, 3)], {}, None),
    ("resize", [IMG, (3, 3)], {"interpolation": "cubic"}, None),
    ("resize", [IMG, (3, 3)], {"crop_to_aspect_ratio": True, "pad_to_aspect_ratio": True}, None),
    ("resize", [uniform(10, (5, 6)), (3, 3)], {}, None),
    # scale_and_translate
    (
        "scale_and_translate",
        [
            arr(np.arange(9).reshape(3, 3)),
            (5, 5),
            arr([2.0, 2.0]),
            arr([-0.5, -0.5]),
            (0, 1),
            "linear",
        ],
        {},
        None,
    ),
    (
        "scale_and_translate",
        [IMG, (2, 8, 9, 3), arr([1.5, 1.5]), arr([0.25, -0.5]), (1, 2), "bilinear"],
        {},
        0,
    ),
    (
        "scale_and_translate",
        [IMG, (2, 3, 4, 3), arr([0.5, 0.75]), arr([0.0, 0.5]), (1, 2), "cubic"],
        {},
        None,
    ),
    (
        "scale_and_translate",
        [IMG, (2, 3, 4, 3), arr([0.5, 0.75]), arr([0.0, 0.5]), (1, 2), "cubic"],
        {"antialias": False},
        None,
    ),
    (
        "scale_and_translate",
        [IMG, (2, 7, 6, 3), arr([1.25]), arr([1.0]), (1,), "lanczos3"],
        {},
        None,
    ),
    (
        "scale_and_translate",
        [IMG_CF, (2, 3, 4, 9), arr([0.8, 1.5]), arr([-0.25, 0.0]), (2, 3), "lanczos5"],
        {},
        None,
    ),
    (
        "scale_and_translate",
        [IMG, (2, 3, 4, 3), arr([0.5, 0.75]), arr([0.0, 0.5]), (1, 2), "nearest"],
        {},
        None,
    ),
    # pad_images / crop_images
    ("pad_images", [IMG, 1, 2, 0, 1], {}, 0),
    (
        "pad_images",
        [IMG],
        {"top_padding": 2, "left_padding": 1, "target_height": 9, "target_width": 8},
        None,
    ),
    (
        "pad_images",
        [IMG],
        {"bottom_padding": 2, "right_padding": 1, "target_height": 8, "target_width": 9},
        None,
    ),
    ("pad_images", [IMG_CF, 1, 0, 2, 3], {"data_format": "channels_first"}, None),
    ("pad_images", [ONE, 0, 1], {"target_height": 7, "target_width": 6}, None),
    ("pad_images", [BYTES, 1, 1, 1, 1], {}, None),
    ("pad_images", [IMG, 1, 1, 1], {"target_height": 8, "target_width": 8}, None),
    ("pad_images", [IMG, -1, 1, 1, 1], {}, None),
    ("pad_images", [IMG, 1, 1], {"target_height": 3, "target_width": 8}, None),
    ("crop_images", [IMG, 1, 2, 1, 1], {}, 0),
    (
        "crop_images",
        [IMG],
        {"top_cropping": 2, "left_cropping": 1, "target_height": 2, "target_width": 4},
        None,
    ),
    (
        "crop_images",
        [IMG],
        {"bottom_cropping": 2, "right_cropping": 1, "target_height": 3, "target_width": 3},
        None,
    ),
    ("crop_images", [IMG_CF, 1, 0, 2, 3], {"data_format": "channels_first"}, None),
    ("crop_images", [ONE, 0, 1], {"target_height": 4, "target_width": 2}, None),
    ("crop_images", [BYTES, 1, 1, 1, 1], {}, None),
    ("crop_images", [IMG, 1, 1, 1], {"target_height": 2, "target_width": 2}, None),
    ("crop_images", [IMG, -1, 1, 1, 1], {}, None),
    # colour
    ("rgb_to_grayscale", [IMG], {}, 0),
    ("rgb_to_grayscale", [ONE], {}, None),
    ("rgb_to_grayscale", [IMG_CF], {"data_format": "channels_first"}, None),
    ("rgb_to_grayscale", [BYTES], {}, None),
    ("rgb_to_grayscale", [uniform(11, (2, 3, 3, 1))], {}, None),
    ("rgb_to_grayscale", [uniform(11, (2, 3, 3, 2))], {}, None),
    ("rgb_to_hsv", [IMG], {}, 0),
    ("rgb_to_hsv", [SPECIAL], {}, None),
    ("rgb_to_hsv", [IMG_CF], {"data_format": "channels_first"}, None),
    ("rgb_to_hsv", [BYTES], {}, None),
    # Unrounded hues: at hues of 0 and 1/2 the clips sit exactly on a bound,
    # where JAX splits the gradient in half.
    ("hsv_to_rgb", [arr(np.random.default_rng(17).uniform(0, 1, (2, 5, 6, 3)))], {}, 0),
    ("hsv_to_rgb", [IMG], {}, None),
    ("hsv_to_rgb", [uniform(12, (4, 5, 3), -0.5, 1.5)], {}, None),
    ("hsv_to_rgb", [IMG_CF], {"data_format": "channels_first"}, None),
    ("hsv_to_rgb", [SPECIAL], {}, None),
    # patches
    ("extract_patches", [IMG, 2], {}, 0),
    ("extract_patches", [IMG, (2, 3)], {"strides": 1}, None),
    ("extract_patches", [IMG, (3, 2)], {"strides": (2, 1), "padding": "same"}, 0),
    ("extract_patches", [IMG, 2], {"strides": 1, "dilation_rate": 2}, None),
    ("extract_patches", [IMG, 2], {"strides": 1, "dilation_rate": (1, 2), "padding": "same"}, None),
    (
        "extract_patches",
        [IMG_CF, (2, 2)],
        {"strides": (1, 2), "data_format": "channels_first"},
        None,
    ),
    ("extract_patches", [ONE, 3], {"padding": "same"}, None),
    ("extract_patches", [BYTES, 2], {}, None),
    ("extract_patches", [VOL5, (2, 2, 3)], {}, None),
    ("extract_patches_3d", [VOL5, 2], {}, 0),
    (
        "extract_patches_3d",
        [uniform(18, (1, 3, 4, 4, 2)), (2, 3, 2)],
        {"strides": 1, "padding": "same"},
        None,
    ),
    (
        "extract_patches_3d",
        [arr(np.moveaxis(decode(VOL5), -1, 1)), (2, 2, 2)],
        {"strides": (1, 2, 2), "data_format": "channels_first"},
        None,
    ),
    ("extract_patches_3d", [uniform(13, (4, 5, 6, 2)), (3, 2, 2)], {"strides": 2}, None),
    # filters
    ("gaussian_blur", [IMG], {"data_format": "channels_last"}, 0),
    (
        "gaussian_blur",
        [BIG],
        {"kernel_size": (5, 3), "sigma": (1.0, 2.0), "data_format": "channels_last"},
        None,
    ),
    (
        "gaussian_blur",
        [BIG],
        {"kernel_size": (4, 6), "sigma": (0.5, 1.5), "data_format": "channels_last"},
        None,
    ),
    (
        "gaussian_blur",
        [IMG_CF],
        {"kernel_size": (3, 5), "sigma": (2.0, 0.75), "data_format": "channels_first"},
        None,
    ),
    ("gaussian_blur", [ONE], {"data_format": "channels_last"}, None),
    ("sobel_edges", [IMG], {}, 0),
    ("sobel_edges", [BIG], {"data_format": "channels_last"}, None),
    ("sobel_edges", [IMG_CF], {"data_format": "channels_first"}, None),
    ("ssim", [BIG, uniform(14, (2, 13, 12, 2))], {}, 0),
    ("ssim", [IMG, uniform(15, (2, 5, 6, 3))], {"filter_size": 3, "max_val": 2.0}, 0),
    ("ssim", [ONE, ONE], {"filter_size": 3}, None),
    (
        "ssim",
        [ONE, uniform(16, (6, 4, 3))],
        {"filter_size": 4, "filter_sigma": 0.75, "k1": 0.05, "k2": 0.1},
        None,
    ),
    (
        "ssim",
        [IMG_CF, to_first(uniform(15, (2, 5, 6, 3)))],
        {"filter_size": 3, "data_format": "channels_first"},
        None,
    ),
    # samplers
    ("map_coordinates", [GRID, COORDS, 1], {}, 0),
    ("map_coordinates", [GRID, COORDS, 0], {}, None),
    # Gradients with respect to the coordinates (then symbolic in pykeras).
    ("map_coordinates", [GRID, COORDS, 1], {"fill_value": 0.5}, 1),
    ("map_coordinates", [GRID, COORDS, 1], {"fill_mode": "reflect"}, 1),
    ("map_coordinates", [VOLUME, COORDS3, 0], {"fill_mode": "mirror"}, 1),
    ("map_coordinates", [GRID, COORDS, 1], {"fill_mode": "constant", "fill_value": 2.5}, None),
    ("map_coordinates", [GRID, COORDS, 1], {"fill_mode": "nearest"}, None),
    ("map_coordinates", [GRID, COORDS, 1], {"fill_mode": "wrap"}, None),
    ("map_coordinates", [GRID, COORDS, 1], {"fill_mode": "mirror"}, None),
    ("map_coordinates", [GRID, COORDS, 1], {"fill_mode": "reflect"}, None),
    ("map_coordinates", [GRID, COORDS, 0], {"fill_mode": "reflect"}, None),
    ("map_coordinates", [GRID, COORDS, 0], {"fill_mode": "mirror"}, None),
    ("map_coordinates", [VOLUME, COORDS3, 1], {"fill_mode": "nearest"}, 0),
    ("map_coordinates", [VOLUME, COORDS3, 0], {"fill_mode": "wrap"}, None),
    ("map_coordinates", [arr(np.arange(30).reshape(5, 6), "int32"), COORDS, 1], {}, None),
    ("map_coordinates", [GRID, COORDS, 2], {}, None),
    ("map_coordinates", [GRID, COORDS3, 1], {}, None),
    ("affine_transform", [IMG, arr([T_ZOOM, T_SHEAR])], {}, 0),
    ("affine_transform", [IMG1, arr(T_ROT)], {}, 0),
    ("affine_transform", [IMG, arr([T_ROT, T_ZOOM])], {"interpolation": "nearest"}, None),
    ("affine_transform", [IMG1, arr(T_SHEAR)], {"fill_mode": "nearest"}, None),
    ("affine_transform", [IMG1, arr(T_ZOOM)], {"fill_mode": "wrap"}, None),
    ("affine_transform", [IMG1, arr(T_ROT)], {"fill_mode": "mirror"}, None),
    ("affine_transform", [IMG1, arr(T_ROT)], {"fill_mode": "reflect"}, None),
    ("affine_transform", [IMG1, arr(T_SHEAR)], {"fill_value": 0.75}, None),
    ("affine_transform", [IMG_CF, arr([T_ZOOM, T_ROT])], {"data_format": "channels_first"}, None),
    ("affine_transform", [ONE, arr(T_SHEAR)], {}, None),
    ("affine_transform", [arr(decode(BYTES)[:1], "uint8"), arr(T_ROT)], {}, None),
    ("affine_transform", [IMG1, arr(T_ROT)], {"interpolation": "bicubic"}, None),
    ("perspective_transform", [IMG1, arr(START), arr(END)], {}, None),
    ("perspective_transform", [IMG, arr([START, START]), arr([END, END2])], {}, 0),
    (
        "perspective_transform",
        [IMG, arr([START, START]), arr([END2, END])],
        {"interpolation": "nearest"},
        None,
    ),
    (
        "perspective_transform",
        [IMG_CF, arr([START, START]), arr([END, END2])],
        {"data_format": "channels_first", "fill_value": 0.5},
        None,
    ),
    (
        "perspective_transform",
        [ONE, arr([[0, 0], [3, 0], [0, 5], [3, 5]]), arr([[0, 1], [3, 0], [1, 5], [3, 4]])],
        {},
        None,
    ),
]


def record(name, args, kwargs, grad=None):
    case = {"op": name, "args": args, "kwargs": kwargs}
    args_ = decode(args)
    kwargs_ = {k: decode(v) for k, v in kwargs.items()}
    if name == "resize" and kwargs.get("interpolation") == "area":
        case["via"] = "jax.image.resize"
    func = getattr(ops.image, name)
    try:
        result = func(*args_, **kwargs_)
        case["result"] = encode_result(jax.device_get(result))
    except Exception as e:  # noqa: BLE001 - the error's type is the record
        case["error"] = type(e).__name__
        return case
    if grad is not None:

        def loss(v):
            new = list(args_)
            new[grad] = v
            return jnp.mean(jnp.square(func(*new, **kwargs_)))

        case["grad"] = grad
        case["grad_result"] = encode_result(
            jax.device_get(jax.grad(loss)(jnp.asarray(args_[grad])))
        )
    return case


def record_area(image, size, data_format="channels_last"):
    """`resize(..., interpolation="area")` as Keras's TensorFlow backend does
    it, computed by JAX's area kernel (Keras on JAX refuses the name)."""
    x = decode(image)
    h_axis = 1 if data_format == "channels_last" else 2
    out_shape = list(x.shape)
    out_shape[h_axis : h_axis + 2] = size
    result = jax.image.resize(jnp.asarray(x), out_shape, method="area", antialias=False)
    kwargs = {"interpolation": "area", "data_format": data_format}
    return {
        "op": "resize",
        "args": [image, list(size)],
        "kwargs": kwargs,
        "via": "jax.image.resize(method='area', antialias=False)",
        "result": encode_result(jax.device_get(result)),
    }


def main():
    versions = {"keras": keras.__version__, "jax": jax.__version__, "numpy": np.__version__}
    compact = {"sort_keys": True, "separators": (",", ":")}
    records = [record(*c) for c in CASES]
    records += [
        record_area(IMG, (3, 4)),
        record_area(BIG, (5, 5)),
        record_area(IMG, (7, 9)),
        record_area(IMG_CF, (2, 4), "channels_first"),
    ]
    for r in records:
        # Tuples become lists in JSON either way; keep the args readable.
        r["args"] = [list(a) if isinstance(a, tuple) else a for a in r["args"]]
    lines = ",\n".join(f" {json.dumps(r, **compact)}" for r in records)
    text = f'{{\n"versions": {json.dumps(versions, sort_keys=True)},\n"cases": [\n{lines}\n]\n}}\n'
    OUT.write_text(text)
    data = json.loads(OUT.read_text())
    errors = [c["op"] for c in data["cases"] if "error" in c]
    print(f"wrote {OUT}: {len(data['cases'])} cases, errors in {errors}")


if __name__ == "__main__":
    main()
