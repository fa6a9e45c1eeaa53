"""`keras.ops.image` (`pykeras/ops/image.py` and its `_image_*` modules).

Checked against what Keras 3 returned on JAX (tests/reference/data/image.json,
from tests/reference/make_image_reference.py), values and gradients; against
NumPy and SciPy over hypothesis-drawn geometry; in Functional models with an
unknown batch and traced models; on bad input. `elastic_transform`, random,
is checked statistically.
"""

import colorsys
import json
import pathlib
import zlib

import numpy as np
import pytest
from composite_check import assert_matches_record, decode, our_params
from hypothesis import given
from hypothesis import strategies as st
from image_check import OnImages, np_bilinear_axis, np_nearest_axis, np_patches, np_ssim
from keras_namespace import keras_names
from op_check import FEW, rng_for, seeds
from scipy import ndimage

import pykeras as keras
from pykeras import ops
from pykeras.errors import DTypeError, InvalidArgumentError, ShapeError
from pykeras.ops import image

# Composites claim no primitive (see test_ops_coverage.py).
OPS = set()

REFERENCE = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data" / "image.json"
KERAS_IMAGE = keras_names("keras.ops.image")


def _cases():
    cases = []
    for i, case in enumerate(json.loads(REFERENCE.read_text())["cases"]):
        args = decode(case["args"])
        kwargs = {k: decode(v) for k, v in case["kwargs"].items()}
        cases.append((f"{case['op']}-{i}", case["op"], args, kwargs, case))
    return cases


CASES = _cases()
GRAD_CASES = [c for c in CASES if "grad" in c[4]]


# ---------------------------------------------------------------- namespace


def test_namespace_has_keras_names_and_signatures():
    assert sorted(image.__all__) == sorted(KERAS_IMAGE)
    for name in image.__all__:
        want = [(p["name"], p["default"]) for p in KERAS_IMAGE[name]["params"]]
        assert our_params(getattr(image, name)) == want, name
    assert keras.ops.image is image
    # A submodule, not star-imported into keras.ops (as in Keras).
    assert not hasattr(ops, "rgb_to_hsv")


# ---------------------------------------------------------------- recorded Keras values


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(case):
    _, name, args, kwargs, raw = case
    func = getattr(image, name)
    if "error" in raw:
        with pytest.raises((ValueError, TypeError), match=f"'{name}'"):
            func(*args, **kwargs)
        return
    assert_matches_record(func(*args, **kwargs), raw["result"], rtol=1e-5)


@pytest.mark.parametrize("case", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradient_matches_keras_through_fit(case):
    """One SGD step (learning rate 1) on `mean(op(images) ** 2)` in a traced
    model moves the images by the gradient Keras's JAX backend computes."""
    _, name, args, kwargs, raw = case
    k = raw["grad"]
    func = getattr(image, name)

    def fn(w):
        new = list(args)
        new[k] = w
        return func(*new, **kwargs)

    w0 = np.asarray(args[k], np.float32)
    model = OnImages(fn, w0)
    out = np.asarray(fn(w0))
    np.testing.assert_allclose(
        model.predict(np.ones((1, 1), np.float32), verbose=0), out.reshape(1, -1), rtol=1e-5
    )
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0), loss="mse")
    model.fit(np.ones((1, 1), np.float32), np.zeros((1, out.size), np.float32), epochs=1, verbose=0)
    want = decode(
        {
            "array": np.reshape(raw["grad_result"]["values"], raw["grad_result"]["shape"]),
            "dtype": "float32",
        }
    )
    step = w0 - model.w.numpy()
    np.testing.assert_allclose(step, want, rtol=1e-3, atol=2e-6 * max(1.0, np.abs(want).max()))


# ---------------------------------------------------------------- NumPy and SciPy references


@FEW
@given(
    seeds,
    st.integers(1, 6),
    st.integers(1, 6),
    st.integers(1, 9),
    st.integers(1, 9),
    st.sampled_from(["bilinear", "nearest"]),
    st.booleans(),
)
def test_resize_against_numpy(seed, h, w, out_h, out_w, interpolation, first):
    x = rng_for(seed).uniform(-1, 1, (2, h, w, 2)).astype(np.float32)
    axis_fn = np_bilinear_axis if interpolation == "bilinear" else np_nearest_axis
    want = axis_fn(axis_fn(x.astype(np.float64), 1, out_h), 2, out_w)
    if first:
        got = image.resize(
            np.moveaxis(x, -1, 1), (out_h, out_w), interpolation, data_format="channels_first"
        )
        got = np.moveaxis(got, 1, -1)
    else:
        got = image.resize(x, (out_h, out_w), interpolation)
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@FEW
@given(seeds, st.integers(1, 5), st.integers(1, 5), st.integers(2, 9), st.integers(2, 9))
def test_scale_and_translate_is_antialiased_resize(seed, h, w, out_h, out_w):
    x = rng_for(seed).uniform(-1, 1, (1, h, w, 2)).astype(np.float32)
    scale = np.array([out_h / h, out_w / w])
    got = image.scale_and_translate(x, (1, out_h, out_w, 2), scale, [0, 0], (1, 2), "cubic")
    want = image.resize(x, (out_h, out_w), "bicubic", antialias=True)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@FEW
@given(seeds, st.lists(st.integers(0, 3), min_size=4, max_size=4), st.booleans(), st.booleans())
def test_pad_and_crop_against_numpy(seed, amounts, first, integers):
    top, left, bottom, right = amounts
    rng = rng_for(seed)
    if integers:
        x = rng.integers(-50, 50, (2, 4, 5, 3)).astype(np.int32)
    else:
        x = rng.uniform(-1, 1, (2, 4, 5, 3)).astype(np.float32)
    fmt = "channels_first" if first else "channels_last"
    y = np.moveaxis(x, -1, 1) if first else x
    pads = [(0, 0), (top, bottom), (left, right), (0, 0)]
    want = np.pad(x, pads)
    got = image.pad_images(y, top, left, bottom, right, data_format=fmt)
    got = np.moveaxis(got, 1, -1) if first else got
    assert got.dtype == x.dtype
    np.testing.assert_array_equal(got, want)
    # Target sizes instead of the bottom and right amounts.
    got = image.pad_images(
        y, top, left, target_height=4 + top + bottom, target_width=5 + left + right, data_format=fmt
    )
    np.testing.assert_array_equal(np.moveaxis(got, 1, -1) if first else got, want)
    back = image.crop_images(
        image.pad_images(y, top, left, bottom, right, data_format=fmt),
        top,
        left,
        bottom,
        right,
        data_format=fmt,
    )
    np.testing.assert_array_equal(back, y)
    crop_h, crop_w = min(top, 3), min(left, 4)
    got = image.crop_images(x[0], crop_h, crop_w, target_height=4 - crop_h, target_width=5 - crop_w)
    np.testing.assert_array_equal(got, x[0, crop_h:, crop_w:])


@FEW
@given(seeds)
def test_colour_conversions_against_colorsys(seed):
    rng = rng_for(seed)
    x = rng.uniform(0, 1, (3, 4, 3)).astype(np.float32)
    x[0, 0] = x[0, 0, 0]  # a grey pixel
    x[0, 1, 1] = x[0, 1, 0]  # a tie between red and green
    hsv = image.rgb_to_hsv(x)
    want = np.array([colorsys.rgb_to_hsv(*p) for p in x.reshape(-1, 3).astype(np.float64)])
    np.testing.assert_allclose(hsv.reshape(-1, 3), want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(image.hsv_to_rgb(hsv), x, rtol=1e-5, atol=1e-5)
    rgb = np.array([colorsys.hsv_to_rgb(*p) for p in x.reshape(-1, 3).astype(np.float64)])
    np.testing.assert_allclose(image.hsv_to_rgb(x).reshape(-1, 3), rgb, rtol=1e-5, atol=1e-5)
    gray = x.astype(np.float64) @ np.array([0.2989, 0.5870, 0.1140])
    np.testing.assert_allclose(image.rgb_to_grayscale(x)[..., 0], gray, rtol=1e-5)


@FEW
@given(
    seeds,
    st.lists(st.integers(1, 3), min_size=2, max_size=2),
    st.lists(st.integers(1, 2), min_size=2, max_size=2),
    st.lists(st.integers(1, 2), min_size=2, max_size=2),
    st.sampled_from(["valid", "same"]),
)
def test_extract_patches_against_numpy(seed, size, strides, dilation, padding):
    x = rng_for(seed).uniform(-1, 1, (2, 6, 5, 2)).astype(np.float32)
    want = np_patches(x, size, strides, dilation, padding)
    got = image.extract_patches(x, size, strides, dilation, padding)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    first = image.extract_patches(
        np.moveaxis(x, -1, 1), size, strides, dilation, padding, "channels_first"
    )
    np.testing.assert_array_equal(np.moveaxis(first, 1, -1), want)
    ints = image.extract_patches(x[0].astype(np.int16) * 0 + 7, size, strides, dilation, padding)
    assert ints.dtype == np.int16


@FEW
@given(seeds, st.sampled_from([1, 3, 5]), st.sampled_from([1, 3, 5]), st.floats(0.5, 2.0))
def test_filters_against_scipy(seed, kx, ky, sigma):
    x = rng_for(seed).uniform(-1, 1, (2, 7, 6, 2)).astype(np.float32)
    gx = np.exp(-0.5 * ((np.arange(kx) - (kx - 1) / 2) / sigma) ** 2)
    gy = np.exp(-0.5 * ((np.arange(ky) - (ky - 1) / 2) / (2 * sigma)) ** 2)
    kernel = np.outer(gy / gy.sum(), gx / gx.sum())[None, :, :, None]
    want = ndimage.correlate(x.astype(np.float64), kernel, mode="constant")
    got = image.gaussian_blur(x, (kx, ky), (sigma, 2 * sigma))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    sobel_y = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], np.float64)[None, :, :, None]
    sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float64)[None, :, :, None]
    want = np.stack(
        [ndimage.correlate(x.astype(np.float64), k, mode="constant") for k in (sobel_y, sobel_x)],
        -1,
    )
    np.testing.assert_allclose(image.sobel_edges(x), want, rtol=1e-5, atol=1e-5)


@FEW
@given(seeds, st.sampled_from([1, 3, 5]), st.floats(0.5, 2.0))
def test_ssim_against_numpy(seed, size, sigma):
    rng = rng_for(seed)
    a = rng.uniform(0, 1, (2, 7, 8, 2)).astype(np.float32)
    b = np.clip(a + rng.uniform(-0.2, 0.2, a.shape), 0, 1).astype(np.float32)
    got = image.ssim(a, b, filter_size=size, filter_sigma=sigma)
    np.testing.assert_allclose(got, np_ssim(a, b, size, sigma), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(image.ssim(a[0], a[0], filter_size=size), 1.0, rtol=1e-5)


@FEW
@given(
    seeds,
    st.sampled_from([0, 1]),
    st.sampled_from(["constant", "nearest", "wrap", "mirror", "reflect"]),
)
def test_map_coordinates_inside_against_scipy(seed, order, mode):
    """Inside the input every fill mode agrees with SciPy."""
    rng = rng_for(seed)
    x = rng.uniform(-1, 1, (4, 5, 3)).astype(np.float32)
    coords = np.stack([rng.uniform(0, s - 1, (6, 2)) for s in x.shape]).astype(np.float32)
    got = image.map_coordinates(x, coords, order, mode)
    want = ndimage.map_coordinates(
        x.astype(np.float64), coords.astype(np.float64), order=order, mode="nearest"
    )
    assert got.shape == (6, 2) and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@FEW
@given(seeds, st.integers(-3, 3), st.integers(-3, 3), st.sampled_from(["nearest", "bilinear"]))
def test_affine_integer_translation_shifts(seed, dy, dx, interpolation):
    x = rng_for(seed).uniform(-1, 1, (2, 5, 6, 2)).astype(np.float32)
    got = image.affine_transform(x, [1, 0, dx, 0, 1, dy, 0, 0], interpolation)
    want = np.zeros_like(x)
    src = x[:, max(dy, 0) : 5 + min(dy, 0), max(dx, 0) : 6 + min(dx, 0)]
    want[:, max(-dy, 0) : max(-dy, 0) + src.shape[1], max(-dx, 0) : max(-dx, 0) + src.shape[2]] = (
        src
    )
    np.testing.assert_allclose(got, want, atol=1e-6)


def test_one_transform_serves_the_whole_batch():
    x = rng_for(1).uniform(0, 1, (3, 5, 6, 2)).astype(np.float32)
    t = np.array([0.875, -0.5, 1.5, 0.5, 0.875, -1.0, 0, 0])
    np.testing.assert_array_equal(
        image.affine_transform(x, t), image.affine_transform(x, np.tile(t, (3, 1)))
    )
    start = np.array([[0, 0], [5, 0], [0, 4], [5, 4]])
    end = np.array([[1, 1], [5, 0], [0, 3], [4, 4]])
    np.testing.assert_array_equal(
        image.perspective_transform(x, start, end),
        image.perspective_transform(x, np.stack([start] * 3), np.stack([end] * 3)),
    )


# ---------------------------------------------------------------- elastic_transform


def test_elastic_transform_statistics():
    h, w = 48, 40
    rows, cols = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    ramps = np.stack([cols, rows], -1).astype(np.float32)[None]  # x then y
    alpha, sigma = 2.0, 3.0
    got = image.elastic_transform(ramps, alpha, sigma, fill_mode="nearest", seed=7)
    assert got.shape == ramps.shape and got.dtype == np.float32
    np.testing.assert_array_equal(
        got, image.elastic_transform(ramps, alpha, sigma, fill_mode="nearest", seed=7)
    )
    assert not np.array_equal(
        got, image.elastic_transform(ramps, alpha, sigma, fill_mode="nearest", seed=8)
    )
    # Inside, bilinear sampling of a ramp returns the sample position.
    inner = (slice(None), slice(12, -12), slice(12, -12))
    dx = (got[..., 0] - ramps[..., 0])[inner] / alpha
    dy = (got[..., 1] - ramps[..., 1])[inner] / alpha
    size = int(6 * sigma) | 1
    g = np.exp(-0.5 * ((np.arange(size) - size // 2) / sigma) ** 2)
    g /= g.sum()
    expected_std = sigma * np.sum(g**2)  # noise * sigma, blurred by g in 2-D
    for d in (dx, dy):
        assert abs(d.mean()) < 0.6 * expected_std
        assert 0.5 * expected_std < d.std() < 1.5 * expected_std
    # dx and dy are independent draws.
    assert abs(np.corrcoef(dx.ravel(), dy.ravel())[0, 1]) < 0.6
    # alpha = 0 leaves the images as they are; a constant image stays constant.
    x = rng_for(3).uniform(0, 1, (2, 6, 7, 3)).astype(np.float32)
    np.testing.assert_allclose(image.elastic_transform(x, 0.0, seed=1), x, atol=1e-6)
    flat = np.full((6, 7, 2), 0.25, np.float32)
    np.testing.assert_allclose(image.elastic_transform(flat, 30.0, 2.0, seed=2), flat, atol=1e-6)
    first = image.elastic_transform(
        np.moveaxis(x, -1, 1), 0.0, seed=1, data_format="channels_first"
    )
    np.testing.assert_allclose(first, np.moveaxis(x, -1, 1), atol=1e-6)


def test_elastic_transform_on_symbolic_images():
    inputs = keras.Input((6, 7, 3), batch_size=2)
    model = keras.Model(inputs, image.elastic_transform(inputs, 4.0, 1.0, seed=3))
    x = rng_for(4).uniform(0, 1, (2, 6, 7, 3)).astype(np.float32)
    np.testing.assert_allclose(
        model.predict(x, verbose=0),
        image.elastic_transform(x, 4.0, 1.0, seed=3),
        rtol=1e-5,
        atol=1e-6,
    )
    with pytest.raises(InvalidArgumentError, match="'elastic_transform'"):
        image.elastic_transform(keras.Input((6, 7, 3)), seed=3)
    with pytest.raises(InvalidArgumentError, match="'elastic_transform'"):
        image.elastic_transform(inputs)


# ---------------------------------------------------------------- symbolic and traced use

RNG = np.random.default_rng(11)
T2 = np.array([[1.5, 0, -2, 0, 1.5, -1.5, 0, 0], [1.0, 0.5, -1.25, 0.25, 1.0, -0.5, 0, 0]])
START = np.array([[0, 0], [5, 0], [0, 4], [5, 4]])
END = np.array([[1, 1], [5, 0], [0, 3], [4, 4]])

# (name, function of the images, one sample's shape)
SYMBOLIC = [
    ("resize", lambda t: image.resize(t, (3, 4)), (5, 6, 3)),
    ("resize_nearest", lambda t: image.resize(t, (7, 4), "nearest"), (5, 6, 3)),
    ("resize_bicubic_antialias", lambda t: image.resize(t, (3, 4), "bicubic", True), (5, 6, 3)),
    ("resize_crop", lambda t: image.resize(t, (4, 4), crop_to_aspect_ratio=True), (5, 6, 3)),
    (
        "resize_pad",
        lambda t: image.resize(t, (4, 4), pad_to_aspect_ratio=True, fill_value=1.0),
        (5, 6, 3),
    ),
    (
        "resize_first",
        lambda t: image.resize(t, (7, 3), "lanczos3", data_format="channels_first"),
        (3, 5, 6),
    ),
    (
        "scale_and_translate",
        lambda t: image.scale_and_translate(
            t, (None, 7, 8, 3), [1.5, 1.25], [0.5, 0.0], (1, 2), "linear"
        ),
        (5, 6, 3),
    ),
    ("pad_images", lambda t: image.pad_images(t, 1, 2, 0, 1), (5, 6, 3)),
    (
        "crop_images",
        lambda t: image.crop_images(t, 1, 2, target_height=3, target_width=3),
        (5, 6, 3),
    ),
    ("rgb_to_grayscale", image.rgb_to_grayscale, (5, 6, 3)),
    ("rgb_to_hsv", image.rgb_to_hsv, (5, 6, 3)),
    ("hsv_to_rgb", lambda t: image.hsv_to_rgb(t, "channels_first"), (3, 5, 6)),
    ("extract_patches", lambda t: image.extract_patches(t, 2, 1, padding="same"), (5, 6, 3)),
    ("extract_patches_3d", lambda t: image.extract_patches_3d(t, 2), (4, 4, 6, 2)),
    ("gaussian_blur", lambda t: image.gaussian_blur(t, (3, 5), (1.0, 1.5)), (5, 6, 3)),
    ("sobel_edges", image.sobel_edges, (5, 6, 3)),
    ("ssim", lambda t: image.ssim(t, t * 0.5 + 0.25, filter_size=3), (5, 6, 3)),
    (
        "affine_transform",
        lambda t: image.affine_transform(t, T2[1], fill_mode="reflect"),
        (5, 6, 3),
    ),
    ("affine_transform_per_image", lambda t: image.affine_transform(t, T2), (5, 6, 3)),
    ("perspective_transform", lambda t: image.perspective_transform(t, START, END), (5, 6, 3)),
]


@pytest.mark.parametrize("name,fn,shape", SYMBOLIC, ids=[c[0] for c in SYMBOLIC])
def test_functional_model_with_unknown_batch(name, fn, shape):
    inputs = keras.Input(shape)
    outputs = fn(inputs)
    x = RNG.uniform(0, 1, (2, *shape)).astype(np.float32)
    want = fn(x)
    # One transform per image fixes the batch size to their number.
    batch = 2 if name.endswith("per_image") else None
    assert tuple(outputs.shape) == (batch, *want.shape[1:])
    model = keras.Model(inputs, outputs)
    np.testing.assert_allclose(
        model.predict(x, batch_size=2, verbose=0), want, rtol=1e-5, atol=1e-6
    )


TRACED = [
    ("resize", lambda w: image.resize(w, (7, 4), "bicubic"), (2, 5, 6, 2)),
    ("resize_nearest", lambda w: image.resize(w, (3, 8), "nearest"), (5, 6, 2)),
    ("hsv_round_trip", lambda w: image.hsv_to_rgb(image.rgb_to_hsv(w)), (4, 5, 3)),
    ("hsv_to_rgb", image.hsv_to_rgb, (4, 5, 3)),
    (
        "map_coordinates",
        lambda w: image.map_coordinates(w, [[0.5, 2.25, -0.5], [1.0, 3.5, 2.75]], 1, "mirror"),
        (4, 5),
    ),
    ("elastic_transform", lambda w: image.elastic_transform(w, 3.0, 1.0, seed=5), (2, 6, 5, 2)),
    (
        "extract_patches_3d",
        lambda w: image.extract_patches_3d(w, 2, 1, padding="same"),
        (3, 3, 4, 2),
    ),
]


@pytest.mark.parametrize("name,fn,shape", TRACED, ids=[c[0] for c in TRACED])
def test_traced_gradient_against_central_differences(name, fn, shape):
    """One SGD step on `mean(fn(w) ** 2)` moves `w` by the numeric gradient
    of the eager op (float32 central differences, so a loose tolerance)."""
    # A seed per case, so that adding a case does not move the others'
    # values (near a kink of clip or abs, central differences mislead).
    w0 = rng_for(zlib.crc32(name.encode())).uniform(0.05, 0.95, shape).astype(np.float32)
    model = OnImages(fn, w0)
    out = np.asarray(fn(w0))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0), loss="mse")
    model.fit(np.ones((1, 1), np.float32), np.zeros((1, out.size), np.float32), verbose=0)
    grad = np.zeros(shape)
    flat = w0.reshape(-1)
    for i in range(flat.size):
        up, down = flat.copy(), flat.copy()
        up[i] += 1e-3
        down[i] -= 1e-3
        f_up = np.mean(np.asarray(fn(up.reshape(shape)), np.float64) ** 2)
        f_down = np.mean(np.asarray(fn(down.reshape(shape)), np.float64) ** 2)
        grad.reshape(-1)[i] = (f_up - f_down) / 2e-3
    np.testing.assert_allclose(w0 - model.w.numpy(), grad, rtol=2e-2, atol=2e-4)


def test_map_coordinates_at_symbolic_coordinates():
    """Coordinates computed by a model: the output's shape is theirs, and
    the values match the constant path."""
    grid = rng_for(5).uniform(-1, 1, (5, 6)).astype(np.float32)
    coords = keras.Input((3, 4), batch_size=2)
    out = image.map_coordinates(grid, coords, 1, "wrap")
    assert tuple(out.shape) == (3, 4)
    shifts = keras.Input((1,))
    points = np.array([[0.5, 1.25, 3.5], [2.0, 4.75, -1.5]], np.float32)
    moved = ops.add(ops.reshape(shifts, (1, -1)), points[:, :, None])  # (2, 3, batch)
    model = keras.Model(shifts, ops.transpose(image.map_coordinates(grid, moved, 1), (1, 0)))
    s = np.array([[0.0], [0.25], [-1.5]], np.float32)
    want = np.stack([image.map_coordinates(grid, points[:, :, None] + v, 1)[:, 0] for v in s[:, 0]])
    np.testing.assert_allclose(model.predict(s, batch_size=3, verbose=0), want, rtol=1e-6)


def test_integer_images_keep_keras_dtypes():
    x = rng_for(2).integers(0, 256, (1, 5, 6, 3)).astype(np.uint8)
    assert image.resize(x, (3, 4)).dtype == np.uint8
    assert image.rgb_to_grayscale(x).dtype == np.uint8
    assert image.pad_images(x, 1, 1, 1, 1).dtype == np.uint8
    assert image.affine_transform(x, [1, 0, 0.5, 0, 1, 0, 0, 0]).dtype == np.uint8
    assert image.map_coordinates(x[0, :, :, 0], [[1.5], [2.5]], 1).dtype == np.uint8
    assert image.gaussian_blur(x).dtype == np.float32
    big = np.full((1, 2, 2, 1), 255, np.uint8)
    np.testing.assert_array_equal(image.resize(big, (3, 3), "lanczos3"), 255)


# ---------------------------------------------------------------- bad input

X = np.ones((2, 5, 6, 3), np.float32)
BAD = [
    ("resize", lambda: image.resize(np.ones((5, 6)), (2, 2)), ShapeError),
    ("resize", lambda: image.resize(X, (2,)), InvalidArgumentError),
    ("resize", lambda: image.resize(X, (2, 2), fill_mode="reflect"), InvalidArgumentError),
    ("resize", lambda: image.resize(X, (2, 2), data_format="nhwc"), InvalidArgumentError),
    ("resize", lambda: image.resize(keras.Input((None, 6, 3)), (2, 2)), ShapeError),
    (
        "scale_and_translate",
        lambda: image.scale_and_translate(X, (2, 3, 3), [1, 1], [0, 0], (1, 2), "linear"),
        ShapeError,
    ),
    (
        "scale_and_translate",
        lambda: image.scale_and_translate(X, (2, 4, 4, 3), [1], [0, 0], (1, 2), "linear"),
        InvalidArgumentError,
    ),
    (
        "scale_and_translate",
        lambda: image.scale_and_translate(X, (2, 4, 4, 2), [1, 1], [0, 0], (1, 2), "linear"),
        ShapeError,
    ),
    ("pad_images", lambda: image.pad_images(X, 1, 1), InvalidArgumentError),
    ("pad_images", lambda: image.pad_images(X, 1.5, 1, 1, 1), InvalidArgumentError),
    ("crop_images", lambda: image.crop_images(X, 3, 0, 3, 0), InvalidArgumentError),
    (
        "crop_images",
        lambda: image.crop_images(X, 3, 0, target_height=4, target_width=6),
        ShapeError,
    ),
    ("rgb_to_grayscale", lambda: image.rgb_to_grayscale(X, "channels_first"), ShapeError),
    ("rgb_to_hsv", lambda: image.rgb_to_hsv(X.astype(np.int32)), DTypeError),
    ("hsv_to_rgb", lambda: image.hsv_to_rgb(np.ones((2, 5, 6, 4))), ShapeError),
    ("extract_patches", lambda: image.extract_patches(X, 7), ShapeError),
    ("extract_patches", lambda: image.extract_patches(X, 2, padding="full"), InvalidArgumentError),
    (
        "extract_patches",
        lambda: image.extract_patches(X, (2, 2), strides=(1, 1, 1)),
        InvalidArgumentError,
    ),
    ("extract_patches_3d", lambda: image.extract_patches_3d(X[0], 2), ShapeError),
    ("gaussian_blur", lambda: image.gaussian_blur(X, sigma=(-1.0, 1.0)), InvalidArgumentError),
    ("gaussian_blur", lambda: image.gaussian_blur(X, kernel_size=(0, 3)), InvalidArgumentError),
    ("sobel_edges", lambda: image.sobel_edges(np.ones((2, 5, 6, 3, 1))), ShapeError),
    ("ssim", lambda: image.ssim(X, X[:, :4]), ShapeError),
    ("ssim", lambda: image.ssim(X, X), ShapeError),
    ("map_coordinates", lambda: image.map_coordinates(X, np.zeros((3, 2)), 1), ShapeError),
    ("map_coordinates", lambda: image.map_coordinates(X[0, 0], np.zeros((2,)), 1), ShapeError),
    (
        "map_coordinates",
        lambda: image.map_coordinates(X[0, 0], np.zeros((2, 2)), 3),
        InvalidArgumentError,
    ),
    (
        "map_coordinates",
        lambda: image.map_coordinates(X[0, 0], np.zeros((2, 2)), 1, "edge"),
        InvalidArgumentError,
    ),
    (
        "map_coordinates",
        lambda: image.map_coordinates(X[0, 0], keras.Input((2,)), 1),
        ShapeError,
    ),
    ("affine_transform", lambda: image.affine_transform(X, np.zeros(7)), ShapeError),
    ("affine_transform", lambda: image.affine_transform(X, np.zeros((3, 8))), ShapeError),
    (
        "affine_transform",
        lambda: image.affine_transform(X, np.zeros(8), "bicubic"),
        InvalidArgumentError,
    ),
    (
        "affine_transform",
        lambda: image.affine_transform(keras.Input((5, 6, 3)), keras.Input((8,))),
        InvalidArgumentError,
    ),
    (
        "perspective_transform",
        lambda: image.perspective_transform(X, np.zeros((3, 2)), np.zeros((3, 2))),
        ShapeError,
    ),
    (
        "perspective_transform",
        lambda: image.perspective_transform(X, START, np.stack([END, END])),
        ShapeError,
    ),
    (
        "perspective_transform",
        lambda: image.perspective_transform(X, START, np.zeros((4, 2))),
        InvalidArgumentError,
    ),
    ("elastic_transform", lambda: image.elastic_transform(X, sigma=0.0), InvalidArgumentError),
    (
        "elastic_transform",
        lambda: image.elastic_transform(X, fill_mode="edge"),
        InvalidArgumentError,
    ),
]


@pytest.mark.parametrize("name,call,error", BAD, ids=[f"{c[0]}-{i}" for i, c in enumerate(BAD)])
def test_bad_input_raises_naming_the_op(name, call, error):
    with pytest.raises(error, match=f"'{name}'"):
        call()
