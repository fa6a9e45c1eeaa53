"""Backend utilities: variables, naming and sessions."""

from pykeras.backend.naming import reset_names, unique_name
from pykeras.backend.variable import Variable


def clear_session():
    """Resets automatic layer names (`dense`, `dense_1`, ...), as Keras does."""
    reset_names()


__all__ = ["Variable", "clear_session", "unique_name"]
