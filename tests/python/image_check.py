"""Helpers for tests/python/test_composite_image.py (`keras.ops.image`):
NumPy references in float64 and a model that trains whole images.

- `OnImages`: a subclassed model whose call applies an op to a weight
  holding whole images, flattened into one sample, so `fit` with mse
  against zeros takes one step on `mean(op(images) ** 2)`.
- `np_bilinear_axis`, `np_nearest_axis`: half-pixel resizing along one axis.
- `np_patches`: channels-last 2-D patches by loops.
- `np_ssim`: SSIM with Gaussian windows that fit inside the images.
"""

import numpy as np

import pykeras as keras
from pykeras import ops


class OnImages(keras.Model):
    """`fn(w)` for a weight `w` holding whole images; the output flattened
    into one sample so that `fit` with mse against zeros minimises
    `mean(fn(w) ** 2)`."""

    def __init__(self, fn, value):
        super().__init__()
        self.fn = fn
        self.w = self.add_weight(shape=value.shape, initializer="zeros")
        self.w.assign(value.astype(np.float32))

    def call(self, x):
        return ops.reshape(self.fn(self.w), (1, -1)) * x


def np_bilinear_axis(x, axis, out):
    """Half-pixel bilinear resize along one axis, clamped at the edges."""
    n = x.shape[axis]
    s = np.clip((np.arange(out) + 0.5) * n / out - 0.5, 0, n - 1)
    lo = np.floor(s).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    frac = (s - lo).reshape([-1 if a == axis else 1 for a in range(x.ndim)])
    return np.take(x, lo, axis) * (1 - frac) + np.take(x, hi, axis) * frac


def np_nearest_axis(x, axis, out):
    n = x.shape[axis]
    return np.take(x, np.floor((np.arange(out) + 0.5) * n / out).astype(int), axis)


def np_patches(x, size, strides, dilation, padding):
    """Channels-last 2-D patches by loops, features ordered (row, col, channel)."""
    n, h, w, c = x.shape
    geometry = []
    for length, k, s, d in zip((h, w), size, strides, dilation):
        span = (k - 1) * d + 1
        if padding == "valid":
            geometry.append(((length - span) // s + 1, 0))
        else:
            out = -(-length // s)
            geometry.append((out, max((out - 1) * s + span - length, 0) // 2))
    (oh, top), (ow, left) = geometry
    xp = np.pad(
        x,
        [
            (0, 0),
            (top, oh * strides[0] + size[0] * dilation[0]),
            (left, ow * strides[1] + size[1] * dilation[1]),
            (0, 0),
        ],
    )
    out = np.zeros((n, oh, ow, size[0] * size[1] * c), x.dtype)
    for i in range(oh):
        for j in range(ow):
            rows = i * strides[0] + np.arange(size[0]) * dilation[0]
            cols = j * strides[1] + np.arange(size[1]) * dilation[1]
            out[:, i, j] = xp[:, rows][:, :, cols].reshape(n, -1)
    return out


def np_ssim(a, b, size, sigma, max_val=1.0, k1=0.01, k2=0.03):
    g = np.exp(-0.5 * ((np.arange(size) - (size - 1) / 2) / sigma) ** 2)
    kernel = np.outer(g, g) / g.sum() ** 2

    def window(t):
        h, w = t.shape[1] - size + 1, t.shape[2] - size + 1
        out = np.zeros((t.shape[0], h, w, t.shape[3]))
        for i in range(size):
            for j in range(size):
                out += kernel[i, j] * t[:, i : i + h, j : j + w]
        return out

    a, b = a.astype(np.float64), b.astype(np.float64)
    mu1, mu2 = window(a), window(b)
    s11, s22, s12 = window(a * a) - mu1**2, window(b * b) - mu2**2, window(a * b) - mu1 * mu2
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    m = ((2 * mu1 * mu2 + c1) * (2 * s12 + c2)) / ((mu1**2 + mu2**2 + c1) * (s11 + s22 + c2))
    return m.mean(axis=(1, 2, 3))
