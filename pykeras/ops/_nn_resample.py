"""`keras.ops.nn`'s transposed convolution and adaptive pooling (1-D and
2-D inputs, channels last or first).

- `conv_transpose` is the core's conv1d_transpose/conv2d_transpose
  primitive: the input gradient of a convolution (col2im of x times the
  kernel, no zero insertion), with the output sizes of Keras's JAX backend
  (`lax.conv_transpose`), whose padding `_transpose_pads` gives.
- The adaptive pools are composed from the core's reshape, slice, matmul
  and max primitives.
- The adaptive pools use PyTorch's bins, as Keras: output `i` of an axis of
  size `L` pooled to `o` covers `[floor(i * L / o), ceil((i + 1) * L / o))`.
  Averages are products with a constant averaging matrix per axis; maxima
  are per-bin slices reduced with `max` and joined.

The functions are re-exported by `pykeras/ops/nn.py` (`keras.ops.nn`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras.errors import ShapeError
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run
from pykeras.ops.nn_spatial import (
    _check_kernel,
    _data_format,
    _from_channels_last,
    _padding,
    _per_axis,
    _spatial_rank,
    _to_channels_last,
)

__all__ = ["adaptive_average_pool", "adaptive_max_pool", "conv_transpose"]


# ---------------------------------------------------------------- conv_transpose


def _transpose_pads(kernel: int, stride: int, dilation: int, padding: str, extra: Any) -> Any:
    """(left, right) padding of the zero-inserted input, as Keras's
    `_convert_conv_transpose_padding_args_from_keras_to_jax`."""
    k = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(k, stride) - k if extra is None else extra
        return k - 1, k - 1 + extra
    total = stride + k - 2 if extra is None else k + k % 2 - 2 + extra
    left = min(total // 2 + total % 2, k - 1)
    return left, total - left


def conv_transpose(
    inputs: Any,
    kernel: Any,
    strides: Any = 1,
    padding: str = "valid",
    output_padding: Any = None,
    data_format: str | None = None,
    dilation_rate: Any = 1,
) -> Any:
    """General N-D convolution transpose (here N = 1 or 2).

    Also known as de-convolution. This op supports 1D and 2D convolution
    (3D is not available in pykeras). Output sizes and values are those of
    Keras 3 on the JAX backend.

    Args:
        inputs: Tensor of rank N+2. `inputs` has shape
            `(batch_size,) + inputs_spatial_shape + (num_channels,)` if
            `data_format="channels_last"`, or
            `(batch_size, num_channels) + inputs_spatial_shape` if
            `data_format="channels_first"`.
        kernel: Tensor of rank N+2. `kernel` has shape
            [kernel_spatial_shape, num_output_channels, num_input_channels],
            `num_input_channels` should match the number of channels in
            `inputs`.
        strides: int or int tuple/list of `len(inputs_spatial_shape)`,
            specifying the strides of the convolution along each spatial
            dimension. If `strides` is int, then every spatial dimension shares
            the same `strides`.
        padding: string, either `"valid"` or `"same"`. `"valid"` means no
            padding is applied, and `"same"` results in padding evenly to the
            left/right or up/down of the input such that output has the
            same height/width dimension as the input when `strides=1`.
        output_padding: int or int tuple/list of `len(inputs_spatial_shape)`,
            specifying the amount of padding along the height and width of
            the output tensor. Can be a single integer to specify the same
            value for all spatial dimensions. The amount of output padding
            along a given dimension must be lower than the stride along that
            same dimension. If set to `None` (default), the output shape is
            inferred.
        data_format: A string, either `"channels_last"` or `"channels_first"`.
            Defaults to `"channels_last"`.
        dilation_rate: int or int tuple/list of `len(inputs_spatial_shape)`,
            specifying the dilation rate to use for dilated convolution. If
            `dilation_rate` is int, then every spatial dimension shares
            the same `dilation_rate`.

    Returns:
        A tensor of rank N+2, the result of the conv operation.

    Example:

    >>> x = np.ones((1, 3, 2), "float32")
    >>> keras.ops.conv_transpose(x, np.ones((3, 4, 2), "float32"), strides=2).shape
    (1, 7, 4)
    """
    op = "conv_transpose"
    n = _spatial_rank(op, inputs)
    fmt = _data_format(op, data_format)
    padding = _padding(op, padding)
    strides = _per_axis(op, "strides", strides, n)
    dilation = _per_axis(op, "dilation_rate", dilation_rate, n)
    extras = [None] * n if output_padding is None else _per_axis0(op, output_padding, n)
    kshape = _check_kernel(op, kernel, n)
    x = _to_channels_last(inputs, n, fmt)
    shape = C.shape_of(op, x)
    if shape[-1] != kshape[-1]:
        raise ShapeError(
            f"Op '{op}' expected the inputs' channels to equal the kernel's last axis "
            f"(num_input_channels). Received: inputs.shape="
            f"{C.dims_text(C.shape_of(op, inputs))}, kernel.shape={C.dims_text(kshape)}, "
            f"data_format={fmt!r}"
        )
    for i, size in enumerate(shape[1:-1]):
        left, right = _transpose_pads(kshape[i], strides[i], dilation[i], padding, extras[i])
        window = (kshape[i] - 1) * dilation[i] + 1
        if size is not None and (size < 1 or (size - 1) * strides[i] + 1 + left + right < window):
            # Keras gives an empty tensor; say why there is no output instead.
            raise ShapeError(
                f"Op '{op}': output_padding={output_padding!r} leaves no room for the kernel. "
                f"Received: inputs.shape={C.dims_text(C.shape_of(op, inputs))}, "
                f"kernel.shape={C.dims_text(kshape)}"
            )
    y = run(
        f"conv{n}d_transpose",
        [x, kernel],
        strides=strides,
        padding=padding,
        output_padding=None if output_padding is None else extras,
        dilation_rate=dilation,
    )
    return _from_channels_last(y, n, fmt)


def _per_axis0(op: str, value: Any, n: int) -> list[int]:
    """An int or a sequence of `n` non-negative ints (output_padding)."""
    values = C.int_list(op, "output_padding", value, low=0)
    if len(values) == 1:
        values = values * n
    if len(values) != n:
        raise ShapeError(
            f"Op '{op}': output_padding must be an int or a sequence of {n} ints, one per "
            f"spatial axis. Received: output_padding={value!r}"
        )
    return values


# ---------------------------------------------------------------- adaptive pools


def _bins(size: Any, out: int) -> list[tuple[int, int]]:
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


def _adaptive_args(op: str, inputs: Any, output_size: Any, data_format: Any) -> Any:
    n = _spatial_rank(op, inputs)
    fmt = _data_format(op, data_format)
    outs = _per_axis(op, "output_size", output_size, n)
    x = _to_channels_last(inputs, n, fmt)
    shape = C.shape_of(op, x)
    spatial = [C.static_size(op, shape, 1 + i, "spatial axis") for i in range(n)]
    if 0 in spatial:
        raise ShapeError(
            f"Op '{op}' cannot pool an empty spatial axis. Received: "
            f"inputs.shape={C.dims_text(C.shape_of(op, inputs))}"
        )
    return n, fmt, outs, x, shape, spatial


def _average_matrix(size: Any, out: int) -> np.ndarray:
    m = np.zeros((out, size), np.float64)
    for i, (lo, hi) in enumerate(_bins(size, out)):
        m[i, lo:hi] = 1.0 / (hi - lo)
    return m.astype(np.float32)


def adaptive_average_pool(inputs: Any, output_size: Any, data_format: str | None = None) -> Any:
    """Adaptive average pooling operation.

    Applies an adaptive average pooling operation that automatically
    computes the kernel size and stride to pool the input to the
    specified `output_size`: output `i` along an axis of size `L` averages
    the elements `[floor(i * L / o), ceil((i + 1) * L / o))`, as PyTorch's
    and Keras's. Works for 1D and 2D inputs.

    Args:
        inputs: Tensor of rank 3 or 4 (spatial sizes known before run time):
            - If `data_format="channels_last"`:
                `(batch_size, length, channels)` or
                `(batch_size, height, width, channels)`.
            - If `data_format="channels_first"`:
                `(batch_size, channels, length)` or
                `(batch_size, channels, height, width)`.
        output_size: Integer or tuple/list of integers (one per spatial
            axis), specifying the target output spatial dimensions. If a
            single integer is provided, the same value is used for every
            spatial axis.
        data_format: string, either `"channels_last"` or `"channels_first"`.
            Defaults to `"channels_last"`.

    Returns:
        A tensor of the input's rank representing the adaptive average
        pooled result.

    Example:

    >>> x = np.random.rand(2, 100, 80, 3)
    >>> keras.ops.adaptive_average_pool(x, output_size=7).shape
    (2, 7, 7, 3)
    """
    op = "adaptive_average_pool"
    n, fmt, outs, x, shape, spatial = _adaptive_args(op, inputs, output_size, data_format)
    channels = shape[-1]
    if n == 1:
        y = run("matmul", [_average_matrix(spatial[0], outs[0]), x])
    else:
        h, w = spatial
        oh, ow = outs
        y = run("reshape", [x], shape=[-1, h, w * channels])
        y = run("matmul", [_average_matrix(h, oh), y])
        y = run("reshape", [y], shape=[-1, w, channels])
        y = run("matmul", [_average_matrix(w, ow), y])
        y = run("reshape", [y], shape=[-1, oh, ow, channels])
    return _from_channels_last(y, n, fmt)


def _max_along(x: Any, axis: int, size: Any, out: int) -> Any:
    shape = C.shape_of("adaptive_max_pool", x)
    parts = []
    for lo, hi in _bins(size, out):
        starts = [lo if a == axis else 0 for a in range(len(shape))]
        sizes = [hi - lo if a == axis else -1 for a in range(len(shape))]
        part = run("slice", [x], start_indices=starts, shape=sizes)
        parts.append(run("max", [part], axis=[axis], keepdims=True) if hi - lo > 1 else part)
    return parts[0] if len(parts) == 1 else run("concat", parts, axis=axis)


def adaptive_max_pool(inputs: Any, output_size: Any, data_format: str | None = None) -> Any:
    """Adaptive max pooling operation.

    Applies an adaptive max pooling operation that automatically computes the
    kernel size and stride to pool the input to the specified `output_size`:
    output `i` along an axis of size `L` is the maximum of the elements
    `[floor(i * L / o), ceil((i + 1) * L / o))`, as PyTorch's and Keras's.
    Works for 1D and 2D inputs.

    Args:
        inputs: Tensor of rank 3 or 4 (spatial sizes known before run time):
            - If `data_format="channels_last"`:
                `(batch_size, length, channels)` or
                `(batch_size, height, width, channels)`.
            - If `data_format="channels_first"`:
                `(batch_size, channels, length)` or
                `(batch_size, channels, height, width)`.
        output_size: Integer or tuple/list of integers (one per spatial
            axis), specifying the target output spatial dimensions. If a
            single integer is provided, the same value is used for every
            spatial axis.
        data_format: string, either `"channels_last"` or `"channels_first"`.
            Defaults to `"channels_last"`.

    Returns:
        A tensor of the input's rank representing the adaptive max pooled
        result.

    Example:

    >>> x = np.random.rand(2, 100, 80, 3)
    >>> keras.ops.adaptive_max_pool(x, output_size=(7, 5)).shape
    (2, 7, 5, 3)
    """
    op = "adaptive_max_pool"
    n, fmt, outs, x, _, spatial = _adaptive_args(op, inputs, output_size, data_format)
    for i in range(n):
        x = _max_along(x, 1 + i, spatial[i], outs[i])
    return _from_channels_last(x, n, fmt)
