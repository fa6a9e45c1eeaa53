"""TensorBoard event files through the `tensorboard` package (an optional extra).

pykeras writes events with TensorBoard's own `EventFileWriter` and summary
protos, so the files are exactly what TensorBoard reads: scalars and
histograms in the TF2 plugin format Keras writes, PNG images, and the Keras
model config under the `graph_keras_model` plugin (TensorBoard's conceptual
graph). TensorFlow is not needed.
"""

from __future__ import annotations

import struct
import time
import zlib
from typing import Any

import numpy as np


def _tensorboard() -> Any:
    # tensorboard is an optional dependency (the `tensorboard` extra): imported
    # on first use, so pykeras imports without it.
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.plugins.histogram import summary_v2 as histogram
        from tensorboard.plugins.scalar import summary_v2 as scalar
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
        from tensorboard.util import tensor_util
    except ImportError as e:
        raise ImportError(
            "The TensorBoard callback writes event files with the `tensorboard` package. "
            "Install it with `pip install tensorboard` (or `pip install pykeras[tensorboard]`)."
        ) from e
    return {
        "event_pb2": event_pb2,
        "summary_pb2": summary_pb2,
        "histogram": histogram,
        "scalar": scalar,
        "EventFileWriter": EventFileWriter,
        "tensor_util": tensor_util,
    }


class EventWriter:
    """Summaries of one run directory (`logs/train`, `logs/validation`)."""

    def __init__(self, logdir: Any) -> None:
        self._tb = _tensorboard()
        self._writer = self._tb["EventFileWriter"](logdir)

    def _add(self, summary: Any, step: int) -> None:
        event = self._tb["event_pb2"].Event(wall_time=time.time(), step=int(step), summary=summary)
        self._writer.add_event(event)

    def scalar(self, tag: Any, value: Any, step: int) -> None:
        self._add(self._tb["scalar"].scalar_pb(tag, float(np.asarray(value))), step)

    def histogram(self, tag: Any, values: Any, step: int, buckets: int = 30) -> None:
        values = np.asarray(values, dtype=np.float64).ravel()
        self._add(self._tb["histogram"].histogram_pb(tag, values, buckets=buckets), step)

    def image(self, tag: Any, images: Any, step: int) -> None:
        """`images` of shape (k, h, w, c), c in (1, 3, 4), floats scaled to 0..255."""
        pb = self._tb["summary_pb2"]
        images = np.asarray(images, dtype=np.float64)
        lo, hi = images.min(), images.max()
        scaled = (images - lo) / (hi - lo) * 255.0 if hi > lo else np.zeros_like(images)
        pixels = np.clip(np.round(scaled), 0, 255).astype(np.uint8)
        height, width = pixels.shape[1:3]
        strings = [str(width).encode(), str(height).encode()]
        strings += [encode_png(p) for p in pixels]
        tensor = self._tb["tensor_util"].make_tensor_proto(
            np.array(strings, dtype=object), dtype="string"
        )
        metadata = pb.SummaryMetadata(
            plugin_data=pb.SummaryMetadata.PluginData(plugin_name="images")
        )
        summary = pb.Summary(value=[pb.Summary.Value(tag=tag, tensor=tensor, metadata=metadata)])
        self._add(summary, step)

    def keras_model(self, tag: Any, json_string: Any, step: int) -> None:
        """The model config, which TensorBoard's graph plugin draws as layers."""
        pb = self._tb["summary_pb2"]
        tensor = self._tb["tensor_util"].make_tensor_proto(json_string.encode(), dtype="string")
        metadata = pb.SummaryMetadata(
            plugin_data=pb.SummaryMetadata.PluginData(plugin_name="graph_keras_model", content=b"1")
        )
        summary = pb.Summary(value=[pb.Summary.Value(tag=tag, tensor=tensor, metadata=metadata)])
        self._add(summary, step)

    def flush(self) -> None:
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()


def encode_png(pixels: Any) -> Any:
    """A PNG file of an (h, w, c) uint8 array, c in (1, 3, 4): no filter, zlib."""
    height, width, channels = pixels.shape
    color_type = {1: 0, 3: 2, 4: 6}[channels]
    raw = b"".join(b"\x00" + pixels[row].tobytes() for row in range(height))

    def chunk(kind: Any, data: Any) -> Any:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
