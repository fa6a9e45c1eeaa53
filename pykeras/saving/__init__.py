"""pykeras.saving: configs, JSON/YAML, weights files and whole-model files that
Keras 3 and tf.keras 2 read and write.

- `save_model` / `load_model`: `.keras` archives and legacy `.h5` files.
- `save_weights` / `load_weights`: Keras 3's `.weights.h5` layout and tf.keras
  2's legacy `.h5` layout (read whatever the file's name).
- `serialize_keras_object` / `deserialize_keras_object`: Keras 3's config form.
- `register_keras_serializable`, `get_custom_objects`, `CustomObjectScope`:
  how user classes and functions become loadable.

Loading never runs code from a file unless asked (`safe_mode=False` for
Lambda bytecode) and never imports modules a file names. A damaged file, or
JSON / YAML that is not a model config, is refused with a
`pykeras.errors.FileFormatError` (a `ValueError`) that names the file and what
is wrong with it; `benches/fuzz_loaders.py` checks that on 100,000 damaged files.
"""

from __future__ import annotations

from pykeras.saving.file_editor import KerasFileEditor
from pykeras.saving.json_yaml import model_from_config, model_from_json, model_from_yaml
from pykeras.saving.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from pykeras.saving.saving_api import load_model, load_weights, save_model, save_weights
from pykeras.saving.serialization_lib import (
    SafeModeScope,
    deserialize_keras_object,
    serialize_keras_object,
)

__all__ = [
    "CustomObjectScope",
    "KerasFileEditor",
    "SafeModeScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "load_model",
    "load_weights",
    "model_from_config",
    "model_from_json",
    "model_from_yaml",
    "register_keras_serializable",
    "save_model",
    "save_weights",
    "serialize_keras_object",
]
