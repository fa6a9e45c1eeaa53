"""ONNX nodes for pykeras's neural-network primitives: activations,
convolutions, pooling, normalization, embeddings and attention.

The core is channels-last (NWC, NHWC, kernels (w, in, out) / (h, w, in,
out)); ONNX's Conv and pooling are channels-first, so those ops transpose in
and out (ONNX Runtime folds the transposes of constant kernels).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras.export.onnx_builder import OnnxBuilder, UnsupportedOp
from pykeras.export.onnx_ops import Emitter
from pykeras.ops._nn_resample import _transpose_pads

# The core's logit for masked attention positions (as JAX's): a fully masked
# row attends uniformly instead of giving NaN.
_LARGE_NEGATIVE = -0.7 * float(np.finfo(np.float32).max)
_SELU_ALPHA = 1.6732632
_SELU_SCALE = 1.050701


# ------------------------------------------------------------ activations


def _relu(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    slope = float(b.attr(info, "negative_slope") or 0.0)
    cap = b.attr(info, "max_value")
    threshold = float(b.attr(info, "threshold") or 0.0)
    v = x[0]
    if slope == 0.0 and threshold == 0.0:
        y = b.add("Relu", [v], "relu")
    else:
        # x if x >= threshold else slope * (x - threshold), as the core.
        below = b.add("Mul", [b.add("Sub", [v, b.const(threshold)]), b.const(slope)])
        keep = b.add("GreaterOrEqual", [v, b.const(threshold)])
        y = b.add("Where", [keep, v, below], "relu")
    return y if cap is None else b.add("Min", [y, b.const(float(cap))], "relu_cap")


def _gelu(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    v = x[0]
    if b.attr(info, "approximate"):
        cube = b.add("Mul", [b.add("Mul", [v, v]), v])
        inner = b.add("Add", [v, b.add("Mul", [cube, b.const(0.044715)])])
        t = b.add("Tanh", [b.add("Mul", [inner, b.const(np.sqrt(2.0 / np.pi))])])
    else:
        t = b.add("Erf", [b.add("Mul", [v, b.const(1.0 / np.sqrt(2.0))])])
    half = b.add("Mul", [v, b.const(0.5)])
    return b.add("Mul", [half, b.add("Add", [t, b.const(1.0)])], "gelu")


def _activation(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    name, v = info.name, x[0]
    if name in ("silu", "swish"):
        return b.add("Mul", [v, b.add("Sigmoid", [v])], name)
    if name == "elu":
        return b.add("Elu", [v], "elu", alpha=float(b.attr(info, "alpha")))
    if name == "selu":
        return b.add("Selu", [v], "selu", alpha=_SELU_ALPHA, gamma=_SELU_SCALE)
    if name == "leaky_relu":
        return b.add("LeakyRelu", [v], name, alpha=float(b.attr(info, "negative_slope")))
    if name == "softplus":
        # max(x, 0) + log(1 + exp(-|x|)): no overflow for large x, as the core.
        tail = b.add("Exp", [b.add("Neg", [b.add("Abs", [v])])])
        log = b.add("Log", [b.add("Add", [tail, b.const(1.0)])])
        return b.add("Add", [b.add("Relu", [v]), log], "softplus")
    if name == "hard_sigmoid":  # relu6(x + 3) / 6
        return b.add("HardSigmoid", [v], name, alpha=1.0 / 6.0, beta=0.5)
    if name == "softmax":
        return b.add("Softmax", [v], name, axis=int(b.attr(info, "axis")))
    if name == "log_softmax":
        return b.add("LogSoftmax", [v], name, axis=int(b.attr(info, "axis")))
    raise UnsupportedOp(f"op '{name}'")


# ------------------------------------------------------ windows (conv, pool)


def _spatial(value: Any, n: int, default: list[int]) -> list[int]:
    if value is None:
        return list(default)
    values = [int(value)] if isinstance(value, (int, np.integer)) else [int(v) for v in value]
    return values * n if len(values) == 1 else values


def _window_attrs(
    b: OnnxBuilder, info: Any, sizes: list[int], strides: list[int], dilations: list[int]
) -> dict[str, Any]:
    """ONNX `pads` (or `auto_pad`) for the core's "valid"/"same" padding:
    "same" puts the odd cell after, as TensorFlow and the core do."""
    padding = str(b.attr(info, "padding")).lower()
    if padding == "valid":
        return {}
    if padding != "same":
        raise UnsupportedOp(f"op '{info.name}' with padding={padding!r}")
    shape = b.shape(info.inputs[0])
    lengths = None if shape is None else _known(shape[1 : 1 + len(sizes)])
    if lengths is None:
        return {"auto_pad": "SAME_UPPER"}
    before, after = [], []
    for n, k, s, d in zip(lengths, sizes, strides, dilations):
        window = (k - 1) * d + 1
        out = -(-n // s)
        total = max((max(out, 1) - 1) * s + window - n, 0)
        before.append(total // 2)
        after.append(total - total // 2)
    return {"pads": before + after}


def _known(dims: list[int | None]) -> list[int] | None:
    """`dims` as ints if every size is known, else None."""
    known = [int(d) for d in dims if d is not None]
    return known if len(known) == len(dims) else None


def _to_channels_first(b: OnnxBuilder, v: str, n: int) -> str:
    return b.add("Transpose", [v], "to_nchw", perm=[0, n + 1, *range(1, n + 1)])


def _to_channels_last(b: OnnxBuilder, v: str, n: int) -> str:
    return b.add("Transpose", [v], "to_nhwc", perm=[0, *range(2, n + 2), 1])


def _conv(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    n = 1 if info.name == "conv1d" else 2
    kernel_perm = [n + 1, n, *range(n)]  # (..., in, out) -> (out, in, ...)
    value = b.value(info.inputs[1])
    if value is not None:
        kernel = b.initializer(np.transpose(value, kernel_perm), "kernel")
    else:
        kernel = b.add("Transpose", [x[1]], "kernel", perm=kernel_perm)
    kshape = b.shape(info.inputs[1])
    sizes = None if kshape is None else _known(kshape[:n])
    if sizes is None:
        raise UnsupportedOp(f"op '{info.name}' with a kernel of unknown size")
    return _emit_conv(b, info, x[0], kernel, n, sizes)


def _emit_conv(
    b: OnnxBuilder, info: Any, x: str, kernel: str, n: int, sizes: list[int], **extra: Any
) -> str:
    """ONNX's channels-first `Conv` of channels-last `x` with an ONNX-layout
    `kernel`, with the op's strides, dilations and padding (and `extra`
    attributes, e.g. `group`), transposed back to channels last."""
    strides = _spatial(b.attr(info, "strides"), n, [1] * n)
    dilations = _spatial(b.attr(info, "dilation_rate"), n, [1] * n)
    attrs = _window_attrs(b, info, sizes, strides, dilations)
    y = b.add(
        "Conv",
        [_to_channels_first(b, x, n), kernel],
        info.name,
        kernel_shape=sizes,
        strides=strides,
        dilations=dilations,
        **attrs,
        **extra,
    )
    return _to_channels_last(b, y, n)


def _conv_kernel(b: OnnxBuilder, info: Any, v: str, n: int, shape: list[int]) -> str:
    """The core's kernel `v` reshaped to `shape` (channels-last order) and
    moved to ONNX's (a, b, *k) layout from (*k, b, a)."""
    perm = [n + 1, n, *range(n)]
    value = b.value(info.inputs[1])
    if value is not None:
        return b.initializer(np.transpose(np.reshape(value, shape), perm), "kernel")
    reshaped = b.add("Reshape", [v, b.ints(shape)], "kernel")
    return b.add("Transpose", [reshaped], "kernel", perm=perm)


def _depthwise_conv(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    """A grouped Conv with one group per input channel: the kernel (*k, C, M)
    is (C * M, 1, *k) in ONNX, output channel c * M + m in group c."""
    n = 1 if info.name.endswith("1d") else 2
    kshape = _known(b.shape(info.inputs[1]) or [None])
    if kshape is None or len(kshape) != n + 2:
        raise UnsupportedOp(f"op '{info.name}' with a kernel of unknown size")
    sizes, channels, multiplier = kshape[:n], kshape[n], kshape[n + 1]
    kernel = _conv_kernel(b, info, x[1], n, [*sizes, 1, channels * multiplier])
    return _emit_conv(b, info, x[0], kernel, n, sizes, group=channels)


def _conv_transpose(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    """ONNX's ConvTranspose (the gradient of Conv, as the core's op): the
    kernel (*k, out, in) is (in, out, *k); Keras's JAX padding becomes
    `pads`, with zeros appended where Keras's output is longer."""
    n = 1 if info.name.startswith("conv1d") else 2
    kshape = _known(b.shape(info.inputs[1]) or [None])
    if kshape is None or len(kshape) != n + 2:
        raise UnsupportedOp(f"op '{info.name}' with a kernel of unknown size")
    sizes = kshape[:n]
    kernel = _conv_kernel(b, info, x[1], n, list(kshape))
    strides = _spatial(b.attr(info, "strides"), n, [1] * n)
    dilations = _spatial(b.attr(info, "dilation_rate"), n, [1] * n)
    extra = b.attr(info, "output_padding")
    extras = [None] * n if extra is None else _spatial(extra, n, [0] * n)
    padding = str(b.attr(info, "padding")).lower()
    before, after, grow = [], [], []
    for k, s, d, e in zip(sizes, strides, dilations, extras):
        left, right = _transpose_pads(k, s, d, padding, e)
        window = (k - 1) * d + 1
        before.append(window - 1 - left)
        # ONNX's output ends `window - 1 - right` cells early; Keras's may be longer.
        after.append(max(window - 1 - right, 0))
        grow.append(max(right - (window - 1), 0))
    y = b.add(
        "ConvTranspose",
        [_to_channels_first(b, x[0], n), kernel],
        info.name,
        kernel_shape=sizes,
        strides=strides,
        dilations=dilations,
        pads=before + after,
    )
    if any(grow):
        y = b.add("Pad", [y, b.ints([0] * (n + 2) + [0, 0, *grow])], "output_padding")
    return _to_channels_last(b, y, n)


def _pool(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    n = 1 if info.name.endswith("1d") else 2
    sizes = _spatial(b.attr(info, "pool_size"), n, [2] * n)
    strides = _spatial(b.attr(info, "strides"), n, sizes)
    attrs = _window_attrs(b, info, sizes, strides, [1] * n)
    op_type = "MaxPool" if info.name.startswith("max") else "AveragePool"
    if op_type == "AveragePool":
        attrs["count_include_pad"] = 0  # padded cells are skipped, as in the core
    y = b.add(
        op_type,
        [_to_channels_first(b, x[0], n)],
        info.name,
        kernel_shape=sizes,
        strides=strides,
        **attrs,
    )
    return _to_channels_last(b, y, n)


def _global_pool(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    axes = [1] if info.name.endswith("1d") else [1, 2]
    op_type = "ReduceMax" if "max" in info.name else "ReduceMean"
    keep = int(bool(b.attr(info, "keepdims")))
    return b.add(op_type, [x[0], b.ints(axes)], info.name, keepdims=keep)


# --------------------------------------------------------- normalization


def _param_shape(b: OnnxBuilder, info: Any, axes: list[int], rank: int) -> list[int]:
    """The shape a flat per-feature parameter takes to broadcast over `axes`."""
    shape = b.shape(info.inputs[0]) or []
    out = []
    for a in range(min(axes), rank):
        if a in axes:
            size = shape[a] if a < len(shape) else None
            if size is None:
                raise UnsupportedOp(f"op '{info.name}' over an axis of unknown size")
            out.append(int(size))
        else:
            out.append(1)
    return out


def _batch_norm(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    if b.attr(info, "training"):
        raise UnsupportedOp("op 'batch_norm' in training mode (batch statistics)")
    rank = b.rank(info.inputs[0], info.name)
    axis = int(b.attr(info, "axis")) % rank
    target = b.ints(_param_shape(b, info, [axis], rank))
    gamma, beta, mean, var = (b.add("Reshape", [p, target]) for p in x[1:5])
    eps = b.const(float(b.attr(info, "epsilon")))
    # (x - mean) * (gamma / sqrt(var + eps)) + beta, in the core's order.
    inv = b.add("Reciprocal", [b.add("Sqrt", [b.add("Add", [var, eps])])])
    scale = b.add("Mul", [inv, gamma])
    centred = b.add("Sub", [x[0], mean])
    return b.add("Add", [b.add("Mul", [centred, scale]), beta], "batch_norm")


def _layer_norm(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    rank = b.rank(info.inputs[0], info.name)
    raw = b.attr(info, "axis")
    axes = [int(a) % rank for a in ([raw] if isinstance(raw, int) else raw)]
    if axes != sorted(set(axes)):
        raise UnsupportedOp(f"op 'layer_norm' over unsorted axes {raw}")
    target = b.ints(_param_shape(b, info, axes, rank))
    gamma, beta = (b.add("Reshape", [p, target]) for p in x[1:3])
    ax = b.ints(axes)
    centred = b.add("Sub", [x[0], b.add("ReduceMean", [x[0], ax], "mean", keepdims=1)])
    var = b.add("ReduceMean", [b.add("Mul", [centred, centred]), ax], "var", keepdims=1)
    eps = b.const(float(b.attr(info, "epsilon")))
    inv = b.add("Reciprocal", [b.add("Sqrt", [b.add("Add", [var, eps])])])
    xhat = b.add("Mul", [centred, inv])
    return b.add("Add", [b.add("Mul", [xhat, gamma]), beta], "layer_norm")


# ------------------------------------------------- embeddings and attention


def _embedding(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    return b.add("Gather", [x[1], b.cast(x[0], "int64")], "embedding", axis=0)


def _attention(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    """softmax(q kᵀ · scale, masked) v over (batch, time, heads, depth)."""
    q = b.add("Transpose", [x[0]], "q", perm=[0, 2, 1, 3])
    k = b.add("Transpose", [x[1]], "k", perm=[0, 2, 3, 1])
    v = b.add("Transpose", [x[2]], "v", perm=[0, 2, 1, 3])
    logits = b.add("Mul", [b.add("MatMul", [q, k]), b.const(float(b.attr(info, "scale")))])
    keep = None
    if len(x) > 3:
        zero = b.const(0, np.int64 if b.info(info.inputs[3]).dtype == "int64" else np.float32)
        keep = b.add("Not", [b.add("Equal", [x[3], zero])], "mask")
    if b.attr(info, "is_causal"):
        # Query i sees keys j <= i: the lower triangle of a (T, S) block.
        ts = b.add("Slice", [b.add("Shape", [logits]), b.ints([-2]), b.ints([4])])
        ones = b.add("Expand", [b.const(1.0), ts])
        causal = b.cast(b.add("Trilu", [ones], "causal", upper=0), "bool")
        keep = causal if keep is None else b.add("And", [keep, causal])
    if keep is not None:
        logits = b.add("Where", [keep, logits, b.const(_LARGE_NEGATIVE)], "masked")
    probs = b.add("Softmax", [logits], "probs", axis=-1)
    out = b.add("MatMul", [probs, v])
    return b.add("Transpose", [out], "attention", perm=[0, 2, 1, 3])


def _dropout(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    if b.attr(info, "training"):
        raise UnsupportedOp("op 'dropout' forced into training mode (training=True)")
    return b.add("Identity", [x[0]], "dropout")


OPS: dict[str, Emitter] = {
    "relu": _relu,
    "gelu": _gelu,
    **{
        name: _activation
        for name in (
            "silu",
            "swish",
            "elu",
            "selu",
            "leaky_relu",
            "softplus",
            "hard_sigmoid",
            "softmax",
            "log_softmax",
        )
    },
    "conv1d": _conv,
    "conv2d": _conv,
    "depthwise_conv1d": _depthwise_conv,
    "depthwise_conv2d": _depthwise_conv,
    "conv1d_transpose": _conv_transpose,
    "conv2d_transpose": _conv_transpose,
    **{name: _pool for name in ("max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d")},
    **{
        name: _global_pool
        for name in (
            "global_avg_pool1d",
            "global_avg_pool2d",
            "global_max_pool1d",
            "global_max_pool2d",
        )
    },
    "batch_norm": _batch_norm,
    "layer_norm": _layer_norm,
    "embedding": _embedding,
    "dot_product_attention": _attention,
    "dropout": _dropout,
}
