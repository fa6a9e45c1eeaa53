"""Channels-last convolutions of rank 1 to 3 for the convolution layers,
composed from the core's conv1d/conv2d, slice, pad, reshape, concat and
elementwise primitives (so they run eagerly, symbolically and in traced
graphs, with the primitives' gradients).

- `conv3d` folds the depth window into the channels: the `kd` depth-shifted
  (and depth-strided) copies of the input are joined along the channels and
  a single conv2d runs over `(batch * out_depth, height, width, kd * C)`
  with the kernel reshaped to `(kh, kw, kd * C, filters)`; no extra kernel.
- `depthwise` is the core's depthwise_conv1d/2d primitive (direct loops, no
  im2col, nor a block-diagonal kernel whose cost grows with the channel
  count squared).
- `conv_transpose` is the core's conv1d/conv2d_transpose primitive (the
  convolution's input gradient, no zero insertion) for 1-D and 2-D; 3-D
  folds the depth taps into one conv2d_transpose's output channels and
  places each tap's share at its output depths (only the output is spread
  along depth, never the input).
"""

from __future__ import annotations

from typing import Any

from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run
from pykeras.ops._nn_resample import _transpose_pads


def _shape(x: Any) -> Any:
    return tuple(C.shape_of("conv", x))


def same_pads(length: int, window: Any, stride: Any) -> Any:
    """TF/Keras "same" padding of one axis: (before, after), the extra one after."""
    out = -(-length // stride)
    total = max((out - 1) * stride + window - length, 0)
    return total // 2, total - total // 2


def strided_take(x: Any, axis: int, start: Any, count: int, stride: Any) -> Any:
    """`x[..., start : start + (count - 1) * stride + 1 : stride, ...]` along
    `axis` (a static size), by slice, pad and reshape so gradients flow."""
    shape = list(_shape(x))
    rank = len(shape)
    length = shape[axis]
    stop = min(length, start + count * stride)
    starts = [0] * rank
    starts[axis] = start
    sizes = [-1] * rank
    sizes[axis] = stop - start
    x = run("slice", [x], start_indices=starts, shape=sizes)
    if stride == 1:
        return x
    missing = count * stride - (stop - start)
    if missing:
        pads = [[0, 0]] * rank
        pads[axis] = [0, missing]
        x = run("pad", [x], pad_width=pads)
    dims = [-1 if d is None else d for d in shape]
    dims[0] = -1
    split = dims[:axis] + [count, stride] + dims[axis + 1 :]
    split[axis] = count
    x = run("reshape", [x], shape=split)
    starts = [0] * (rank + 1)
    sizes = [-1] * (rank + 1)
    sizes[axis + 1] = 1
    x = run("slice", [x], start_indices=starts, shape=sizes)
    out = dims[:axis] + [count] + dims[axis + 1 :]
    return run("reshape", [x], shape=out)


def _pad_axes(x: Any, pads: Any) -> Any:
    """Zero-pads the spatial axes of a channels-last tensor by `pads`."""
    if not any(lo or hi for lo, hi in pads):
        return x
    return run("pad", [x], pad_width=[[0, 0], *[list(p) for p in pads], [0, 0]])


def conv3d(x: Any, kernel: Any, strides: Any, padding: Any, dilation: Any) -> Any:
    """Channels-last 3-D convolution, one conv2d over folded depth windows."""
    _, depth, height, width, channels = _shape(x)
    kd, kh, kw, _, filters = _shape(kernel)
    sd, dd = strides[0], dilation[0]
    window = (kd - 1) * dd + 1
    if padding == "same":
        x = _pad_axes(x, [same_pads(depth, window, sd), (0, 0), (0, 0)])
        depth = _shape(x)[1]
    out_depth = (depth - window) // sd + 1
    parts = [strided_take(x, 1, i * dd, out_depth, sd) for i in range(kd)]
    x = parts[0] if kd == 1 else run("concat", parts, axis=4)
    x = run("reshape", [x], shape=[-1, height, width, kd * channels])
    folded = run("transpose", [kernel], axes=[1, 2, 0, 3, 4])
    folded = run("reshape", [folded], shape=[kh, kw, kd * channels, filters])
    y = run(
        "conv2d",
        [x, folded],
        strides=list(strides[1:]),
        padding=padding,
        dilation_rate=list(dilation[1:]),
    )
    return run("reshape", [y], shape=[-1, out_depth, *_shape(y)[1:3], filters])


def conv(x: Any, kernel: Any, strides: Any, padding: Any, dilation: Any, groups: int = 1) -> Any:
    """Channels-last convolution of rank 1 to 3 with `groups` groups."""
    n = len(strides)
    if padding == "causal":
        x = _pad_axes(x, [((_shape(kernel)[0] - 1) * dilation[0], 0)])
        padding = "valid"
    if groups > 1:
        k_in = _shape(kernel)[-2]
        per = _shape(kernel)[-1] // groups
        parts = [
            conv(_slice_last(x, g * k_in, k_in), _slice_last(kernel, g * per, per), strides,
                 padding, dilation)
            for g in range(groups)
        ]  # fmt: skip
        return run("concat", parts, axis=n + 1)
    if n == 3:
        return conv3d(x, kernel, strides, padding, dilation)
    return run(
        f"conv{n}d",
        [x, kernel],
        strides=list(strides),
        padding=padding,
        dilation_rate=list(dilation),
    )


def _slice_last(x: Any, start: Any, size: Any) -> Any:
    rank = len(_shape(x))
    return run(
        "slice", [x], start_indices=[0] * (rank - 1) + [start], shape=[-1] * (rank - 1) + [size]
    )


def depthwise(x: Any, kernel: Any, strides: Any, padding: Any, dilation: Any) -> Any:
    """Channels-last depthwise convolution of rank 1 or 2 (Keras has no 3-D
    one): output channel `c * multiplier + m` is input channel `c` convolved
    with `kernel[..., c, m]`, by the core's direct depthwise kernel."""
    return run(
        f"depthwise_conv{len(strides)}d",
        [x, kernel],
        strides=list(strides),
        padding=padding,
        dilation_rate=list(dilation),
    )


def _place(part: Any, shift: int, length: int) -> Any:
    """`part` (batch, n, rest) moved `shift` cells along axis 1 into a
    zeroed axis of `length` cells; cells that land outside are dropped."""
    n = _shape(part)[1]
    start = max(-shift, 0)
    before = min(max(shift, 0), length)
    keep = max(min(n - start, length - before), 0)
    if keep != n:
        part = run("slice", [part], start_indices=[0, min(start, n), 0], shape=[-1, keep, -1])
    if before or length - before - keep:
        pads = [[0, 0], [before, length - before - keep], [0, 0]]
        part = run("pad", [part], pad_width=pads)
    return part


def _accumulate(total: Any, part: Any) -> Any:
    return part if total is None else run("add", [total, part])


def conv_transpose(
    x: Any,
    kernel: Any,
    strides: Any,
    padding: Any,
    output_padding: Any,
    dilation: Any,
) -> Any:
    """Channels-last transposed convolution of rank 1 to 3, as Keras on JAX."""
    n = len(strides)
    if n < 3:
        return run(
            f"conv{n}d_transpose",
            [x, kernel],
            strides=list(strides),
            padding=padding,
            output_padding=output_padding,
            dilation_rate=list(dilation),
        )
    return _conv3d_transpose(x, kernel, strides, padding, output_padding, dilation)


def _conv3d_transpose(
    x: Any, kernel: Any, strides: Any, padding: Any, output_padding: Any, dilation: Any
) -> Any:
    """Channels-last 3-D transposed convolution: one conv2d_transpose over
    (batch * depth, height, width, in) with the depth taps folded into its
    output channels, then each tap's share placed at its output depths
    (input depth i, tap t lands at `i * stride + t * dilation - pad`)."""
    _, depth, height, width, channels = _shape(x)
    kd, kh, kw, filters, _ = _shape(kernel)
    sd, dd = strides[0], dilation[0]
    extra = None if output_padding is None else output_padding[0]
    left, right = _transpose_pads(kd, sd, dd, padding, extra)
    window = (kd - 1) * dd + 1
    out_depth = (depth - 1) * sd + 1 + left + right - window + 1
    pad = window - 1 - left
    folded = run("transpose", [kernel], axes=[1, 2, 0, 3, 4])
    folded = run("reshape", [folded], shape=[kh, kw, kd * filters, channels])
    y = run(
        "conv2d_transpose",
        [run("reshape", [x], shape=[-1, height, width, channels]), folded],
        strides=list(strides[1:]),
        padding=padding,
        output_padding=None if output_padding is None else list(output_padding[1:]),
        dilation_rate=list(dilation[1:]),
    )
    oh, ow = _shape(y)[1:3]
    y = run("reshape", [y], shape=[-1, depth, oh * ow, kd, filters])
    total: Any = None
    for t in range(kd):
        part = run("slice", [y], start_indices=[0, 0, 0, t, 0], shape=[-1, -1, -1, 1, -1])
        # Each input depth followed by stride - 1 empty ones, then shifted
        # to the tap's offset and cut or padded to the output depth.
        part = run("reshape", [part], shape=[-1, depth, 1, oh * ow * filters])
        if sd > 1:
            part = run("pad", [part], pad_width=[[0, 0], [0, 0], [0, sd - 1], [0, 0]])
        part = run("reshape", [part], shape=[-1, depth * sd, oh * ow * filters])
        total = _accumulate(total, _place(part, t * dd - pad, out_depth))
    return run("reshape", [total], shape=[-1, out_depth, oh, ow, filters])


def to_channels_last(x: Any, n: int, data_format: str | None) -> Any:
    if data_format == "channels_first":
        return run("transpose", [x], axes=[0, *range(2, n + 2), 1])
    return x


def from_channels_last(x: Any, n: int, data_format: str | None) -> Any:
    if data_format == "channels_first":
        return run("transpose", [x], axes=[0, n + 1, *range(1, n + 1)])
    return x
