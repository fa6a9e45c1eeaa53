"""Channels-last convolutions of rank 1 to 3 for the convolution layers,
composed from the core's conv1d/conv2d, slice, pad, reshape, concat and
elementwise primitives (so they run eagerly, symbolically and in traced
graphs, with the primitives' gradients).

- `conv3d` folds the depth window into the channels: the `kd` depth-shifted
  (and depth-strided) copies of the input are joined along the channels and
  a single conv2d runs over `(batch * out_depth, height, width, kd * C)`
  with the kernel reshaped to `(kh, kw, kd * C, filters)`; no extra kernel.
- `depthwise` multiplies shifted views of the input by the kernel's taps and
  sums them: `prod(kernel_size)` elementwise products instead of a
  block-diagonal convolution whose cost grows with the channel count
  squared (MobileNet's 960-channel depthwise layers).
- `conv_transpose` defers to `pykeras.ops.conv_transpose` for 1-D and 2-D and
  runs the same zero-insertion scheme over `conv3d` for 3-D.
"""

from __future__ import annotations

import itertools
from typing import Any

from pykeras import ops
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run
from pykeras.ops._nn_resample import _flip_spatial, _pad_or_crop, _transpose_pads


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
    """Channels-last depthwise convolution of rank 1 to 3: output channel
    `c * multiplier + m` is input channel `c` convolved with `kernel[..., c, m]`."""
    n = len(strides)
    spatial = list(_shape(x)[1:-1])
    channels = _shape(x)[-1]
    ksize = list(_shape(kernel)[:n])
    multiplier = _shape(kernel)[-1]
    windows = [(k - 1) * d + 1 for k, d in zip(ksize, dilation)]
    if padding == "same":
        x = _pad_axes(x, [same_pads(s, w, st) for s, w, st in zip(spatial, windows, strides)])
        spatial = list(_shape(x)[1:-1])
    outs = [(s - w) // st + 1 for s, w, st in zip(spatial, windows, strides)]
    total: Any = None
    for taps in itertools.product(*[range(k) for k in ksize]):
        view = x
        for axis, (t, d, o, st) in enumerate(zip(taps, dilation, outs, strides)):
            view = strided_take(view, axis + 1, t * d, o, st)
        tap = run("slice", [kernel], start_indices=[*taps, 0, 0], shape=[1] * n + [-1, -1])
        if multiplier == 1:
            term = run("mul", [view, run("reshape", [tap], shape=[channels])])
        else:
            expanded = run("reshape", [view], shape=[-1, *outs, channels, 1])
            term = run("mul", [expanded, run("reshape", [tap], shape=[channels, multiplier])])
        total = term if total is None else run("add", [total, term])
    if multiplier > 1:
        total = run("reshape", [total], shape=[-1, *outs, channels * multiplier])
    return total


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
        return ops.conv_transpose(
            x,
            kernel,
            strides=list(strides),
            padding=padding,
            output_padding=output_padding,
            dilation_rate=list(dilation),
        )
    spatial = list(_shape(x)[1:-1])
    channels = _shape(x)[-1]
    kshape = tuple(_shape(kernel))
    extras = [None] * n if output_padding is None else list(output_padding)
    if any(s > 1 for s in strides):
        split = [-1]
        for size in spatial:
            split += [size, 1]
        x = run("reshape", [x], shape=[*split, channels])
        pads: list[Any] = [[0, 0]]
        for s in strides:
            pads += [[0, 0], [0, s - 1]]
        x = run("pad", [x], pad_width=[*pads, [0, 0]])
        x = run("reshape", [x], shape=[-1, *(d * s for d, s in zip(spatial, strides)), channels])
    pads = [(0, 0)]
    for i in range(n):
        left, right = _transpose_pads(kshape[i], strides[i], dilation[i], padding, extras[i])
        pads.append((left, right - (strides[i] - 1)))
    x = _pad_or_crop(x, [*pads, (0, 0)])
    swapped = run("transpose", [kernel], axes=[*range(n), n + 1, n])
    flipped = _flip_spatial(swapped, (*kshape[:n], kshape[-1], kshape[-2]), n)
    return conv3d(x, flipped, [1] * n, "valid", list(dilation))


def to_channels_last(x: Any, n: int, data_format: str | None) -> Any:
    if data_format == "channels_first":
        return run("transpose", [x], axes=[0, *range(2, n + 2), 1])
    return x


def from_channels_last(x: Any, n: int, data_format: str | None) -> Any:
    if data_format == "channels_first":
        return run("transpose", [x], axes=[0, n + 1, *range(1, n + 1)])
    return x
