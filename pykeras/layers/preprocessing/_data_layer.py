"""The base of the lookup, hashing and text layers: layers that run on data.

Keras on the JAX backend runs these layers eagerly on data (in a `tf.data`
pipeline or on NumPy arrays), never inside a jitted graph. pykeras does the
same: called on arrays, lists or strings they compute in NumPy and return
NumPy arrays (no float32 conversion of their inputs, which may be strings).

Called on symbolic tensors while a functional model is built, they record a
node as any layer does. When such a model is traced into pykeras's graph,
the numeric layers (`IntegerLookup`, `CategoryEncoding`, `Discretization`)
lower themselves with `pykeras.ops`; the string layers cannot (the graph has
no string dtype) and raise an error telling to apply them to the data
instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.tracing import GraphTensor
from pykeras.errors import DTypeError, GraphError
from pykeras.layers.layer import Layer


class DataLayer(Layer):
    """A layer computing eagerly on NumPy data; see the module docstring."""

    # Whether `call` can be traced into a graph on numeric tensors.
    traceable = False

    def _convert_eager_inputs(self, inputs: Any) -> Any:
        # Strings and integers stay as they are (no float32 conversion).
        return inputs

    def _check_traceable(self, inputs: Any) -> None:
        if not self.traceable and is_graph(inputs):
            raise GraphError(
                f"Layer '{self.name}' ({type(self).__name__}) works on data, not inside a "
                "compiled model graph: pykeras's graph has no string dtype (Keras on JAX "
                "also runs it eagerly). Apply it in the data pipeline instead, e.g. "
                "`x = layer(raw_x)` on the NumPy arrays (or in a dataset's batches) "
                "before `fit`/`predict`, and give the model its numeric outputs. "
                "Received: a symbolic tensor"
            )


def is_graph(x: Any) -> bool:
    """Whether `x` (or one of a list's items) is a tensor of a graph being traced."""
    if isinstance(x, (list, tuple)):
        return any(is_graph(v) for v in x)
    return isinstance(x, GraphTensor)


def is_symbolic(x: Any) -> bool:
    return isinstance(x, (KerasTensor, GraphTensor))


def _decode(value: Any, encoding: str) -> str:
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode(encoding)
    return str(value)


def to_strings(x: Any, layer: str, encoding: str = "utf-8") -> np.ndarray:
    """`x` (a string, bytes, nested lists, a NumPy or TensorFlow tensor of
    strings) as a NumPy array of `str`."""
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):
        x = x.numpy()
    arr = np.asarray(x)
    if arr.dtype.kind == "U":
        return arr
    if arr.dtype.kind == "S" or arr.dtype.kind == "O":
        flat = [_decode(v, encoding) for v in arr.reshape(-1).tolist()]
        out = np.empty(len(flat), object)
        out[:] = flat
        return out.reshape(arr.shape).astype(str) if flat else np.zeros(arr.shape, "U1")
    raise DTypeError(
        f"Layer '{layer}' expected strings (str or bytes). Received: an array of dtype {arr.dtype}"
    )


def to_integers(x: Any, layer: str) -> np.ndarray:
    """`x` as an int64 NumPy array; floats must be whole numbers."""
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):
        x = x.numpy()
    arr = np.asarray(x)
    if arr.dtype.kind in "iub":
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        if arr.size and not np.all(np.isfinite(arr) & (arr == np.floor(arr))):
            raise DTypeError(
                f"Layer '{layer}' expected integer values. Received: a {arr.dtype} array "
                "with fractional or non-finite values"
            )
        return arr.astype(np.int64)
    raise DTypeError(
        f"Layer '{layer}' expected an integer array. Received: an array of dtype {arr.dtype}"
    )


def batches(data: Any, steps: int | None) -> Iterator[Any]:
    """The batches `adapt` reads: an array, list or tuple is one batch; any other
    iterable (a generator, a `PyDataset`, a dataset from `text_dataset_from_directory`)
    gives its batches, the inputs of `(x, y)` pairs, at most `steps` of them."""
    if _is_dataset(data):
        yield from _dataset_batches(data, steps)
        return
    if isinstance(data, (list, tuple, np.ndarray, str, bytes)) or not isinstance(data, Iterable):
        yield data
        return
    for i, batch in enumerate(data):
        if steps is not None and i >= steps:
            break
        yield _inputs_of(batch)


def _is_dataset(data: Any) -> bool:
    return hasattr(data, "on_epoch_end") and hasattr(data, "__len__")


def _dataset_batches(data: Any, steps: int | None) -> Iterator[Any]:
    count = len(data) if steps is None else min(steps, len(data))
    for i in range(count):
        yield _inputs_of(data[i])


def _inputs_of(batch: Any) -> Any:
    # A dataset of `(x, y)` or `(x, y, sample_weight)`: the vocabulary comes from x.
    if isinstance(batch, tuple) and len(batch) in (2, 3):
        return batch[0]
    return batch
