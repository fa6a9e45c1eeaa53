"""Argument checks and shape rules shared by the convolution layers, with
Keras 3's rules and messages naming the layer."""

from __future__ import annotations

from typing import Any

from pykeras.layers.validation import int_tuple
from pykeras.ops._image_common import default_data_format
from pykeras.ops._nn_resample import _transpose_pads


def conv_output_length(length: int, kernel: Any, stride: Any, dilation: Any, padding: Any) -> Any:
    """One spatial output size, as Keras computes it (None stays None)."""
    if length is None:
        return None
    window = (kernel - 1) * dilation + 1
    if padding == "same" or padding == "causal":
        return -(-length // stride)
    return max(0, (length - window) // stride + 1)


def transpose_output_length(
    length: int, kernel: Any, stride: Any, dilation: Any, padding: Any, output_padding: Any
) -> Any:
    """One spatial output size of a transposed convolution: that of the
    padding Keras's JAX backend applies (`lax.conv_transpose`)."""
    if length is None:
        return None
    window = (kernel - 1) * dilation + 1
    left, right = _transpose_pads(kernel, stride, dilation, padding, output_padding)
    return (length - 1) * stride + 1 + left + right - window + 1


def data_format_arg(value: Any, layer_name: str) -> Any:
    """`value` checked: None (Keras's default, channels last) or one of the two formats."""
    if value is None:
        return default_data_format()
    text = str(value).lower()
    if text not in ("channels_last", "channels_first"):
        raise ValueError(
            f"Layer '{layer_name}': the `data_format` argument must be one of "
            f"{{'channels_first', 'channels_last'}}. Received: data_format={value!r}"
        )
    return text


def padding_arg(value: Any, layer_name: str, allow_causal: bool = False) -> Any:
    text = str(value).lower()
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if text not in allowed:
        raise ValueError(
            f"Layer '{layer_name}': the `padding` argument must be one of {allowed}. "
            f"Received: padding={value!r}"
        )
    return text


def window_args(
    layer: Any,
    rank: int,
    kernel_size: Any,
    strides: Any,
    dilation_rate: Any,
) -> None:
    """Sets kernel_size, strides and dilation_rate on `layer`, checked as Keras does."""
    layer.kernel_size = int_tuple(kernel_size, rank, "kernel_size", layer.name)
    layer.strides = int_tuple(strides, rank, "strides", layer.name)
    layer.dilation_rate = int_tuple(dilation_rate, rank, "dilation_rate", layer.name)
    if max(layer.strides) > 1 and max(layer.dilation_rate) > 1:
        raise ValueError(
            f"Layer '{layer.name}': `strides > 1` not supported in conjunction with "
            f"`dilation_rate > 1`. Received: strides={layer.strides} and "
            f"dilation_rate={layer.dilation_rate}"
        )


def split_shape(input_shape: Any, data_format: str | None) -> Any:
    """(batch, spatial sizes, channels) of a batched input shape."""
    shape = tuple(input_shape)
    if data_format == "channels_first":
        return shape[0], list(shape[2:]), shape[1]
    return shape[0], list(shape[1:-1]), shape[-1]


def join_shape(
    batch: int | None, spatial: Any, channels: int | None, data_format: str | None
) -> Any:
    if data_format == "channels_first":
        return (batch, channels, *spatial)
    return (batch, *spatial, channels)


def check_channels(layer: Any, channels: int, input_shape: Any) -> None:
    if channels is None:
        raise ValueError(
            f"Layer '{layer.name}' needs a known channel dimension "
            f"({'axis 1' if layer.data_format == 'channels_first' else 'the last axis'}). "
            f"Received: input_shape={tuple(input_shape)}"
        )


def check_fits(layer: Any, input_shape: Any, windows: Any, padding: Any) -> None:
    """Raises when a kernel is larger than an unpadded input (a 0-sized output)."""
    _, spatial, _ = split_shape(input_shape, layer.data_format)
    if padding != "valid":
        return
    for size, window in zip(spatial, windows):
        if size is not None and size < window:
            raise ValueError(
                f"Layer '{layer.name}': the kernel window (size {window} with dilation) is "
                f"larger than the input along a spatial axis with padding='valid', which "
                f"would give an empty output. Received: input_shape={tuple(input_shape)}, "
                f"kernel_size={layer.kernel_size}, dilation_rate={layer.dilation_rate}"
            )
