"""`keras.ops.image`'s filters and patches, re-exported by
`pykeras/ops/image.py`.

- `gaussian_blur`, `sobel_edges` and `ssim` use separable kernels: each is
  a product with a banded matrix along the height and one along the width
  (`_image_kernels.correlation_matrix`), equal to the depthwise
  convolutions of Keras's JAX backend ("SAME" zero padding, or "valid" for
  SSIM's windows).
- `extract_patches` / `extract_patches_3d` gather every window's elements
  with one `embedding` (element numbers computed in NumPy), in the order of
  Keras's identity-kernel convolution: `(window row, window column,
  channel)`; the gather's backward pass scatter-adds overlapping windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops import _gather as G
from pykeras.ops import _image_common as I
from pykeras.ops import _image_kernels as K
from pykeras.ops._dispatch import run

# ---------------------------------------------------------------- patches


def _tuple(op: str, name: str, value: Any, n: int) -> list[int]:
    values = C.int_list(op, name, value, 1)
    if len(values) == 1:
        values = values * n
    if len(values) != n:
        raise InvalidArgumentError(
            f"Op '{op}': {name} must be an int or a tuple of {n} ints. Received: {name}={value!r}"
        )
    return values


def _conv_geometry(
    op: str, size_in: Any, kernel: Any, stride: int, dilation: int, padding: str
) -> Any:
    """(output size, padding before, padding after) of one axis of an XLA
    convolution."""
    span = (kernel - 1) * dilation + 1
    if padding == "valid":
        out = (size_in - span) // stride + 1
        if out <= 0:
            raise ShapeError(
                f"Op '{op}': the patch (spanning {span}) does not fit in an axis of size "
                f"{size_in} with padding='valid'."
            )
        return out, 0, 0
    out = -(-size_in // stride)
    total = max((out - 1) * stride + span - size_in, 0)
    return out, total // 2, total - total // 2


def _patches(
    op: str,
    images: Any,
    size: Any,
    strides: int | Sequence[int],
    dilation_rate: int | Sequence[int],
    padding: str,
    data_format: str | None,
    n: int,
) -> Any:
    shape = I.image_shape(op, images, (n + 1, n + 2), "images" if n == 2 else "volumes")
    fmt = I.data_format(op, data_format)
    pad_mode = padding.lower() if isinstance(padding, str) else padding
    I.choice(op, "padding", pad_mode, ("valid", "same"))
    kernel = _tuple(op, "size", size, n)
    stride = (
        kernel if strides is None or (n == 2 and not strides) else _tuple(op, "strides", strides, n)
    )
    dilation = _tuple(op, "dilation_rate", dilation_rate, n)
    batched = len(shape) == n + 2
    lead = 1 if batched else 0
    if fmt == "channels_last":
        spatial = list(range(lead, lead + n))
        channel = lead + n
    else:
        spatial = list(range(lead + 1, lead + 1 + n))
        channel = lead
    sizes = [I.known(op, shape, a, "spatial size") for a in spatial]
    channels = I.known(op, shape, channel, "number of channels")
    geometry = [
        _conv_geometry(op, s, k, st, d, pad_mode)
        for s, k, st, d in zip(sizes, kernel, stride, dilation)
    ]
    outs = [g[0] for g in geometry]
    padded = [s + g[1] + g[2] for s, g in zip(sizes, geometry)]
    # Element numbers of every window, in the padded grid: (out..., window...).
    grids = []
    for i in range(n):
        pos = np.arange(outs[i])[:, None] * stride[i] + np.arange(kernel[i])[None, :] * dilation[i]
        grids.append(pos)
    ids = np.zeros([*outs, *kernel], np.int64)
    for i in range(n):
        view = [1] * (2 * n)
        view[i], view[n + i] = outs[i], kernel[i]
        ids = ids * padded[i] + grids[i].reshape(view)
    ids = ids.reshape([*outs, int(np.prod(kernel))])
    features = int(np.prod(kernel)) * channels

    def extract(x: Any) -> Any:
        if fmt == "channels_first":
            x = C.transpose(x, [*range(lead), *spatial, channel])
        if not batched:
            x = C.reshape(op, x, [1, *sizes, channels])
        pads = [[0, 0], *([g[1], g[2]] for g in geometry), [0, 0]]
        if any(a or b for a, b in pads):
            x = run("pad", [x], pad_width=pads)
        batch = C.shape_of(op, x)[0]
        x = C.reshape(op, x, [batch, int(np.prod(padded)), channels])
        y = G.gather(op, x, ids, 1)
        y = C.reshape(op, y, [batch, *outs, features])
        if fmt == "channels_first":
            y = C.transpose(y, [0, n + 1, *range(1, n + 1)])
        if not batched:
            y = C.reshape(op, y, C.shape_of(op, y)[1:])
        return y

    return C.rearrange(extract, [images])


def extract_patches(
    images: Any,
    size: Any,
    strides: Any = None,
    dilation_rate: Any = 1,
    padding: str = "valid",
    data_format: str | None = None,
) -> Any:
    """Extracts patches from the image(s) or volume(s).

    A `size` of length 3 extracts 3D patches, as `extract_patches_3d`.

    Args:
        images: Input image/volume or batch of images/volumes: `(H, W, C)` or
            `(N, H, W, C)` for 2D patches (channels last).
        size: Patch size as an int or a tuple `(patch_height, patch_width)`
            (or `(patch_depth, patch_height, patch_width)`).
        strides: Strides for patch extraction; defaults to `size`
            (non-overlapping patches).
        dilation_rate: Dilation rate for patch extraction.
        padding: `"same"` or `"valid"`.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            channels last.

    Returns:
        Extracted patches: `(N, out_h, out_w, patch_h * patch_w * C)` for
        channels last, features ordered by patch row, patch column, channel.

    Example:

    >>> image = np.random.random((2, 20, 20, 3)).astype("float32")
    >>> keras.ops.image.extract_patches(image, (5, 5)).shape
    (2, 4, 4, 75)
    """
    if np.ndim(size) == 1 and len(size) == 3:
        return extract_patches_3d(images, size, strides, dilation_rate, padding, data_format)
    return _patches(
        "extract_patches", images, size, strides, dilation_rate, padding, data_format, 2
    )


def extract_patches_3d(
    volumes: Any,
    size: Any,
    strides: Any = None,
    dilation_rate: Any = 1,
    padding: str = "valid",
    data_format: str | None = None,
) -> Any:
    """Extracts patches from the volume(s).

    Args:
        volumes: Input volume or batch of volumes. Must be 4D or 5D.
        size: Patch size as an int or a tuple `(patch_depth, patch_height,
            patch_width)`.
        strides: Strides along depth, height and width; defaults to `size`.
        dilation_rate: Dilation rate for patch extraction.
        padding: `"same"` or `"valid"`.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            channels last.

    Returns:
        Extracted patches, 4D (if not batched) or 5D (if batched).

    Example:

    >>> volumes = np.random.random((2, 10, 10, 10, 3)).astype("float32")
    >>> keras.ops.image.extract_patches_3d(volumes, (3, 3, 3)).shape
    (2, 3, 3, 3, 81)
    """
    return _patches(
        "extract_patches_3d", volumes, size, strides, dilation_rate, padding, data_format, 3
    )


# ---------------------------------------------------------------- filters


def _separable(op: str, x: Any, ha: int, wa: int, rows: np.ndarray, cols: np.ndarray) -> Any:
    """`x` filtered by `rows` along the height and `cols` along the width."""
    return I.along(op, I.along(op, x, ha, rows), wa, cols)


def gaussian_blur(
    images: Any,
    kernel_size: Any = (3, 3),
    sigma: Any = (1.0, 1.0),
    data_format: str | None = None,
) -> Any:
    """Applies a Gaussian blur to the image(s).

    As Keras on JAX, `kernel_size[0]` and `sigma[0]` apply along the width
    (x) and `kernel_size[1]`, `sigma[1]` along the height (y); the image is
    zero-padded so its size is kept.

    Args:
        images: Input image or batch of images. Must be 3D or 4D.
        kernel_size: A tuple of two integers, the size of the Gaussian kernel.
        sigma: A tuple of two floats, the standard deviations of the kernel.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            channels last.

    Returns:
        Blurred image or batch of images (float32).

    Example:

    >>> x = np.random.random((2, 64, 80, 3))
    >>> keras.ops.image.gaussian_blur(x).shape
    (2, 64, 80, 3)
    """
    op = "gaussian_blur"
    shape = I.image_shape(op, images)
    fmt = I.data_format(op, data_format)
    size_x, size_y = I.pair(op, "kernel_size", kernel_size)
    sigmas = I.constant(op, "sigma", sigma).reshape(-1)
    if sigmas.size == 1:
        sigmas = np.repeat(sigmas, 2)
    if sigmas.size != 2 or not (sigmas > 0).all():
        raise InvalidArgumentError(
            f"Op '{op}': sigma must be a positive float or a tuple of 2. Received: sigma={sigma!r}"
        )
    ha, wa, _ = I.hw_axes(shape, fmt)
    h, w = I.known(op, shape, ha, "height"), I.known(op, shape, wa, "width")
    rows = K.correlation_matrix(h, K.gaussian_taps(size_y, sigmas[1]), "same")
    cols = K.correlation_matrix(w, K.gaussian_taps(size_x, sigmas[0]), "same")
    x, dtype = I.eager_input(op, images)
    return I.finish(_separable(op, I.as_float(x), ha, wa, rows, cols), dtype)


SMOOTH = np.array([1.0, 2.0, 1.0])
DERIVATIVE = np.array([-1.0, 0.0, 1.0])


def sobel_edges(images: Any, data_format: str | None = None) -> Any:
    """Applies Sobel edge detection to images.

    Each channel is correlated with the 3x3 Sobel kernels (zero padding);
    the vertical response `dy` (kernel `[[-1, -2, -1], [0, 0, 0], [1, 2, 1]]`)
    comes first and the horizontal `dx` second, along a new last axis.

    Args:
        images: Input image or batch of images. Must be 3D or 4D.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            channels last.

    Returns:
        The edges, of the images' shape plus a last axis of size 2
        (`[dy, dx]`), float32.

    Example:

    >>> images = np.random.random((2, 28, 28, 3)).astype("float32")
    >>> keras.ops.image.sobel_edges(images).shape
    (2, 28, 28, 3, 2)
    """
    op = "sobel_edges"
    shape = I.image_shape(op, images)
    fmt = I.data_format(op, data_format)
    ha, wa, _ = I.hw_axes(shape, fmt)
    h, w = I.known(op, shape, ha, "height"), I.known(op, shape, wa, "width")
    x, dtype = I.eager_input(op, images)
    x = I.as_float(x)
    smooth_h, diff_h = (K.correlation_matrix(h, t, "same") for t in (SMOOTH, DERIVATIVE))
    smooth_w, diff_w = (K.correlation_matrix(w, t, "same") for t in (SMOOTH, DERIVATIVE))
    dy = _separable(op, x, ha, wa, diff_h, smooth_w)
    dx = _separable(op, x, ha, wa, smooth_h, diff_w)
    return I.finish(I.stack_last(op, [dy, dx]), dtype)


def ssim(
    image1: Any,
    image2: Any,
    max_val: float = 1.0,
    filter_size: int = 11,
    filter_sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
    data_format: str | None = None,
) -> Any:
    """Computes the Structural Similarity Index (SSIM) between two images.

    Local means, variances and the covariance are taken over Gaussian
    windows of `filter_size` that fit inside the image ("valid"), and the
    SSIM map is averaged over the windows and the channels (Wang et al.,
    2004).

    Args:
        image1: First image or batch of images. Must be 3D or 4D.
        image2: Second image or batch of images, of `image1`'s shape.
        max_val: The dynamic range of the pixel values. Defaults to `1.0`.
        filter_size: Size of the Gaussian filter. Defaults to `11`.
        filter_sigma: Standard deviation of the Gaussian filter. Defaults
            to `1.5`.
        k1: First stabilization constant. Defaults to `0.01`.
        k2: Second stabilization constant. Defaults to `0.03`.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            channels last.

    Returns:
        One SSIM value per image pair: shape `(batch,)`, or a scalar for
        unbatched images.

    Example:

    >>> image = np.random.random((32, 32, 3)).astype("float32")
    >>> float(keras.ops.image.ssim(image, image)) > 0.99
    True
    """
    op = "ssim"
    shape = I.image_shape(op, image1, name="image1")
    shape2 = I.image_shape(op, image2, name="image2")
    same = len(shape) == len(shape2) and all(
        a is None or b is None or a == b for a, b in zip(shape, shape2)
    )
    if not same:
        raise ShapeError(
            f"Op '{op}' expected image1 and image2 of the same shape. Received: "
            f"{C.dims_text(shape)} and {C.dims_text(shape2)}"
        )
    fmt = I.data_format(op, data_format)
    size = C.check_int(op, "filter_size", filter_size, 1)
    ha, wa, _ = I.hw_axes(shape, fmt)
    h, w = I.known(op, shape, ha, "height"), I.known(op, shape, wa, "width")
    if h < size or w < size:
        raise ShapeError(
            f"Op '{op}': filter_size {size} is larger than the images ({h}x{w}), so no "
            f"window fits. Received: image1 of shape {C.dims_text(shape)}"
        )
    taps = K.gaussian_taps(size, float(filter_sigma))
    rows = K.correlation_matrix(h, taps, "valid")
    cols = K.correlation_matrix(w, taps, "valid")
    x1, dtype = I.eager_input(op, image1)
    x2, _ = I.eager_input(op, image2)
    x1, x2 = I.as_float(x1), I.as_float(x2)

    def window(t: Any) -> Any:
        return _separable(op, t, ha, wa, rows, cols)

    c1 = np.float32((k1 * max_val) ** 2)
    c2 = np.float32((k2 * max_val) ** 2)
    mu1, mu2 = window(x1), window(x2)
    mu11, mu22, mu12 = run("mul", [mu1, mu1]), run("mul", [mu2, mu2]), run("mul", [mu1, mu2])
    s11 = run("sub", [window(run("mul", [x1, x1])), mu11])
    s22 = run("sub", [window(run("mul", [x2, x2])), mu22])
    s12 = run("sub", [window(run("mul", [x1, x2])), mu12])
    two = np.float32(2.0)
    num = run(
        "mul",
        [
            run("add", [run("mul", [two, mu12]), c1]),
            run("add", [run("mul", [two, s12]), c2]),
        ],
    )
    den = run(
        "mul",
        [run("add", [run("add", [mu11, mu22]), c1]), run("add", [run("add", [s11, s22]), c2])],
    )
    ssim_map = run("div", [num, den])
    axes = list(range(len(shape) - 3, len(shape)))
    result = run("mean", [ssim_map], axis=axes)
    return I.finish(result, dtype, "trunc")
