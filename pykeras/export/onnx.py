"""`model.export(path, format="onnx")`: the inference graph as an ONNX file.

The model is traced for inference into the same Rust graph `predict` runs
(so Sequential, Functional and subclassed models, and custom layers built
from `pykeras.ops`, export alike); each primitive becomes one or a few ONNX
nodes (`onnx_ops`, `onnx_nn`), the variables' current values become
initializers, and the batch axis of every input and output stays free.

The default opset is 18 (ONNX 1.13, ONNX Runtime 1.14 and newer): the first
where every reduction takes its axes as an input, so one form of each node
serves all the opsets accepted here (18 up to the installed `onnx`'s newest).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from pykeras.errors import InvalidArgumentError
from pykeras.export.capture import CapturedGraph, InputSignature, capture
from pykeras.export.onnx_builder import OnnxBuilder, UnsupportedOp, onnx_type
from pykeras.export.onnx_nn import OPS as NN_OPS
from pykeras.export.onnx_ops import OPS as BASE_OPS
from pykeras.saving.atomic import atomic_path

DEFAULT_OPSET = 18
MIN_OPSET = 18

# Every primitive the exporter writes, by the core's op name.
OPS = {**BASE_OPS, **NN_OPS}


@dataclass
class OnnxGraph:
    """A model's ONNX nodes and initializers, with its inputs and outputs."""

    builder: OnnxBuilder
    inputs: list[InputSignature]
    outputs: list[str]
    output_nodes: list[int]


def supported_ops() -> list[str]:
    """The names of the primitives the ONNX exporter can write."""
    return sorted(OPS)


def export_onnx(
    model: Any,
    filepath: str | os.PathLike[str],
    verbose: bool | None = None,
    input_signature: Any = None,
    opset_version: int | None = None,
    **kwargs: Any,
) -> None:
    """Export the model as an ONNX artifact for inference.

    The artifact holds the model's forward pass in inference mode (dropout
    off, batch normalization on its moving statistics) with the current
    weights; it runs without pykeras, e.g. in ONNX Runtime. Every input's
    first (batch) axis is dynamic.

    Args:
        model: a built `keras.Model` (Sequential, Functional or subclassed).
        filepath: `str` or `pathlib.Path`: where to write the `.onnx` file.
            The file is written whole or not at all; an unwritable path
            raises `OSError` and leaves nothing behind.
        verbose: whether to print a message once written (default True, as
            Keras).
        input_signature: optional structure of `keras.InputSpec`,
            `keras.KerasTensor` or arrays giving the inputs' shapes and
            dtypes (their batch size is ignored); the model's own inputs
            by default.
        opset_version: the ONNX opset (default 18; at least 18).
        **kwargs: accepted for Keras compatibility; unused.

    Raises:
        InvalidArgumentError: the model uses an op the exporter cannot write
            (the message names the layer, the op and the format), or an
            argument is wrong.
        OSError: `filepath` cannot be written.

    Example:

    ```python
    model.export("model.onnx", format="onnx")
    session = onnxruntime.InferenceSession("model.onnx")
    outputs = session.run(None, {"input_layer": x})
    ```
    """
    # onnx is optional (the `onnx` extra): needed only when exporting.
    import onnx

    del kwargs
    opset = DEFAULT_OPSET if opset_version is None else opset_version
    newest = onnx.defs.onnx_opset_version()
    if isinstance(opset, bool) or not isinstance(opset, int) or not MIN_OPSET <= opset <= newest:
        raise InvalidArgumentError(
            f"export: opset_version must be an int from {MIN_OPSET} to {newest} (the newest the "
            f"installed onnx {onnx.__version__} knows). Received: opset_version={opset_version!r}"
        )
    captured = capture(model, input_signature)
    proto = _to_proto(onnx, build_graph(captured, model.name), opset, model.name)
    onnx.checker.check_model(proto, full_check=True)
    data = proto.SerializeToString()
    with atomic_path(filepath) as tmp, open(tmp, "wb") as f:
        f.write(data)
    if verbose is None or verbose:
        print(f"Saved artifact at '{os.fspath(filepath)}'.")


def build_graph(captured: CapturedGraph, model_name: str) -> OnnxGraph:
    """The ONNX nodes and initializers of `captured`'s graph."""
    graph = captured.tracer.graph
    b = OnnxBuilder(graph)
    names: dict[int, str] = {}
    for spec, node in captured.inputs:
        b.fresh(spec.name)  # reserve the artifact's input names
        core = b.info(node).dtype or "float32"
        names[node] = spec.name if spec.dtype == core else b.cast(spec.name, core)
    needed = _ancestors(b, captured.outputs)
    for node in sorted(needed):
        if node in names:
            continue
        info = b.info(node)
        if info.kind == "input":
            raise InvalidArgumentError(
                f"export: model '{model_name}' reads graph input '{info.name}', which is not "
                "one of its inputs."
            )
        if info.kind in ("variable", "constant"):
            hint = info.name or "const"
            names[node] = b.initializer(np.asarray(info.value), hint)
            continue
        emitter = OPS.get(info.name)
        where = captured.origins.get(node) or model_name
        try:
            if emitter is None:
                raise UnsupportedOp(f"op '{info.name}'")
            names[node] = emitter(b, info, [names[i] for i in info.inputs])
        except UnsupportedOp as e:
            raise InvalidArgumentError(
                f"Cannot export the model to format 'onnx': layer '{where}' uses {e}, "
                "which pykeras's ONNX exporter cannot write. Exportable ops: "
                f"{', '.join(supported_ops())}."
            ) from None
    return OnnxGraph(
        b,
        [spec for spec, _ in captured.inputs],
        [names[node] for node in captured.outputs],
        list(captured.outputs),
    )


def _ancestors(b: OnnxBuilder, outputs: list[int]) -> set[int]:
    """The nodes the outputs depend on."""
    seen: set[int] = set()
    stack = list(outputs)
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(b.info(node).inputs)
    return seen


def _to_proto(onnx: Any, g: OnnxGraph, opset: int, model_name: str) -> Any:
    """An `onnx.ModelProto` from the builder's nodes (unused initializers dropped)."""
    helper, b = onnx.helper, g.builder
    outputs = []
    used = {i for n in b.nodes for i in n.inputs}
    protos = [helper.make_node(n.op_type, n.inputs, n.outputs, **n.attrs) for n in b.nodes]
    for i, (name, node) in enumerate(zip(g.outputs, g.output_nodes)):
        out = f"output_{i}"
        # Every output gets its own name, even one that is an input or a weight.
        protos.append(helper.make_node("Identity", [name], [out]))
        used.add(name)
        info = b.info(node)
        shape = [None] + list(info.shape or [])[1:] if info.shape is not None else None
        outputs.append(
            helper.make_tensor_value_info(
                out, onnx_type(info.dtype or "float32"), _dims(shape, "batch")
            )
        )
    inputs = [
        helper.make_tensor_value_info(s.name, onnx_type(s.dtype), _dims(list(s.shape), "batch"))
        for s in g.inputs
    ]
    initializers = [
        onnx.numpy_helper.from_array(value, name)
        for name, value in b.initializers.items()
        if name in used
    ]
    graph = helper.make_graph(protos, model_name or "model", inputs, outputs, initializers)
    opsets = [helper.make_opsetid("", opset)]
    # The oldest IR version that has the opset, so older runtimes load the file too.
    ir_version = helper.find_min_ir_version_for(opsets)
    return helper.make_model(
        graph, opset_imports=opsets, producer_name="pykeras", ir_version=ir_version
    )


def _dims(shape: list[int | None] | None, batch: str) -> list[Any] | None:
    """ONNX dims: the batch axis and unknown sizes symbolic, others fixed."""
    if shape is None:
        return None
    return [batch if i == 0 else (d if d is not None else f"dim_{i}") for i, d in enumerate(shape)]
