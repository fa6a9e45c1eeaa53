"""ONNX nodes for pykeras's elementwise, reduction and shape primitives.

Each emitter takes the builder, the primitive's `_core.NodeInfo` and the
ONNX names of its inputs, and returns the ONNX name of its output. The core
computes in float32 and int64 only; comparisons give 0/1 float32 masks and
`argmax` float32 indices, so their ONNX forms cast back to float32.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from pykeras.export.onnx_builder import OnnxBuilder, UnsupportedOp

Emitter = Callable[[OnnxBuilder, Any, list[str]], str]

# pykeras op -> ONNX op of the same meaning on the same inputs.
_DIRECT = {
    "abs": "Abs",
    "add": "Add",
    "sub": "Sub",
    "mul": "Mul",
    "div": "Div",
    "neg": "Neg",
    "exp": "Exp",
    "exponential": "Exp",
    "log": "Log",
    "sqrt": "Sqrt",
    "pow": "Pow",
    "maximum": "Max",
    "minimum": "Min",
    "reciprocal": "Reciprocal",
    "sin": "Sin",
    "cos": "Cos",
    "tan": "Tan",
    "sinh": "Sinh",
    "cosh": "Cosh",
    "arcsin": "Asin",
    "arccos": "Acos",
    "arctan": "Atan",
    "arcsinh": "Asinh",
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "erf": "Erf",
    "floor": "Floor",
    "ceil": "Ceil",
    "round": "Round",  # ties to even, as numpy and the core
    "sign": "Sign",
    "softsign": "Softsign",
    "matmul": "MatMul",  # numpy's matmul: batch axes broadcast
    "bias_add": "Add",  # the bias broadcasts along the last axis
    "concat": "Concat",
    "stop_gradient": "Identity",
    # Forward, a custom gradient is its first input (the result); the rest
    # feed only its backward pass.
    "custom_gradient": "Identity",
    "linear": "Identity",
}

# pykeras comparison -> (ONNX op, whether the result is negated).
_COMPARE = {
    "equal": ("Equal", False),
    "not_equal": ("Equal", True),
    "greater": ("Greater", False),
    "greater_equal": ("GreaterOrEqual", False),
    "less": ("Less", False),
    "less_equal": ("LessOrEqual", False),
}

_REDUCE = {"sum": "ReduceSum", "mean": "ReduceMean", "max": "ReduceMax"}

_INT64_MAX = np.iinfo(np.int64).max
_INT64_MIN = np.iinfo(np.int64).min


def _direct(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    op_type = _DIRECT[info.name]
    if op_type == "Concat":
        return b.add("Concat", x, "concat", axis=int(b.attr(info, "axis")))
    if op_type == "Identity":
        return b.add("Identity", x[:1], info.name)
    return b.add(op_type, x, info.name)


def _compare(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    op_type, negate = _COMPARE[info.name]
    out = b.add(op_type, x, info.name)
    if negate:
        out = b.add("Not", [out], "not")
    return b.cast(out, "float32")


def _composite(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    """Unary ops written with two or three ONNX nodes."""
    name, v = info.name, x[0]
    if name == "square":
        return b.add("Mul", [v, v], "square")
    if name == "rsqrt":
        return b.add("Reciprocal", [b.add("Sqrt", [v])], "rsqrt")
    if name == "log1p":
        return b.add("Log", [b.add("Add", [v, b.const(1.0)])], "log1p")
    if name == "expm1":
        return b.add("Sub", [b.add("Exp", [v]), b.const(1.0)], "expm1")
    if name in ("log2", "log10"):
        base = 2.0 if name == "log2" else 10.0
        return b.add("Div", [b.add("Log", [v]), b.const(np.log(base))], name)
    if name == "erfc":
        return b.add("Sub", [b.const(1.0), b.add("Erf", [v])], "erfc")
    raise UnsupportedOp(f"op '{name}'")


def _where(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    # The core's condition is a 0/1 float (or int) mask: non-zero selects x1.
    zero = b.const(0, np.int64 if b.info(info.inputs[0]).dtype == "int64" else np.float32)
    keep = b.add("Not", [b.add("Equal", [x[0], zero])], "cond")
    return b.add("Where", [keep, x[1], x[2]], "where")


def _cast(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    return b.cast(x[0], str(b.attr(info, "dtype")))


def _clip(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    dtype = np.int64 if b.info(info.inputs[0]).dtype == "int64" else np.float32
    lo, hi = b.attr(info, "min"), b.attr(info, "max")
    bounds = [
        b.const(lo, dtype) if lo is not None else "",
        b.const(hi, dtype) if hi is not None else "",
    ]
    while bounds and bounds[-1] == "":
        bounds.pop()
    return b.add("Clip", [x[0], *bounds], "clip")


def _axes(axis: Any) -> list[int] | None:
    if axis is None:
        return None
    return [int(axis)] if isinstance(axis, (int, np.integer)) else [int(a) for a in axis]


def _reduce(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    axes = _axes(b.attr(info, "axis"))
    keep = int(bool(b.attr(info, "keepdims")))
    inputs = [x[0]] if axes is None else [x[0], b.ints(axes)]
    return b.add(_REDUCE[info.name], inputs, info.name, keepdims=keep)


def _reshape(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    shape = [int(d) for d in b.attr(info, "shape")]
    # A 0 in an ONNX shape copies the input's size unless `allowzero` is set.
    extra = {"allowzero": 1} if 0 in shape else {}
    return b.add("Reshape", [x[0], b.ints(shape)], "reshape", **extra)


def _transpose(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    axes = b.attr(info, "axes")
    rank = b.rank(info.inputs[0], info.name)
    perm = list(range(rank))[::-1] if axes is None else [int(a) % rank for a in axes]
    return b.add("Transpose", [x[0]], "transpose", perm=perm)


def _slice(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    starts = [int(s) for s in b.attr(info, "start_indices")]
    sizes = [int(s) for s in b.attr(info, "shape")]
    # A size of -1 runs to the end of the axis.
    ends = [_INT64_MAX if n == -1 else s + n for s, n in zip(starts, sizes)]
    axes = list(range(len(starts)))
    return b.add("Slice", [x[0], b.ints(starts), b.ints(ends), b.ints(axes)], "slice")


def _pad(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    widths = [[int(a), int(c)] for a, c in b.attr(info, "pad_width")]
    pads = [w[0] for w in widths] + [w[1] for w in widths]
    dtype = np.int64 if b.info(info.inputs[0]).dtype == "int64" else np.float32
    value = b.const(b.attr(info, "constant_values") or 0, dtype)
    return b.add("Pad", [x[0], b.ints(pads), value], "pad", mode="constant")


def _dim(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    axis = int(b.attr(info, "axis"))
    shape = b.add("Shape", [x[0]], "shape")
    return b.add("Gather", [shape, b.const(axis, np.int64)], "dim", axis=0)


def _dynamic_shape(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    """The target shape of reshape_dynamic / broadcast_dynamic as a tensor:
    static sizes from the attribute, the `sized` axes from the size inputs."""
    shape = [int(d) for d in b.attr(info, "shape")]
    sized = [int(a) % len(shape) for a in (b.attr(info, "sized") or [])]
    parts = []
    for axis, size in enumerate(shape):
        if axis in sized:
            parts.append(b.add("Reshape", [x[1 + sized.index(axis)], b.ints([1])], "size"))
        else:
            parts.append(b.ints([size]))
    return b.add("Concat", parts, "target_shape", axis=0)


def _reshape_dynamic(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    return b.add("Reshape", [x[0], _dynamic_shape(b, info, x)], "reshape")


def _broadcast_dynamic(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    return b.add("Expand", [x[0], _dynamic_shape(b, info, x)], "broadcast")


def _time_last(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    return b.add("Gather", [x[0], b.const(-1, np.int64)], "time_last", axis=1)


def _time_reverse(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    inputs = [x[0], b.ints([-1]), b.ints([_INT64_MIN]), b.ints([1]), b.ints([-1])]
    return b.add("Slice", inputs, "time_reverse")


def _argmax(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    out = b.add("ArgMax", [x[0]], "argmax", axis=int(b.attr(info, "axis")), keepdims=0)
    return b.cast(out, "float32")


def _one_hot(b: OnnxBuilder, info: Any, x: list[str]) -> str:
    depth = b.attr(info, "num_classes")
    if depth is None:
        raise UnsupportedOp("op 'one_hot' without num_classes")
    # A comparison with 0..depth-1: ids out of range give all-zero rows, as in the core.
    ids = b.add("Unsqueeze", [b.cast(x[0], "int64"), b.ints([-1])], "ids")
    hot = b.add("Equal", [ids, b.const(np.arange(int(depth)), np.int64)], "one_hot")
    return b.cast(hot, "float32")


OPS: dict[str, Emitter] = {
    **{name: _direct for name in _DIRECT},
    **{name: _compare for name in _COMPARE},
    **{name: _composite for name in ("square", "rsqrt", "log1p", "expm1", "log2", "log10", "erfc")},
    **{name: _reduce for name in _REDUCE},
    "where": _where,
    "cast": _cast,
    "clip": _clip,
    "reshape": _reshape,
    "transpose": _transpose,
    "slice": _slice,
    "pad": _pad,
    "dim": _dim,
    "reshape_dynamic": _reshape_dynamic,
    "broadcast_dynamic": _broadcast_dynamic,
    "time_last": _time_last,
    "time_reverse": _time_reverse,
    "argmax": _argmax,
    "one_hot": _one_hot,
}
