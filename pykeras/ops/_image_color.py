"""`keras.ops.image`'s colour conversions (`rgb_to_grayscale`, `rgb_to_hsv`,
`hsv_to_rgb`), elementwise composites of the core's primitives with the
formulas of Keras's JAX backend (dm_pix's for HSV), re-exported by
`pykeras/ops/image.py`."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras.errors import ShapeError
from pykeras.ops import _composite as C
from pykeras.ops import _image_common as I
from pykeras.ops._dispatch import run

GRAY_WEIGHTS = np.array([[0.2989, 0.5870, 0.1140]])


def _channels(op: str, images: Any, data_format: Any, allowed: Any = (3,)) -> Any:
    shape = I.image_shape(op, images)
    fmt = I.data_format(op, data_format)
    _, _, ca = I.hw_axes(shape, fmt)
    if shape[ca] not in allowed:
        want = " or ".join(str(a) for a in allowed)
        raise ShapeError(
            f"Op '{op}' expected {want} channels on axis {ca} ({fmt}). Received: images of "
            f"shape {C.dims_text(shape)}"
        )
    return shape, ca


def rgb_to_grayscale(images: Any, data_format: str | None = None) -> Any:
    """Convert RGB images to grayscale.

    The luma is `0.2989 R + 0.5870 G + 0.1140 B` (as `tf.image`); images
    with one channel are returned unchanged.

    Args:
        images: Input image or batch of images. Must be 3D or 4D.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            channels last.

    Returns:
        Grayscale image or batch of grayscale images, with one channel.
        Eager integer images keep their dtype (the luma truncated, as Keras).

    Example:

    >>> x = np.random.random((2, 4, 4, 3))
    >>> keras.ops.image.rgb_to_grayscale(x).shape
    (2, 4, 4, 1)
    """
    op = "rgb_to_grayscale"
    shape, ca = _channels(op, images, data_format, (1, 3))
    if shape[ca] == 1:
        return images if C.any_symbolic([images]) else I.eager_input(op, images)[0]
    x, dtype = I.eager_input(op, images)
    y = I.along(op, I.as_float(x), ca, GRAY_WEIGHTS)
    return I.finish(y, dtype, "trunc")


def _where(cond: Any, a: Any, b: Any) -> Any:
    return run("where", [cond, a, b])


def _f(value: float) -> np.ndarray:
    return np.float32(value)


def rgb_to_hsv(images: Any, data_format: str | None = None) -> Any:
    """Convert RGB images to HSV.

    `images` must be of float dtype, and the output is only well defined if
    the values in `images` are in `[0, 1]`. All HSV values are in `[0, 1]`:
    a hue of `0` corresponds to pure red, `1/3` to pure green and `2/3` to
    pure blue.

    Args:
        images: Input image or batch of images. Must be 3D or 4D.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            channels last.

    Returns:
        HSV image or batch of HSV images.

    Example:

    >>> x = np.random.random((2, 4, 4, 3)).astype("float32")
    >>> keras.ops.image.rgb_to_hsv(x).shape
    (2, 4, 4, 3)
    """
    op = "rgb_to_hsv"
    _, ca = _channels(op, images, data_format)
    x, dtype = I.eager_input(op, images)
    I.require_float(op, dtype)
    x = I.as_float(x)
    eps = _f(np.finfo(np.float32).eps)
    x = _where(run("less", [run("abs", [x]), eps]), _f(0.0), x)
    r, g, b = (I.take_channel(op, x, ca, i) for i in range(3))
    value = run("maximum", [run("maximum", [r, g]), b])
    minimum = run("minimum", [run("minimum", [r, g]), b])
    spread = run("sub", [value, minimum])
    positive_value = run("greater", [value, _f(0.0)])
    positive_spread = run("greater", [spread, _f(0.0)])
    safe_value = _where(positive_value, value, _f(1.0))
    safe_spread = _where(positive_spread, spread, _f(1.0))
    saturation = _where(positive_value, run("div", [spread, safe_value]), _f(0.0))
    norm = run("div", [_f(1.0), run("mul", [_f(6.0), safe_spread])])
    hue = _where(
        run("equal", [value, g]),
        run("add", [run("mul", [norm, run("sub", [b, r])]), _f(2.0 / 6.0)]),
        run("add", [run("mul", [norm, run("sub", [r, g])]), _f(4.0 / 6.0)]),
    )
    hue = _where(run("equal", [value, r]), run("mul", [norm, run("sub", [g, b])]), hue)
    # Negative hues wrap into [0, 1); the mask reads the hue before zeroing greys.
    wrap = run("less", [run("stop_gradient", [hue]), _f(0.0)])
    hue = run("add", [_where(positive_spread, hue, _f(0.0)), wrap])
    return I.finish(I.join_channels(op, [hue, saturation, value], ca), dtype)


def hsv_to_rgb(images: Any, data_format: str | None = None) -> Any:
    """Convert HSV images to RGB.

    `images` must be of float dtype, and the output is only well defined if
    the values in `images` are in `[0, 1]` (hues wrap around).

    Args:
        images: Input image or batch of images. Must be 3D or 4D.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            channels last.

    Returns:
        RGB image or batch of RGB images.

    Example:

    >>> x = np.random.random((2, 4, 4, 3)).astype("float32")
    >>> keras.ops.image.hsv_to_rgb(x).shape
    (2, 4, 4, 3)
    """
    op = "hsv_to_rgb"
    _, ca = _channels(op, images, data_format)
    x, dtype = I.eager_input(op, images)
    I.require_float(op, dtype)
    x = I.as_float(x)
    hue, saturation, value = (I.take_channel(op, x, ca, i) for i in range(3))
    # jnp.mod(hue, 1): its gradient with respect to hue is one.
    whole = run("floor", [run("stop_gradient", [hue])])
    dh = run("mul", [run("sub", [hue, whole]), _f(6.0)])

    def ramp(center: float, sign: float, offset: float) -> Any:
        # clip(sign * |dh - center| + offset, 0, 1)
        t = run("mul", [run("abs", [run("sub", [dh, _f(center)])]), _f(sign)])
        return run("clip", [run("add", [t, _f(offset)])], min=0.0, max=1.0)

    dr, dg, db = ramp(3.0, 1.0, -1.0), ramp(2.0, -1.0, 2.0), ramp(4.0, -1.0, 2.0)
    one_minus_s = run("sub", [_f(1.0), saturation])
    planes = [
        run("mul", [value, run("add", [one_minus_s, run("mul", [saturation, d])])])
        for d in (dr, dg, db)
    ]
    return I.finish(I.join_channels(op, planes, ca), dtype)
