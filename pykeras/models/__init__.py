"""pykeras.models: Model, Sequential and the Functional API, and loading them from files."""

from pykeras.models.functional import Functional
from pykeras.models.model import Model
from pykeras.models.sequential import Sequential
from pykeras.saving.json_yaml import model_from_config, model_from_json, model_from_yaml
from pykeras.saving.saving_api import load_model, save_model

__all__ = [
    "Functional",
    "Model",
    "Sequential",
    "load_model",
    "model_from_config",
    "model_from_json",
    "model_from_yaml",
    "save_model",
]
