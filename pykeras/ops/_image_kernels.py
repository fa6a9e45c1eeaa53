"""The constant matrices of `keras.ops.image`'s linear ops, built in NumPy:
one `(output size, input size)` matrix per spatial axis, applied with
`_image_common.along`.

Resampling follows `jax.image.scale_and_translate` (Keras's JAX backend):
half-pixel centres, the sample of output pixel `o` at input position
`(o + 0.5 - translation) / scale - 0.5`, the kernel widened by `1 / scale`
when antialiasing a downscale, each column normalised to sum to one and
zeroed where the sample falls outside the input. Nearest-neighbour resizing
copies `floor((o + 0.5) * in / out)`, computed in float32 as JAX does (a
gather, so infinities and NaN stay where they are).
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Method names `scale_and_translate` accepts, by kernel.
KERNELS = {
    "linear": "linear",
    "bilinear": "linear",
    "trilinear": "linear",
    "cubic": "cubic",
    "bicubic": "cubic",
    "tricubic": "cubic",
    "lanczos3": "lanczos3",
    "lanczos5": "lanczos5",
}


def _triangle(x: np.ndarray) -> np.ndarray:
    return np.maximum(0.0, 1.0 - np.abs(x))


def _keys_cubic(x: np.ndarray) -> np.ndarray:
    # Keys' cubic with a = -0.5 (JAX, TensorFlow and Pillow with antialiasing).
    out = ((1.5 * x - 2.5) * x) * x + 1.0
    out = np.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, out)
    return np.where(x >= 2.0, 0.0, out)


def _lanczos(radius: float) -> Any:
    def kernel(x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            y = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius)
            out = np.where(x > 1e-3, y / np.where(x != 0, np.pi**2 * x**2, 1.0), 1.0)
        return np.where(x > radius, 0.0, out)

    return kernel


_FILL = {
    "linear": _triangle,
    "cubic": _keys_cubic,
    "lanczos3": _lanczos(3.0),
    "lanczos5": _lanczos(5.0),
}


def resample_matrix(
    size_in: int, size_out: int, scale: float, translation: float, kernel: str, antialias: bool
) -> np.ndarray:
    """`(size_out, size_in)` weights of `jax.image.scale_and_translate`
    along one axis (`kernel`: linear, cubic, lanczos3, lanczos5 or area)."""
    # JAX computes the sample positions in float32; the same rounding keeps
    # samples that land exactly on the input's edge on the same side.
    f32 = np.float32
    inv_scale = f32(1.0) / f32(scale)
    if kernel == "area":
        # Overlap of each output pixel's footprint with each input pixel.
        left = np.arange(size_out) * inv_scale - translation * inv_scale
        right = left + inv_scale
        lo_in = np.arange(size_in, dtype=np.float64)
        weights = np.maximum(
            0.0,
            np.minimum(right[None, :], lo_in[:, None] + 1.0)
            - np.maximum(left[None, :], lo_in[:, None]),
        )
    else:
        kernel_scale = max(float(inv_scale), 1.0) if antialias else 1.0
        positions = np.arange(size_out, dtype=f32) + f32(0.5)
        sample = positions * inv_scale - f32(translation) * inv_scale - f32(0.5)
        x = np.abs(sample.astype(np.float64)[None, :] - np.arange(size_in)[:, None]) / kernel_scale
        weights = _FILL[kernel](x)
    total = weights.sum(axis=0, keepdims=True)
    ok = np.abs(total) > 1000.0 * float(np.finfo(np.float32).eps)
    weights = np.where(ok, weights / np.where(total != 0, total, 1.0), 0.0)
    if kernel != "area":
        inside = (sample >= f32(-0.5)) & (sample <= f32(size_in) - f32(0.5))
        weights = np.where(inside[None, :], weights, 0.0)
    return weights.T


def nearest_picks(size_in: int, size_out: int) -> np.ndarray:
    """The input index each output pixel copies in JAX's nearest-neighbour
    resize (computed in float32, as JAX does)."""
    f32 = np.float32
    offsets = (np.arange(size_out, dtype=f32) + f32(0.5)) * f32(size_in) / f32(size_out)
    return np.minimum(np.floor(offsets.astype(f32)).astype(np.int64), size_in - 1)


def resize_matrix(size_in: int, size_out: int, interpolation: str, antialias: bool) -> Any:
    """The matrix `resize` applies along one axis (for "nearest", the
    indices it copies), or None where the size does not change (JAX skips
    those axes: every kernel interpolates)."""
    if size_in == size_out:
        return None
    if interpolation == "nearest":
        return nearest_picks(size_in, size_out)
    kernel = "area" if interpolation == "area" else KERNELS[interpolation]
    return resample_matrix(size_in, size_out, size_out / size_in, 0.0, kernel, antialias)


def correlation_matrix(size: Any, taps: np.ndarray, padding: str) -> np.ndarray:
    """The matrix of a 1-D cross-correlation with `taps`: "same" pads with
    zeros as XLA's SAME (the smaller half first), "valid" keeps the outputs
    whose window fits."""
    k = len(taps)
    if padding == "same":
        left = (k - 1) // 2
        out = size
    else:
        left = 0
        out = size - k + 1
    matrix = np.zeros((out, size))
    for o in range(out):
        for t in range(k):
            i = o + t - left
            if 0 <= i < size:
                matrix[o, i] += taps[t]
    return matrix


def gaussian_taps(size: Any, sigma: float) -> np.ndarray:
    """A normalised 1-D Gaussian window of `size` taps."""
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    taps = np.exp(-0.5 * (x / sigma) ** 2)
    return taps / taps.sum()
