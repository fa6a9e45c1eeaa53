"""`keras.ops.image`: resizing, colour spaces, patches and geometric transforms.

Composites of the core's primitives, so each runs eagerly, in Functional
models (batch unknown) and in traced models, with the primitives' gradients:

- `resize` and `scale_and_translate` are one product with a constant
  interpolation matrix per spatial axis (JAX's kernels, half-pixel centres,
  antialiasing); `gaussian_blur`, `sobel_edges` and `ssim`'s windows are
  products with banded matrices (separable filters).
- `pad_images`, `crop_images` and `extract_patches` move elements (pad,
  slice, a gather); the colour conversions are elementwise.
- `map_coordinates`, `affine_transform`, `perspective_transform` and
  `elastic_transform` sample at coordinates computed in NumPy from constant
  arguments, with one gather and constant weights (differentiable with
  respect to the images, as Keras documents for the transforms);
  `map_coordinates` also samples at symbolic coordinates, resolved at run
  time and differentiable with respect to them.

Eagerly, results carry Keras's dtype: integer images stay integer where
Keras keeps them (resize rounds and saturates, sampling rounds half away
from zero, grayscale truncates, moves are exact). Symbolic results are the
core's float32. `data_format=None` means channels last. Image heights and
widths must be known before run time (the batch size need not be).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops import _gather as G
from pykeras.ops import _image_common as I
from pykeras.ops import _image_kernels as K
from pykeras.ops._dispatch import run
from pykeras.ops._image_color import hsv_to_rgb, rgb_to_grayscale, rgb_to_hsv
from pykeras.ops._image_filters import (
    extract_patches,
    extract_patches_3d,
    gaussian_blur,
    sobel_edges,
    ssim,
)
from pykeras.ops._image_sample import (
    affine_transform,
    elastic_transform,
    map_coordinates,
    perspective_transform,
)

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__: list[str] = [
    "affine_transform",
    "crop_images",
    "elastic_transform",
    "extract_patches",
    "extract_patches_3d",
    "gaussian_blur",
    "hsv_to_rgb",
    "map_coordinates",
    "pad_images",
    "perspective_transform",
    "resize",
    "rgb_to_grayscale",
    "rgb_to_hsv",
    "scale_and_translate",
    "sobel_edges",
    "ssim",
]

RESIZE_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area")


# ---------------------------------------------------------------- resize


def resize(
    images: TensorLike,
    size: Any,
    interpolation: str = "bilinear",
    antialias: bool = False,
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    fill_mode: str = "constant",
    fill_value: float = 0.0,
    data_format: str | None = None,
) -> Tensor:
    """Resize images to size using the specified interpolation method.

    Pixels have half-pixel centres, as in Keras on JAX: output pixel `o` of
    an axis resized from `n` to `m` samples the input at
    `(o + 0.5) * n / m - 0.5`.

    Args:
        images: Input image or batch of images. Must be 3D or 4D.
        size: Size of output image in `(height, width)` format.
        interpolation: Interpolation method: `"nearest"`, `"bilinear"`,
            `"bicubic"` (Keys' cubic, a = -0.5), `"lanczos3"`, `"lanczos5"` or
            `"area"` (the average over each output pixel's footprint, as
            TensorFlow). Defaults to `"bilinear"`.
        antialias: Whether to use an antialiasing filter when downsampling an
            image (the kernel widened by the scale). Defaults to `False`.
        crop_to_aspect_ratio: If `True`, resize the images without aspect
            ratio distortion: the largest centred window of the target aspect
            ratio is cropped first.
        pad_to_aspect_ratio: If `True`, pad the images without aspect ratio
            distortion: the short side is padded evenly with `fill_value`
            first.
        fill_mode: When using `pad_to_aspect_ratio=True`, padded areas are
            filled according to the given mode. Only `"constant"` is supported.
        fill_value: Float. Padding value to use when `pad_to_aspect_ratio=True`.
        data_format: `"channels_last"` (`(batch, height, width, channels)`) or
            `"channels_first"` (`(batch, channels, height, width)`). Defaults
            to channels last.

    Returns:
        Resized image or batch of images. Eager integer images are rounded
        and saturated back into their dtype, as Keras does.

    Example:

    >>> x = np.random.random((2, 4, 4, 3))
    >>> keras.ops.image.resize(x, (2, 2)).shape
    (2, 2, 2, 3)
    """
    op = "resize"
    out_h, out_w = I.check_size(op, "size", size)
    shape = I.image_shape(op, images)
    I.choice(op, "interpolation", interpolation, RESIZE_INTERPOLATIONS)
    if fill_mode != "constant":
        raise InvalidArgumentError(
            f"Op '{op}': only fill_mode='constant' is supported. Received: fill_mode={fill_mode!r}"
        )
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise InvalidArgumentError(
            f"Op '{op}': only one of pad_to_aspect_ratio and crop_to_aspect_ratio can be True."
        )
    fmt = I.data_format(op, data_format)
    x, dtype = I.eager_input(op, images)
    x = I.as_float(x)
    ha, wa, _ = I.hw_axes(shape, fmt)
    h, w = I.known(op, shape, ha, "height"), I.known(op, shape, wa, "width")
    if crop_to_aspect_ratio:
        x, h, w = _crop_to_aspect(x, shape, ha, wa, h, w, out_h, out_w)
    elif pad_to_aspect_ratio:
        x, h, w = _pad_to_aspect(x, shape, ha, wa, h, w, out_h, out_w, float(fill_value))
    rows = K.resize_matrix(h, out_h, interpolation, bool(antialias))
    cols = K.resize_matrix(w, out_w, interpolation, bool(antialias))
    for axis, weights in ((ha, rows), (wa, cols)):
        if weights is None:
            continue
        if interpolation == "nearest":
            x = G.gather(op, x, weights, axis)
        else:
            x = I.along(op, x, axis, weights)
    return I.finish(x, dtype, "round")


def _crop_to_aspect(
    x: Any, shape: Any, ha: Any, wa: Any, h: Any, w: Any, out_h: Any, out_w: Any
) -> Any:
    """The largest centred window of the target's aspect ratio (Keras's
    integer arithmetic)."""
    crop_h = max(min(h, int(float(w * out_h) / out_w)), 1)
    crop_w = max(min(w, int(float(h * out_w) / out_h)), 1)
    top, left = int(float(h - crop_h) / 2), int(float(w - crop_w) / 2)
    if (crop_h, crop_w) == (h, w):
        return x, h, w
    starts = [top if a == ha else left if a == wa else 0 for a in range(len(shape))]
    sizes = [crop_h if a == ha else crop_w if a == wa else -1 for a in range(len(shape))]
    return run("slice", [x], start_indices=starts, shape=sizes), crop_h, crop_w


def _pad_to_aspect(
    x: Any, shape: Any, ha: Any, wa: Any, h: Any, w: Any, out_h: Any, out_w: Any, fill_value: float
) -> Any:
    """Pads the short side with `fill_value`, the same amount on both sides
    (Keras pads `(padded - size) // 2` twice, so an odd difference loses one)."""
    pad_h = max(h, int(float(w * out_h) / out_w))
    pad_w = max(w, int(float(h * out_w) / out_h))
    top, left = int(float(pad_h - h) / 2), int(float(pad_w - w) / 2)
    if top > 0:
        axis, amount = ha, top
        h = h + 2 * top
    elif left > 0:
        axis, amount = wa, left
        w = w + 2 * left
    else:
        return x, h, w
    pads = [[amount, amount] if a == axis else [0, 0] for a in range(len(shape))]
    return run("pad", [x], pad_width=pads, constant_values=fill_value), h, w


def scale_and_translate(
    images: TensorLike,
    output_shape: Any,
    scale: TensorLike,
    translation: Any,
    spatial_dims: Any,
    method: str,
    antialias: bool = True,
) -> Tensor:
    """Apply a scale and translation to an image.

    Generates a new image of shape `output_shape` by resampling from the
    input image with the kernel of `method`, as `jax.image.scale_and_translate`:
    a location `x` of the input maps to `x * scale + translation` in the
    output (pixel centres at half-integers); output pixels whose sample falls
    outside the input are zero.

    Args:
        images: The input array, of any rank.
        output_shape: The output shape, one size per axis of `images`.
        scale: A sequence of scales, one per axis of `spatial_dims`
            (constants: the interpolation matrices are built from them).
        translation: A sequence of translations, one per spatial axis.
        spatial_dims: The axes of `images` to resample.
        method: `"linear"`/`"bilinear"`/`"trilinear"`, `"cubic"`/
            `"bicubic"`/`"tricubic"`, `"lanczos3"` or `"lanczos5"`.
        antialias: Whether to widen the kernel when downsampling. Defaults
            to `True`.

    Returns:
        The scaled and translated images (float32).

    Example:

    >>> images = np.arange(9, dtype="float32").reshape((3, 3))
    >>> scale = np.array([2.0, 2.0])
    >>> y = keras.ops.image.scale_and_translate(
    ...     images, (5, 5), scale, -(scale / 2.0 - 0.5), (0, 1), "linear")
    >>> y[0]
    array([0. , 0.5, 1. , 1.5, 2. ], dtype=float32)
    """
    op = "scale_and_translate"
    I.choice(op, "method", method, K.KERNELS)
    shape = C.shape_of(op, images)
    # None keeps an axis's size (the batch of a symbolic tensor, as Keras's
    # symbolic output_shape allows); spatial sizes must be given.
    out_shape: list[Any] = [
        None if d is None else C.check_int(op, "output_shape", d, 0) for d in list(output_shape)
    ]
    if len(out_shape) != len(shape):
        raise ShapeError(
            f"Op '{op}' expected output_shape with one size per axis of images "
            f"({len(shape)}). Received: output_shape={output_shape!r} for images of shape "
            f"{C.dims_text(shape)}"
        )
    dims = [
        C.axis_of(op, d, len(shape), "spatial_dims")
        for d in C.int_list(op, "spatial_dims", spatial_dims)
    ]
    scales = I.constant(op, "scale", scale).reshape(-1)
    shifts = I.constant(op, "translation", translation).reshape(-1)
    if len(scales) != len(dims) or len(shifts) != len(dims):
        raise InvalidArgumentError(
            f"Op '{op}' expected one scale and one translation per spatial dim ({len(dims)}). "
            f"Received: scale={scale!r}, translation={translation!r}"
        )
    for a, (d, o) in enumerate(zip(shape, out_shape)):
        if a in dims and o is None:
            raise InvalidArgumentError(
                f"Op '{op}' needs the output size of spatial dim {a}. Received: "
                f"output_shape={tuple(out_shape)}"
            )
        if a not in dims and None not in (d, o) and d != o:
            raise ShapeError(
                f"Op '{op}' can only change the size of spatial_dims {dims}. Received: "
                f"output_shape={tuple(out_shape)} for images of shape {C.dims_text(shape)}"
            )
    x, dtype = I.eager_input(op, images)
    x = I.as_float(x)
    for d, s, t in zip(dims, scales, shifts):
        size_in = I.known(op, shape, d, f"size of spatial axis {d}")
        matrix = K.resample_matrix(
            size_in, out_shape[d], float(s), float(t), K.KERNELS[method], bool(antialias)
        )
        x = I.along(op, x, d, matrix)
    return I.finish(x, dtype, "float")


# ---------------------------------------------------------------- pad and crop


def _resolve(op: str, size: Any, first: Any, second: Any, target: Any, names: Any, pad: Any) -> Any:
    """(first, second) amounts along one axis from two of the three given."""
    if [first, second, target].count(None) != 1:
        raise InvalidArgumentError(
            f"Op '{op}': must specify exactly two of {', '.join(names)}. Received: "
            f"{names[0]}={first}, {names[1]}={second}, {names[2]}={target}"
        )
    for name, value in zip(names, (first, second, target)):
        if value is not None:
            C.check_int(op, name, value)
            if value < 0:
                raise InvalidArgumentError(
                    f"Op '{op}': {name} must be >= 0. Received: {name}={value}"
                )
    if pad and first is not None and second is not None:
        return int(first), int(second)
    if size is None:
        raise ShapeError(
            f"Op '{op}' needs the image size before run time to use {names[2]}. Received: "
            f"an axis of unknown size"
        )
    if pad:
        other = target - size - (second if first is None else first)
        name = names[0] if first is None else names[1]
        if other < 0:
            raise InvalidArgumentError(
                f"Op '{op}': {name} must be >= 0. Received: {name}={other} "
                f"(from {names[2]}={target})"
            )
        return (other, int(second)) if first is None else (int(first), other)
    if target is None:
        return int(first), size - int(first) - int(second)
    if first is None:
        start = size - target - second
        if start < 0:
            raise InvalidArgumentError(
                f"Op '{op}': {names[0]} must be >= 0. Received: {names[0]}={start} (from "
                f"{names[2]}={target})"
            )
        return start, int(target)
    return int(first), int(target)


def pad_images(
    images: TensorLike,
    top_padding: int | None = None,
    left_padding: int | None = None,
    bottom_padding: int | None = None,
    right_padding: int | None = None,
    target_height: int | None = None,
    target_width: int | None = None,
    data_format: str | None = None,
) -> Tensor:
    """Pad `images` with zeros to the specified `height` and `width`.

    Args:
        images: Input image or batch of images. Must be 3D or 4D.
        top_padding: Number of rows of zeros to add on top.
        left_padding: Number of columns of zeros to add on the left.
        bottom_padding: Number of rows of zeros to add at the bottom.
        right_padding: Number of columns of zeros to add on the right.
        target_height: Height of output images.
        target_width: Width of output images.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            channels last.

    Two of `top_padding`, `bottom_padding`, `target_height` must be given,
    and two of `left_padding`, `right_padding`, `target_width`.

    Returns:
        Padded image or batch of images (integer images keep their dtype).

    Example:

    >>> images = np.random.uniform(size=(15, 25, 3))
    >>> keras.ops.image.pad_images(images, 2, 3, target_height=20, target_width=30).shape
    (20, 30, 3)
    """
    op = "pad_images"
    shape = I.image_shape(op, images)
    fmt = I.data_format(op, data_format)
    ha, wa, _ = I.hw_axes(shape, fmt)
    top, bottom = _resolve(
        op,
        shape[ha],
        top_padding,
        bottom_padding,
        target_height,
        ("top_padding", "bottom_padding", "target_height"),
        True,
    )
    left, right = _resolve(
        op,
        shape[wa],
        left_padding,
        right_padding,
        target_width,
        ("left_padding", "right_padding", "target_width"),
        True,
    )
    pads = [[0, 0] for _ in shape]
    pads[ha], pads[wa] = [top, bottom], [left, right]

    def pad(x: Any) -> Any:
        return run("pad", [x], pad_width=pads) if any(a or b for a, b in pads) else x

    return C.rearrange(pad, [images])


def crop_images(
    images: TensorLike,
    top_cropping: int | None = None,
    left_cropping: int | None = None,
    bottom_cropping: int | None = None,
    right_cropping: int | None = None,
    target_height: int | None = None,
    target_width: int | None = None,
    data_format: str | None = None,
) -> Tensor:
    """Crop `images` to a specified `height` and `width`.

    Args:
        images: Input image or batch of images. Must be 3D or 4D.
        top_cropping: Number of rows to crop from the top.
        left_cropping: Number of columns to crop from the left.
        bottom_cropping: Number of rows to crop from the bottom.
        right_cropping: Number of columns to crop from the right.
        target_height: Height of the output images.
        target_width: Width of the output images.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            channels last.

    Two of `top_cropping`, `bottom_cropping`, `target_height` must be given,
    and two of `left_cropping`, `right_cropping`, `target_width`.

    Returns:
        Cropped image or batch of images (integer images keep their dtype).

    Example:

    >>> images = np.reshape(np.arange(1, 28, dtype="float32"), [3, 3, 3])
    >>> keras.ops.image.crop_images(images, 0, 0, target_height=2, target_width=2)[:, :, 0]
    array([[ 1.,  4.],
           [10., 13.]], dtype=float32)
    """
    op = "crop_images"
    shape = I.image_shape(op, images)
    fmt = I.data_format(op, data_format)
    ha, wa, _ = I.hw_axes(shape, fmt)
    top, height = _resolve(
        op,
        shape[ha],
        top_cropping,
        bottom_cropping,
        target_height,
        ("top_cropping", "bottom_cropping", "target_height"),
        False,
    )
    left, width = _resolve(
        op,
        shape[wa],
        left_cropping,
        right_cropping,
        target_width,
        ("left_cropping", "right_cropping", "target_width"),
        False,
    )
    for name, start, size, axis in (("height", top, height, ha), ("width", left, width, wa)):
        if size < 0:
            raise InvalidArgumentError(
                f"Op '{op}': the target {name} must be >= 0. Received: a crop leaving {size}"
            )
        if start + size > shape[axis]:
            raise ShapeError(
                f"Op '{op}': the crop ({start} + {size}) exceeds the image {name} "
                f"{shape[axis]}. Received: images of shape {C.dims_text(shape)}"
            )
    starts = [0 for _ in shape]
    sizes = [-1 for _ in shape]
    starts[ha], starts[wa] = top, left
    sizes[ha], sizes[wa] = height, width

    def crop(x: Any) -> Any:
        return run("slice", [x], start_indices=starts, shape=sizes)

    return C.rearrange(crop, [images])
