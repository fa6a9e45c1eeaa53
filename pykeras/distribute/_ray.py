"""Importing Ray, an optional dependency (the `ray` extra), with an error
that names the extra when it is missing."""

from __future__ import annotations

from types import ModuleType

EXTRA_HINT = 'pip install "pykeras[ray]"'


def require_ray(feature: str) -> ModuleType:
    """The `ray` module; an `ImportError` naming the `ray` extra if Ray (with
    Ray Train and Ray Data) is not installed."""
    try:
        import ray  # optional dependency: the `ray` extra
        import ray.train  # optional dependency: the `ray` extra
    except ImportError as error:
        raise ImportError(
            f"pykeras.distribute.{feature} runs on Ray, which is not installed (or lacks "
            f"Ray Train). Install the `ray` extra: {EXTRA_HINT}"
        ) from error
    return ray
