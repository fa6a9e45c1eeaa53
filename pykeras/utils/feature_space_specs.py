"""The parts of `keras.utils.FeatureSpace`: its feature and cross specs, the
pass-through preprocessor of plain float features, and the reading of the data
`FeatureSpace.adapt` takes.

`Feature` and `Cross` are written into configs exactly as Keras 3 writes them
(module `keras.src.layers.preprocessing.feature_space`), so a FeatureSpace saved
by either library loads in the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from pykeras.errors import InvalidArgumentError
from pykeras.layers.preprocessing._data_layer import DataLayer, is_symbolic
from pykeras.saving.serialization_lib import (
    deserialize_keras_object,
    serialize_keras_object,
)

# Where Keras 3 defines these classes (written into configs).
KERAS_MODULE = "keras.src.layers.preprocessing.feature_space"
# Keras batches unbatched samples by 32 before adapting each preprocessor.
ADAPT_BATCH_SIZE = 32


def spec_config(obj: Any) -> dict[str, Any]:
    """`obj` (a Feature, Cross or TFDIdentity) serialized as Keras 3 writes it."""
    name = type(obj).__name__
    result = {
        "module": KERAS_MODULE,
        "class_name": name,
        "config": obj.get_config(),
        "registered_name": name,
    }
    if isinstance(obj, TFDIdentity) and obj.built:
        result["build_config"] = {"input_shape": [None, 1]}
    return result


class Cross:
    """A feature cross of a `FeatureSpace`: the named features hashed together
    into `crossing_dim` bins (a `HashedCrossing` layer).

    Args:
        feature_names: the names of the crossed features.
        crossing_dim: the number of hashing bins.
        output_mode: "one_hot" (default) or "int".
    """

    def __init__(self, feature_names: Any, crossing_dim: int, output_mode: str = "one_hot") -> None:
        if output_mode not in {"int", "one_hot"}:
            raise InvalidArgumentError(
                "Invalid value for argument `output_mode`. Expected one of {'int', 'one_hot'}. "
                f"Received: output_mode={output_mode}"
            )
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self) -> str:
        """The cross's name: its feature names joined by `_X_`."""
        return "_X_".join(self.feature_names)

    def get_config(self) -> dict[str, Any]:
        return {
            "feature_names": self.feature_names,
            "crossing_dim": self.crossing_dim,
            "output_mode": self.output_mode,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Cross:
        return cls(**config)


class Feature:
    """A feature of a `FeatureSpace`: its input dtype, the layer that
    preprocesses it and how its result is encoded.

    Args:
        dtype: the input dtype ("float32", "int32", "string", ...).
        preprocessor: a preprocessing layer (or its serialized config).
        output_mode: "one_hot", "int" or "float".
    """

    def __init__(self, dtype: str, preprocessor: Any, output_mode: str) -> None:
        if output_mode not in {"int", "one_hot", "float"}:
            raise InvalidArgumentError(
                "Invalid value for argument `output_mode`. Expected one of "
                f"{{'int', 'one_hot', 'float'}}. Received: output_mode={output_mode}"
            )
        self.dtype = dtype
        if isinstance(preprocessor, dict):
            preprocessor = deserialize_keras_object(preprocessor)
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self) -> dict[str, Any]:
        preprocessor = self.preprocessor
        serialized = (
            spec_config(preprocessor)
            if isinstance(preprocessor, TFDIdentity)
            else serialize_keras_object(preprocessor)
        )
        return {"dtype": self.dtype, "preprocessor": serialized, "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Feature:
        return cls(**config)


class TFDIdentity(DataLayer):
    """The preprocessor of `FeatureSpace.float` features: numbers pass through
    as float32 (Keras casts floating inputs to the layer's float32)."""

    def call(self, inputs: Any) -> Any:
        if is_symbolic(inputs):
            return inputs
        arr = np.asarray(inputs)
        if arr.dtype.kind not in "fiub":
            raise InvalidArgumentError(
                f"Layer '{self.name}' (a float feature) expected numbers. Received: an array "
                f"of dtype {arr.dtype}"
            )
        return arr.astype(np.float32) if arr.dtype.kind == "f" else arr

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)


def _as_array(value: Any) -> np.ndarray:
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    arr = np.asarray(value)
    if arr.dtype.kind == "O" and arr.size and isinstance(arr.reshape(-1)[0], bytes):
        arr = arr.astype(str)
    return arr


def _elements(data: Any, owner: str) -> Iterator[dict[str, Any]]:
    """The dicts `data` holds: one dict of columns, or the batches (or samples) of
    a `PyDataset`, a `tf.data.Dataset`, or any iterable of dicts (the inputs of
    `(x, y)` pairs)."""
    if isinstance(data, dict):
        yield data
        return
    items: Any = data
    if hasattr(data, "as_numpy_iterator"):
        items = data.as_numpy_iterator()
    elif hasattr(data, "on_epoch_end") and hasattr(data, "__len__"):
        items = (data[i] for i in range(len(data)))
    elif isinstance(data, (str, bytes, np.ndarray)) or not hasattr(data, "__iter__"):
        raise InvalidArgumentError(
            f"{owner}: `adapt()` can only be called on a dict of arrays/lists, a PyDataset "
            "or an iterable of such dicts (or of `(x, y)` pairs whose `x` is such a dict). "
            f"Received instead: {type(data).__name__}"
        )
    for element in items:
        if isinstance(element, tuple) and element and isinstance(element[0], dict):
            element = element[0]
        if not isinstance(element, dict):
            raise InvalidArgumentError(
                f"{owner}: `adapt()` expected each batch to be a dict of features. "
                f"Received a batch of type {type(element).__name__}"
            )
        yield element


def feature_batches(data: Any, name: str, owner: str) -> list[np.ndarray]:
    """The batches of feature `name` that its preprocessor adapts on, shaped as
    Keras shapes them: unbatched samples grouped by 32, and rank-0/1 batches
    given a trailing axis of 1."""
    out: list[np.ndarray] = []
    pending: list[np.ndarray] = []
    for element in _elements(data, owner):
        if name not in element:
            raise InvalidArgumentError(
                f"{owner}: feature '{name}' is missing from the adapt data, which has "
                f"{sorted(element)}"
            )
        arr = _as_array(element[name])
        if arr.ndim == 0:
            pending.append(arr)
            continue
        if isinstance(data, dict):
            # Keras slices a dict into samples: scalar samples are batched by 32,
            # a sample of rank 1 is a batch of its own values.
            if arr.ndim == 1:
                pending.extend(arr)
            else:
                out.extend(row[:, None] if row.ndim == 1 else row for row in arr)
            continue
        out.append(arr[:, None] if arr.ndim == 1 else arr)
    for start in range(0, len(pending), ADAPT_BATCH_SIZE):
        out.append(np.asarray(pending[start : start + ADAPT_BATCH_SIZE])[:, None])
    if not out:
        raise InvalidArgumentError(f"{owner}: `adapt()` received no data for feature '{name}'.")
    return out
