"""pykeras.optimizers.schedules: learning rate schedules, by Keras's names."""

from __future__ import annotations

import difflib
from typing import Any

from pykeras.optimizers.schedules.cosine_decay import CosineDecay
from pykeras.optimizers.schedules.cosine_decay_restarts import CosineDecayRestarts
from pykeras.optimizers.schedules.exponential_decay import ExponentialDecay
from pykeras.optimizers.schedules.inverse_time_decay import InverseTimeDecay
from pykeras.optimizers.schedules.learning_rate_schedule import (
    LearningRateSchedule,
    serialize,
)
from pykeras.optimizers.schedules.piecewise_constant_decay import PiecewiseConstantDecay
from pykeras.optimizers.schedules.polynomial_decay import PolynomialDecay

ALL_OBJECTS = {
    cls.__name__: cls
    for cls in (
        CosineDecay,
        CosineDecayRestarts,
        ExponentialDecay,
        InverseTimeDecay,
        LearningRateSchedule,
        PiecewiseConstantDecay,
        PolynomialDecay,
    )
}


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> LearningRateSchedule:
    """The schedule a `serialize` dict (`{"class_name", "config"}`) describes.

    Args:
        config: the serialized schedule.
        custom_objects: a dict of names to custom schedule classes.

    Returns:
        A `LearningRateSchedule`.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "A serialized schedule is a dict with 'class_name' and 'config' keys. "
            f"Received: config={config!r}"
        )
    name = config["class_name"]
    table = {**ALL_OBJECTS, **(custom_objects or {})}
    cls = table.get(name)
    if cls is None:
        hint = difflib.get_close_matches(str(name), sorted(table), n=1)
        suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
        raise ValueError(
            f"Unknown decay: '{name}'.{suggestion} Known schedules: {sorted(ALL_OBJECTS)}"
        )
    schedule: LearningRateSchedule = cls.from_config(dict(config.get("config") or {}))
    return schedule


__all__ = [
    "CosineDecay",
    "CosineDecayRestarts",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LearningRateSchedule",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "deserialize",
    "serialize",
]
