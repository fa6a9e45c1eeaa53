"""`keras.ops.nn`'s convolutions, pooling and depth/space rearrangements,
over the core's conv1d/conv2d, depthwise_conv1d/2d and max/avg_pool1d/2d
primitives.

The primitives are channels-last with one group; everything else is
composed here, so it runs eagerly, in Functional models and in traced
graphs with the primitives' gradients:

- `channels_first` transposes to channels-last and back;
- grouped `conv` (input channels a multiple of the kernel's) runs one
  convolution per group and joins them;
- `depthwise_conv` is the core's depthwise_conv1d/2d primitive (direct
  loops over each channel's window, no im2col), and `separable_conv` that
  primitive followed by a 1x1 convolution.

Only 1-D and 2-D inputs (rank 3 and 4) are supported: a 3-D convolution or
pooling raises a `ShapeError` naming the op.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__ = [
    "average_pool",
    "conv",
    "depth_to_space",
    "depthwise_conv",
    "max_pool",
    "separable_conv",
    "space_to_depth",
]


def _data_format(op: str, data_format: str | None) -> Any:
    fmt = "channels_last" if data_format is None else data_format
    if fmt not in ("channels_last", "channels_first"):
        raise InvalidArgumentError(
            f"Op '{op}': data_format must be 'channels_last' or 'channels_first' (or None). "
            f"Received: data_format={data_format!r}"
        )
    return fmt


def _padding(op: str, padding: str) -> Any:
    value = padding.lower() if isinstance(padding, str) else padding
    if value not in ("valid", "same"):
        raise InvalidArgumentError(
            f"Op '{op}': padding must be 'valid' or 'same'. Received: padding={padding!r}"
        )
    return value


def _spatial_rank(op: str, x: Any, name: str = "inputs") -> Any:
    """The number of spatial axes (1 or 2) of a batched, channeled input."""
    shape = C.shape_of(op, x)
    if len(shape) not in (3, 4):
        raise ShapeError(
            f"Op '{op}' supports 1-D and 2-D inputs: a tensor of rank 3 "
            f"(batch, length, channels) or 4 (batch, height, width, channels); 3-D "
            f"convolution and pooling are not available in pykeras. Received: "
            f"{name}.shape={C.dims_text(shape)}"
        )
    return len(shape) - 2


def _per_axis(op: str, name: str, value: Any, n: int) -> Any:
    """An int or a sequence of `n` positive ints as a list of `n` ints."""
    values = C.int_list(op, name, value, low=1)
    if len(values) == 1:
        values = values * n
    if len(values) != n:
        raise InvalidArgumentError(
            f"Op '{op}': {name} must be an int or a sequence of {n} ints, one per spatial "
            f"axis. Received: {name}={value!r}"
        )
    return values


def _to_channels_last(x: Any, n: int, fmt: str) -> Any:
    return C.transpose(x, [0, *range(2, n + 2), 1]) if fmt == "channels_first" else x


def _from_channels_last(x: Any, n: int, fmt: str) -> Any:
    return C.transpose(x, [0, n + 1, *range(1, n + 1)]) if fmt == "channels_first" else x


def _check_kernel(op: str, kernel: Any, n: int, name: str = "kernel") -> Any:
    shape = C.shape_of(op, kernel)
    if len(shape) != n + 2 or None in shape:
        raise ShapeError(
            f"Op '{op}' expected a {name} of rank {n + 2} with known sizes "
            f"({'(width' if n == 1 else '(height, width'}, in_channels, out_channels)) "
            f"for inputs with {n} spatial axes. Received: {name}.shape={C.dims_text(shape)}"
        )
    return shape


def _conv_last(
    x: Any, kernel: Any, n: int, strides: int | Sequence[int], padding: str, dilation: Sequence[int]
) -> Any:
    return run(f"conv{n}d", [x, kernel], strides=strides, padding=padding, dilation_rate=dilation)


def conv(
    inputs: TensorLike,
    kernel: TensorLike,
    strides: Any = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: Any = 1,
) -> Tensor:
    """General N-D convolution (here N = 1 or 2).

    This ops supports 1D and 2D convolution (3D is not available in pykeras).

    Args:
        inputs: Tensor of rank N+2. `inputs` has shape
            `(batch_size,) + inputs_spatial_shape + (num_channels,)` if
            `data_format="channels_last"`, or
            `(batch_size, num_channels) + inputs_spatial_shape` if
            `data_format="channels_first"`.
        kernel: Tensor of rank N+2. `kernel` has shape
            `(kernel_spatial_shape, num_input_channels, num_output_channels)`.
            `num_input_channels` should match the number of channels in
            `inputs`, or divide it (a grouped convolution).
        strides: int or int tuple/list of `len(inputs_spatial_shape)`,
            specifying the strides of the convolution along each spatial
            dimension.
        padding: string, either `"valid"` or `"same"`. `"valid"` means no
            padding is applied, and `"same"` results in padding evenly to the
            left/right or up/down of the input such that output has the
            same height/width dimension as the input when `strides=1`.
        data_format: A string, either `"channels_last"` or `"channels_first"`.
            Defaults to `"channels_last"`.
        dilation_rate: int or int tuple/list of `len(inputs_spatial_shape)`,
            specifying the dilation rate to use for dilated convolution.

    Returns:
        A tensor of rank N+2, the result of the conv operation.

    Example:

    >>> x = np.ones((1, 5, 2), "float32")
    >>> keras.ops.conv(x, np.ones((3, 2, 1), "float32")).shape
    (1, 3, 1)
    """
    n = _spatial_rank("conv", inputs)
    fmt = _data_format("conv", data_format)
    padding = _padding("conv", padding)
    strides = _per_axis("conv", "strides", strides, n)
    dilation = _per_axis("conv", "dilation_rate", dilation_rate, n)
    kshape = _check_kernel("conv", kernel, n)
    x = _to_channels_last(inputs, n, fmt)
    channels, k_in, k_out = C.shape_of("conv", x)[-1], kshape[-2], kshape[-1]
    if channels is None or channels % k_in or k_out % (channels // k_in):
        raise ShapeError(
            f"Op 'conv' expected the inputs' channels to be the kernel's input channels "
            f"({k_in}) or a multiple of them (a grouped convolution, whose output channels "
            f"({k_out}) the group count divides). Received: inputs.shape="
            f"{C.dims_text(C.shape_of('conv', inputs))}, kernel.shape={C.dims_text(kshape)}, "
            f"data_format={fmt!r}"
        )
    groups = channels // k_in
    if groups == 1:
        y = _conv_last(x, kernel, n, strides, padding, dilation)
    else:
        per = k_out // groups
        parts = [
            _conv_last(
                _slice_last(x, g * k_in, k_in),
                _slice_last(kernel, g * per, per),
                n,
                strides,
                padding,
                dilation,
            )
            for g in range(groups)
        ]
        y = run("concat", parts, axis=n + 1)
    return _from_channels_last(y, n, fmt)


def _slice_last(x: Any, start: Any, size: Any) -> Any:
    rank = len(C.shape_of("conv", x))
    return run(
        "slice",
        [x],
        start_indices=[0] * (rank - 1) + [start],
        shape=[-1] * (rank - 1) + [size],
    )


def _depthwise_last(
    op: str,
    x: Any,
    kernel: Any,
    n: int,
    strides: int | Sequence[int],
    padding: str,
    dilation: Sequence[int],
) -> Any:
    kshape = _check_kernel(op, kernel, n)
    channels = C.shape_of(op, x)[-1]
    if channels != kshape[-2]:
        raise ShapeError(
            f"Op '{op}' expected the inputs' channels to equal the kernel's input channels "
            f"(axis -2). Received: {channels} channels, kernel.shape={C.dims_text(kshape)}"
        )
    # Output channel c * multiplier + m sees input channel c only, as Keras's.
    return run(
        f"depthwise_conv{n}d", [x, kernel], strides=strides, padding=padding, dilation_rate=dilation
    )


def depthwise_conv(
    inputs: TensorLike,
    kernel: TensorLike,
    strides: Any = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: Any = 1,
) -> Tensor:
    """General N-D depthwise convolution (here N = 1 or 2).

    Args:
        inputs: Tensor of rank N+2, channels last or first as `data_format`
            says.
        kernel: Tensor of rank N+2. `kernel` has shape
            `[kernel_spatial_shape, num_input_channels, num_channels_multiplier]`,
            `num_input_channels` should match the number of channels in
            `inputs`.
        strides: int or int tuple/list of `len(inputs_spatial_shape)`,
            specifying the strides of the convolution along each spatial
            dimension.
        padding: string, either `"valid"` or `"same"`.
        data_format: A string, either `"channels_last"` or `"channels_first"`.
            Defaults to `"channels_last"`.
        dilation_rate: int or int tuple/list of `len(inputs_spatial_shape)`,
            specifying the dilation rate to use for dilated convolution.

    Returns:
        A tensor of rank N+2 with `num_input_channels * num_channels_multiplier`
        channels, the result of the depthwise conv operation.

    Example:

    >>> x = np.ones((1, 5, 2), "float32")
    >>> keras.ops.depthwise_conv(x, np.ones((3, 2, 2), "float32")).shape
    (1, 3, 4)
    """
    op = "depthwise_conv"
    n = _spatial_rank(op, inputs)
    fmt = _data_format(op, data_format)
    padding = _padding(op, padding)
    strides = _per_axis(op, "strides", strides, n)
    dilation = _per_axis(op, "dilation_rate", dilation_rate, n)
    x = _to_channels_last(inputs, n, fmt)
    y = _depthwise_last(op, x, kernel, n, strides, padding, dilation)
    return _from_channels_last(y, n, fmt)


def separable_conv(
    inputs: TensorLike,
    depthwise_kernel: Any,
    pointwise_kernel: Any,
    strides: Any = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: Any = 1,
) -> Tensor:
    """General N-D separable convolution (here N = 1 or 2).

    A depthwise convolution followed by a pointwise (1x1) convolution.

    Args:
        inputs: Tensor of rank N+2, channels last or first as `data_format`
            says.
        depthwise_kernel: Tensor of rank N+2. `depthwise_kernel` has shape
            `[kernel_spatial_shape, num_input_channels, num_channels_multiplier]`.
        pointwise_kernel: Tensor of rank N+2. `pointwise_kernel` has shape
            `(*ones_like(kernel_spatial_shape),
            num_input_channels * num_channels_multiplier, num_output_channels)`.
        strides: int or int tuple/list of `len(inputs_spatial_shape)`,
            specifying the strides of the depthwise convolution.
        padding: string, either `"valid"` or `"same"`.
        data_format: A string, either `"channels_last"` or `"channels_first"`.
            Defaults to `"channels_last"`.
        dilation_rate: int or int tuple/list of `len(inputs_spatial_shape)`,
            specifying the dilation rate of the depthwise convolution.

    Returns:
        A tensor of rank N+2, the result of the separable conv operation.

    Example:

    >>> x = np.ones((1, 5, 2), "float32")
    >>> dw, pw = np.ones((3, 2, 2), "float32"), np.ones((1, 4, 3), "float32")
    >>> keras.ops.separable_conv(x, dw, pw).shape
    (1, 3, 3)
    """
    op = "separable_conv"
    n = _spatial_rank(op, inputs)
    fmt = _data_format(op, data_format)
    padding = _padding(op, padding)
    strides = _per_axis(op, "strides", strides, n)
    dilation = _per_axis(op, "dilation_rate", dilation_rate, n)
    x = _to_channels_last(inputs, n, fmt)
    y = _depthwise_last(op, x, depthwise_kernel, n, strides, padding, dilation)
    pshape = _check_kernel(op, pointwise_kernel, n, "pointwise_kernel")
    if pshape[:n] != (1,) * n or pshape[-2] != C.shape_of(op, y)[-1]:
        raise ShapeError(
            f"Op '{op}' expected a pointwise_kernel of shape "
            f"{C.dims_text((1,) * n + (C.shape_of(op, y)[-1], 'out_channels'))}. "
            f"Received: pointwise_kernel.shape={C.dims_text(pshape)}"
        )
    y = _conv_last(y, pointwise_kernel, n, [1] * n, "valid", [1] * n)
    return _from_channels_last(y, n, fmt)


def _pool(
    op: str,
    mode: str,
    inputs: Any,
    pool_size: int | Sequence[int],
    strides: int | Sequence[int],
    padding: str,
    data_format: str | None,
) -> Any:
    n = _spatial_rank(op, inputs)
    fmt = _data_format(op, data_format)
    padding = _padding(op, padding)
    pool = _per_axis(op, "pool_size", pool_size, n)
    strides = pool if strides is None else _per_axis(op, "strides", strides, n)
    x = _to_channels_last(inputs, n, fmt)
    y = run(f"{mode}_pool{n}d", [x], pool_size=pool, strides=strides, padding=padding)
    return _from_channels_last(y, n, fmt)


def max_pool(
    inputs: TensorLike,
    pool_size: Any,
    strides: Any = None,
    padding: str = "valid",
    data_format: str | None = None,
) -> Tensor:
    """Max pooling operation.

    Args:
        inputs: Tensor of rank N+2 (N = 1 or 2), channels last or first as
            `data_format` says.
        pool_size: int or tuple/list of integers of size
            `len(inputs_spatial_shape)`, specifying the size of the pooling
            window for each spatial dimension of the input tensor.
        strides: int or tuple/list of integers of size
            `len(inputs_spatial_shape)`, specifying the strides of the sliding
            window for each spatial dimension of the input tensor. If
            `None`, the pool size (non-overlapping windows).
        padding: string, either `"valid"` or `"same"`.
        data_format: A string, either `"channels_last"` or `"channels_first"`.
            Defaults to `"channels_last"`.

    Returns:
        A tensor of rank N+2, the result of the max pooling operation.

    Example:

    >>> keras.ops.max_pool(np.arange(6.0).reshape(1, 6, 1), 2)[0, :, 0]
    array([1., 3., 5.])
    """
    return _pool("max_pool", "max", inputs, pool_size, strides, padding, data_format)


def average_pool(
    inputs: TensorLike,
    pool_size: Any,
    strides: Any = None,
    padding: str = "valid",
    data_format: str | None = None,
) -> Tensor:
    """Average pooling operation.

    With `"same"` padding, each window averages its in-bounds elements only,
    as Keras's.

    Args:
        inputs: Tensor of rank N+2 (N = 1 or 2), channels last or first as
            `data_format` says.
        pool_size: int or tuple/list of integers of size
            `len(inputs_spatial_shape)`, specifying the size of the pooling
            window for each spatial dimension of the input tensor.
        strides: int or tuple/list of integers of size
            `len(inputs_spatial_shape)`, specifying the strides of the sliding
            window for each spatial dimension of the input tensor. If
            `None`, the pool size (non-overlapping windows).
        padding: string, either `"valid"` or `"same"`.
        data_format: A string, either `"channels_last"` or `"channels_first"`.
            Defaults to `"channels_last"`.

    Returns:
        A tensor of rank N+2, the result of the average pooling operation.

    Example:

    >>> keras.ops.average_pool(np.arange(6.0).reshape(1, 6, 1), 2)[0, :, 0]
    array([0.5, 2.5, 4.5])
    """
    return _pool("average_pool", "avg", inputs, pool_size, strides, padding, data_format)


def _blocks(op: str, x: Any, block_size: Any, data_format: str | None) -> Any:
    """(batch, height, width, channels), as stated, and the checked block size."""
    fmt = _data_format(op, data_format)
    shape = C.shape_of(op, x)
    if len(shape) != 4:
        raise ShapeError(
            f"Op '{op}' requires a 4D input tensor. Received: x.shape={C.dims_text(shape)}"
        )
    block = C.check_int(op, "block_size", block_size)
    if block < 2:
        raise InvalidArgumentError(
            f"Op '{op}': block_size must be at least 2. Received: block_size={block_size!r}"
        )
    axes = (1, 2, 3) if fmt == "channels_last" else (2, 3, 1)
    h, w, c = (C.static_size(op, shape, a) for a in axes)
    return fmt, block, (shape[0], h, w, c)


def depth_to_space(x: TensorLike, block_size: int, data_format: str = "channels_last") -> Tensor:
    """Rearranges data from depth into blocks of spatial data.

    Moves `block_size * block_size` channels into each spatial block, giving
    `(N, H * block_size, W * block_size, C // block_size ** 2)` for
    `"channels_last"` (or the channels-first equivalent).

    Args:
        x: Input tensor. Must be 4D.
        block_size: An integer (at least 2) specifying the size of the
            spatial block. The number of channels must be divisible by
            `block_size ** 2`.
        data_format: `"channels_last"` (batch, height, width, channels) or
            `"channels_first"` (batch, channels, height, width). Defaults to
            `"channels_last"`.

    Returns:
        A tensor with the rearranged elements (float32).

    Example:

    >>> keras.ops.depth_to_space(np.ones((1, 2, 3, 8)), block_size=2).shape
    (1, 4, 6, 2)
    """
    fmt, s, (_, h, w, c) = _blocks("depth_to_space", x, block_size, data_format)
    if c % (s * s):
        raise ShapeError(
            f"Op 'depth_to_space' expected a number of channels ({c}) divisible by "
            f"block_size**2 ({s * s}). Received: "
            f"x.shape={C.dims_text(C.shape_of('depth_to_space', x))}"
        )
    k = c // (s * s)
    if fmt == "channels_last":
        y = C.reshape("depth_to_space", x, [None, h, w, s, s, k])
        y = C.transpose(y, [0, 1, 3, 2, 4, 5])
        return C.reshape("depth_to_space", y, [None, h * s, w * s, k])
    y = C.reshape("depth_to_space", x, [None, k, s, s, h, w])
    y = C.transpose(y, [0, 1, 4, 2, 5, 3])
    return C.reshape("depth_to_space", y, [None, k, h * s, w * s])


def space_to_depth(x: TensorLike, block_size: int, data_format: str = "channels_last") -> Tensor:
    """Rearranges blocks of spatial data into depth.

    The reverse of `depth_to_space`: `(N, H * block_size, W * block_size, C)`
    becomes `(N, H, W, C * block_size ** 2)` for `"channels_last"` (or the
    channels-first equivalent).

    Args:
        x: Input tensor. Must be 4D.
        block_size: An integer (at least 2) specifying the size of the
            spatial block. The height and width of the input must be
            divisible by `block_size`.
        data_format: `"channels_last"` (batch, height, width, channels) or
            `"channels_first"` (batch, channels, height, width). Defaults to
            `"channels_last"`.

    Returns:
        A tensor with the rearranged elements (float32).

    Example:

    >>> keras.ops.space_to_depth(np.ones((1, 4, 6, 2)), block_size=2).shape
    (1, 2, 3, 8)
    """
    fmt, s, (_, h, w, c) = _blocks("space_to_depth", x, block_size, data_format)
    if h % s or w % s:
        raise ShapeError(
            f"Op 'space_to_depth' expected a height ({h}) and width ({w}) divisible by "
            f"block_size ({s}). Received: x.shape={C.dims_text(C.shape_of('space_to_depth', x))}"
        )
    if fmt == "channels_last":
        y = C.reshape("space_to_depth", x, [None, h // s, s, w // s, s, c])
        y = C.transpose(y, [0, 1, 3, 2, 4, 5])
        return C.reshape("space_to_depth", y, [None, h // s, w // s, c * s * s])
    y = C.reshape("space_to_depth", x, [None, c, h // s, s, w // s, s])
    y = C.transpose(y, [0, 1, 3, 5, 2, 4])
    return C.reshape("space_to_depth", y, [None, c * s * s, h // s, w // s])
