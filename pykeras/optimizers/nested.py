"""How optimizers that hold optimizers (`LossScaleOptimizer`, `MultiOptimizer`)
reach `pykeras.optimizers.serialize` / `deserialize`: those know every
optimizer, these included, so `pykeras.optimizers` sets them when imported
rather than these modules importing the package that imports them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_SERIALIZE: Callable[..., Any] | None = None
_DESERIALIZE: Callable[..., Any] | None = None


def set_serialization(serialize: Callable[..., Any], deserialize: Callable[..., Any]) -> None:
    """Called once by `pykeras.optimizers`."""
    global _SERIALIZE, _DESERIALIZE
    _SERIALIZE, _DESERIALIZE = serialize, deserialize


def serialization() -> tuple[Callable[..., Any], Callable[..., Any]]:
    """`(serialize, deserialize)` of `pykeras.optimizers`."""
    if _SERIALIZE is None or _DESERIALIZE is None:
        raise RuntimeError("pykeras.optimizers was not imported (import pykeras first).")
    return _SERIALIZE, _DESERIALIZE
