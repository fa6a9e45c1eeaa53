"""pykeras.models: Model, Sequential and the Functional API, `clone_model`, and loading
models from files."""

import sys as _sys

from pykeras.models.cloning import clone_model
from pykeras.models.functional import Functional
from pykeras.models.model import Model
from pykeras.models.sequential import Sequential
from pykeras.saving import registry as _registry
from pykeras.saving.json_yaml import model_from_config, model_from_json, model_from_yaml
from pykeras.saving.saving_api import load_model, save_model

__all__ = [
    "Functional",
    "Model",
    "Sequential",
    "clone_model",
    "load_model",
    "model_from_config",
    "model_from_json",
    "model_from_yaml",
    "save_model",
]

# Saving (a layer below) builds and tells apart these model classes.
_registry.register_models(_sys.modules[__name__])
