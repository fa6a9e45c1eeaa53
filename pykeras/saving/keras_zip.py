"""The `.keras` format: a zip archive of `metadata.json`, `config.json` and
`model.weights.h5`, as Keras 3 writes and reads it.

- `metadata.json`: `{"keras_version", "date_saved"}` (plus `pykeras_version`).
- `config.json`: the serialized model (`module`, `class_name`, `config`,
  `registered_name`, `build_config`, `compile_config`).
- `model.weights.h5`: every layer's and the optimizer's state, in Keras 3's
  weights layout (see `h5_weights`).
- `assets/...`: files layers write with `save_assets` (see `assets`).
"""

from __future__ import annotations

import datetime
import io
import json
import lzma
import os
import struct
import zipfile
import zlib
from typing import TYPE_CHECKING, Any

import h5py

from pykeras._version import __version__
from pykeras.backend.weight_limits import WeightLimit
from pykeras.errors import FileFormatError
from pykeras.saving import assets, config_checks, file_format, h5_weights
from pykeras.saving.atomic import atomic_path
from pykeras.saving.h5_safety import open_h5, stored_values
from pykeras.saving.serialization_lib import (
    SafeModeScope,
    deserialize_keras_object,
    serialize_keras_object,
)

if TYPE_CHECKING:
    from pykeras.layers.layer import Layer

CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
WEIGHTS_FILENAME = "model.weights.h5"
# The version of the Keras file format these archives follow (Keras does not
# read it back; tools that display it get a Keras 3 version, as they expect).
KERAS_FORMAT_VERSION = "3.0.0"
# A member that inflates over 1000x past 1 GiB is a zip bomb, not a model.
_BOMB_BYTES = 1 << 30
_BOMB_RATIO = 1000
# What zipfile raises on a damaged archive or member, besides BadZipFile: truncated
# data (EOFError), bad deflate, bzip2 or lzma streams (zlib.error, OSError,
# LZMAError), header fields past the end (struct.error), unknown compression
# methods (NotImplementedError), encrypted members (RuntimeError), and names
# that are not text (UnicodeDecodeError, a ValueError).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    struct.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)
# Weights a model rebuilt from a file may have beyond what the file stores (a
# model that needs more cannot load its weights anyway).
_WEIGHT_SLACK = 1 << 16


def save_model(
    model: Any, filepath: str | os.PathLike[str], include_optimizer: bool = True
) -> None:
    """Writes `model` to the `.keras` archive `filepath` (atomically)."""
    config = serialize_keras_object(model)
    metadata = {
        "keras_version": KERAS_FORMAT_VERSION,
        "pykeras_version": __version__,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    }
    weights = io.BytesIO()
    with h5py.File(weights, "w") as f:
        h5_weights.save_weights(model, f, include_optimizer=include_optimizer)
    with atomic_path(filepath) as tmp:
        # Stored, not deflated: Keras writes them so, and the weights hardly compress.
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr(METADATA_FILENAME, json.dumps(metadata))
            zf.writestr(CONFIG_FILENAME, json.dumps(config))
            zf.writestr(WEIGHTS_FILENAME, weights.getvalue())
            assets.save_assets(model, zf, include_optimizer=include_optimizer)


def _open(filepath: str | os.PathLike[str]) -> Any:
    try:
        return zipfile.ZipFile(filepath, "r")
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise
    except _ZIP_ERRORS as e:
        raise FileFormatError(f"'{filepath}' is not a readable `.keras` zip archive: {e}") from e


def _read(zf: Any, name: str | None, filepath: str | os.PathLike[str]) -> Any:
    if name not in zf.namelist():
        found = sorted(zf.namelist())
        raise FileFormatError(
            f"'{filepath}' is not a `.keras` model archive: it has no {name} (it holds {found})."
        )
    info = zf.getinfo(name)
    if info.file_size > _BOMB_BYTES and info.file_size > _BOMB_RATIO * max(info.compress_size, 1):
        raise FileFormatError(
            f"Refusing '{filepath}': its {name} inflates to {info.file_size} bytes from "
            f"{info.compress_size}."
        )
    try:
        return zf.read(name)
    except _ZIP_ERRORS as e:
        raise FileFormatError(
            f"'{filepath}' is truncated or corrupt: cannot read its {name} ({e})."
        ) from e


def read_config(filepath: str) -> dict:
    """The parsed `config.json` of the archive."""
    with _open(filepath) as zf:
        raw = _read(zf, CONFIG_FILENAME, filepath)
    source = f"The config.json of '{filepath}'"
    config = config_checks.parse_json(raw, source)
    if not isinstance(config, dict) or "class_name" not in config:
        raise FileFormatError(
            f"{source} does not describe a model: expected a dict with 'class_name' and "
            f"'config'. Received: {type(config).__name__}"
        )
    return config


def open_weights(filepath: str) -> h5py.File:
    """The archive's `model.weights.h5`, opened read-only from memory."""
    with _open(filepath) as zf:
        raw = _read(zf, WEIGHTS_FILENAME, filepath)
    return open_h5(filepath, data=raw)


def load_model(
    filepath: str,
    custom_objects: dict | None = None,
    compile: bool = True,
    safe_mode: bool = True,
) -> Layer:
    """Rebuilds the model in the `.keras` archive `filepath`, with its weights (and, when
    `compile`, its compile settings and optimizer state)."""
    config = read_config(filepath)
    if not compile:
        config.pop("compile_config", None)
    with open_weights(filepath) as f:
        limit = stored_values(f, filepath) + _WEIGHT_SLACK
        with SafeModeScope(safe_mode), WeightLimit(limit, f"'{filepath}'"):
            model = file_format.config_errors_name_file(
                filepath, deserialize_keras_object, config, custom_objects=custom_objects
            )
        h5_weights.load_weights(model, f, filepath, include_optimizer=compile)
    with _open(filepath) as zf:
        assets.load_assets(model, zf, filepath, include_optimizer=compile)
    return model
