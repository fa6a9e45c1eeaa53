"""An ONNX graph under construction, kept as plain Python data.

The emitters (`onnx_ops`, `onnx_nn`) add nodes and initializers here without
importing `onnx` (an optional dependency); `pykeras.export.onnx` turns the
result into an `onnx.ModelProto` at the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pykeras import _core
from pykeras.errors import InvalidArgumentError

# Every op's declared attributes and their defaults (`_core.op_specs`), so an
# emitter reads an attribute the tracer left out as the op itself would.
_DEFAULTS: dict[str, dict[str, Any]] = {s["name"]: dict(s["attrs"]) for s in _core.op_specs()}


@dataclass
class OnnxNode:
    """One ONNX node: `op_type` on `inputs` giving `outputs`, with `attrs`."""

    op_type: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, Any] = field(default_factory=dict)


class UnsupportedOp(InvalidArgumentError):
    """An op (or an attribute of it) the ONNX exporter cannot write.

    `pykeras.export.onnx` adds the layer that made it and re-raises it as an
    `InvalidArgumentError` naming the layer, the op and the format."""


class OnnxBuilder:
    """Collects ONNX nodes and initializers for one pykeras graph.

    Args:
        graph: the `_core.Graph` being exported.
    """

    def __init__(self, graph: Any) -> None:
        self.graph = graph
        self.nodes: list[OnnxNode] = []
        self.initializers: dict[str, np.ndarray] = {}
        self._infos: dict[int, Any] = {}
        self._used: set[str] = set()
        self._consts: dict[tuple[str, tuple[int, ...], bytes], str] = {}

    # ---------------------------------------------------------------- names

    def fresh(self, hint: str) -> str:
        """A tensor name not used yet, built from `hint`."""
        base = re.sub(r"[^A-Za-z0-9_./:-]", "_", hint) or "t"
        name, i = base, 1
        while name in self._used:
            name, i = f"{base}_{i}", i + 1
        self._used.add(name)
        return name

    # ------------------------------------------------------- reading pykeras

    def info(self, node: int) -> Any:
        """The `_core.NodeInfo` of pykeras node `node` (read once)."""
        if node not in self._infos:
            self._infos[node] = self.graph.node(node)
        return self._infos[node]

    def attr(self, info: Any, key: str) -> Any:
        """Attribute `key` of op node `info`, or the op's declared default."""
        if key in info.attrs and info.attrs[key] is not None:
            return info.attrs[key]
        return _DEFAULTS.get(info.name, {}).get(key)

    def value(self, node: int) -> np.ndarray | None:
        """The value of a constant or variable node, else None."""
        info = self.info(node)
        return None if info.value is None else np.asarray(info.value)

    def shape(self, node: int) -> list[int | None] | None:
        """The static shape of pykeras node `node`, if known."""
        return self.info(node).shape

    def rank(self, node: int, op: str) -> int:
        shape = self.shape(node)
        if shape is None:
            raise UnsupportedOp(f"op '{op}' on an input of unknown rank")
        return len(shape)

    # --------------------------------------------------------------- writing

    def add(self, op_type: str, inputs: list[str], hint: str = "", **attrs: Any) -> str:
        """Adds an ONNX node with one output; returns the output's name."""
        out = self.fresh(hint or op_type.lower())
        self.nodes.append(OnnxNode(op_type, list(inputs), [out], attrs))
        return out

    def initializer(self, value: np.ndarray, hint: str) -> str:
        """Adds `value` as an initializer; returns its name."""
        name = self.fresh(hint)
        self.initializers[name] = np.ascontiguousarray(value)
        return name

    def const(self, value: Any, dtype: Any = np.float32) -> str:
        """A constant (shared between identical uses), as an initializer."""
        array = np.asarray(value, dtype=dtype)
        key = (array.dtype.str, array.shape, array.tobytes())
        if key not in self._consts:
            self._consts[key] = self.initializer(array, "const")
        return self._consts[key]

    def ints(self, values: Any) -> str:
        """A 1-d int64 constant (shapes, axes, pads as inputs)."""
        return self.const(np.asarray(list(values), dtype=np.int64).reshape(-1), np.int64)

    def cast(self, x: str, to: str) -> str:
        """`x` cast to "float32" or "int64" (ONNX `Cast`)."""
        return self.add("Cast", [x], "cast", to=_ONNX_TYPES[to])


# ONNX TensorProto element types (stable numbers of the ONNX standard).
_ONNX_TYPES = {
    "float32": 1,
    "uint8": 2,
    "int8": 3,
    "int16": 5,
    "int32": 6,
    "int64": 7,
    "bool": 9,
    "float16": 10,
    "float64": 11,
    "uint16": 4,
    "uint32": 12,
    "uint64": 13,
}


def onnx_type(dtype: str) -> int:
    """The ONNX element type of a Keras dtype name."""
    if dtype not in _ONNX_TYPES:
        raise InvalidArgumentError(
            f"export: inputs of dtype {dtype} cannot be exported to ONNX. "
            f"Expected one of {sorted(_ONNX_TYPES)}."
        )
    return _ONNX_TYPES[dtype]
