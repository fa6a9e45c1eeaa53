"""The `.keras` format: a zip archive of `metadata.json`, `config.json` and
`model.weights.h5`, as Keras 3 writes and reads it.

- `metadata.json`: `{"keras_version", "date_saved"}` (plus `pykeras_version`).
- `config.json`: the serialized model (`module`, `class_name`, `config`,
  `registered_name`, `build_config`, `compile_config`).
- `model.weights.h5`: every layer's and the optimizer's state, in Keras 3's
  weights layout (see `h5_weights`).
"""

import datetime
import io
import json
import zipfile
import zlib

import h5py

from pykeras.saving import file_format, h5_weights
from pykeras.saving.atomic import atomic_path
from pykeras.saving.serialization_lib import SafeModeScope, deserialize_keras_object

CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
WEIGHTS_FILENAME = "model.weights.h5"
# The version of the Keras file format these archives follow (Keras does not
# read it back; tools that display it get a Keras 3 version, as they expect).
KERAS_FORMAT_VERSION = "3.0.0"
# A member that inflates over 1000x past 1 GiB is a zip bomb, not a model.
_BOMB_BYTES = 1 << 30
_BOMB_RATIO = 1000


def save_model(model, filepath, include_optimizer=True):
    """Writes `model` to the `.keras` archive `filepath` (atomically)."""
    from pykeras import __version__
    from pykeras.saving.serialization_lib import serialize_keras_object

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


def _open(filepath):
    try:
        return zipfile.ZipFile(filepath, "r")
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise ValueError(f"'{filepath}' is not a readable `.keras` zip archive: {e}") from e


def _read(zf, name, filepath):
    if name not in zf.namelist():
        found = sorted(zf.namelist())
        raise ValueError(
            f"'{filepath}' is not a `.keras` model archive: it has no {name} (it holds {found})."
        )
    info = zf.getinfo(name)
    if info.file_size > _BOMB_BYTES and info.file_size > _BOMB_RATIO * max(info.compress_size, 1):
        raise ValueError(f"Refusing '{filepath}': its {name} inflates {info.file_size} bytes.")
    try:
        return zf.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
        raise ValueError(
            f"'{filepath}' is truncated or corrupt: cannot read its {name} ({e})."
        ) from e


def read_config(filepath):
    """The parsed `config.json` of the archive."""
    with _open(filepath) as zf:
        raw = _read(zf, CONFIG_FILENAME, filepath)
    try:
        config = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"The config.json of '{filepath}' is not valid JSON: {e}") from e
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"The config.json of '{filepath}' does not describe a model.")
    return config


def open_weights(filepath):
    """The archive's `model.weights.h5`, opened read-only from memory."""
    with _open(filepath) as zf:
        raw = _read(zf, WEIGHTS_FILENAME, filepath)
    try:
        return h5py.File(io.BytesIO(raw), "r")
    except OSError as e:
        raise ValueError(f"The {WEIGHTS_FILENAME} inside '{filepath}' is corrupt: {e}") from e


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuilds the model in the `.keras` archive `filepath`, with its weights (and, when
    `compile`, its compile settings and optimizer state)."""
    config = read_config(filepath)
    if not compile:
        config.pop("compile_config", None)
    with SafeModeScope(safe_mode):
        model = file_format.config_errors_name_file(
            filepath, deserialize_keras_object, config, custom_objects=custom_objects
        )
    with open_weights(filepath) as f:
        h5_weights.load_weights(model, f, filepath, include_optimizer=compile)
    return model
