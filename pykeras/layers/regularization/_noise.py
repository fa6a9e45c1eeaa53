"""Shared checks of the noise layers."""

from __future__ import annotations

from typing import Any

from pykeras.random.seed_generator import SeedGenerator


def rate_arg(value: Any, layer_name: str, upper_open: bool = True) -> Any:
    """`rate` checked as a float in [0, 1) (Keras's message)."""
    ok = not isinstance(value, bool) and isinstance(value, (int, float))
    if not ok or not (0 <= value < 1 if upper_open else 0 <= value <= 1):
        raise ValueError(
            f"Layer '{layer_name}': invalid value received for argument `rate`. Expected a "
            f"float value between 0 and 1. Received: rate={value!r}"
        )
    return float(value)


def seed_generator(seed: int | None) -> Any:
    """The layer's `SeedGenerator` (Keras's attribute `seed_generator`), so
    each training step draws new noise and a seed makes it repeat."""
    return SeedGenerator(seed)
