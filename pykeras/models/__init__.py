"""pykeras.models: Model, Sequential and the Functional API."""

from pykeras.models.functional import Functional
from pykeras.models.model import Model
from pykeras.models.sequential import Sequential

__all__ = ["Functional", "Model", "Sequential"]
