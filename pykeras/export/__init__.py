"""Exporting models for inference outside pykeras (`Model.export`).

Keras 3's `keras.export` namespace holds `ExportArchive`, which writes
TensorFlow SavedModels through TensorFlow itself; pykeras does not depend on
TensorFlow, so it has no `ExportArchive`. It writes ONNX (`format="onnx"`,
with the optional `onnx` package: `pip install pykeras[onnx]`), which ONNX
Runtime, OpenVINO and TensorRT all load.
"""

from __future__ import annotations

import os
from typing import Any

from pykeras.errors import InvalidArgumentError
from pykeras.export.onnx import export_onnx, supported_ops

# Keras 3.15's `Model.export` formats, and why pykeras cannot write the others.
FORMATS = ("tf_saved_model", "onnx", "openvino", "litert", "torch")
_CANNOT = {
    "tf_saved_model": "a TensorFlow SavedModel is written by TensorFlow, "
    "which pykeras does not use",
    "openvino": "OpenVINO IR is written by OpenVINO's converter, which pykeras does not use; "
    "OpenVINO loads the ONNX file that format='onnx' writes",
    "litert": "LiteRT (TFLite) files are written by TensorFlow's converter",
    "torch": "a PyTorch ExportedProgram is written by torch.export, on the torch backend only",
}


def export_model(
    model: Any,
    filepath: str | os.PathLike[str],
    format: str = "tf_saved_model",
    verbose: bool | None = None,
    input_signature: Any = None,
    **kwargs: Any,
) -> None:
    """`model.export(...)`: writes `model` in `format` (see `Model.export`)."""
    if format not in FORMATS:
        raise InvalidArgumentError(
            f"Unrecognized format={format}. Supported formats are: {list(FORMATS)}."
        )
    if format != "onnx":
        raise InvalidArgumentError(
            f"Cannot export model '{model.name}' to format '{format}': {_CANNOT[format]}. "
            "pykeras exports format='onnx'."
        )
    export_onnx(model, filepath, verbose, input_signature=input_signature, **kwargs)


__all__ = ["export_onnx", "export_model", "supported_ops"]
