"""pykeras.optimizers: Keras 3's optimizers, with their state and arithmetic in Rust.

`get("adam")`, `get({"class_name": "SGD", "config": {...}})` and
`get(Adam(...))` all resolve to an optimizer instance.
"""

from __future__ import annotations

import difflib
from typing import Any

from pykeras.optimizers import nested, schedules
from pykeras.optimizers.adadelta import Adadelta
from pykeras.optimizers.adafactor import Adafactor
from pykeras.optimizers.adagrad import Adagrad
from pykeras.optimizers.adam import Adam
from pykeras.optimizers.adamax import Adamax
from pykeras.optimizers.adamw import AdamW
from pykeras.optimizers.ftrl import Ftrl
from pykeras.optimizers.lamb import Lamb
from pykeras.optimizers.lion import Lion
from pykeras.optimizers.loss_scale_optimizer import LossScaleOptimizer
from pykeras.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap
from pykeras.optimizers.muon import Muon
from pykeras.optimizers.nadam import Nadam
from pykeras.optimizers.optimizer import Optimizer
from pykeras.optimizers.rmsprop import RMSprop
from pykeras.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from pykeras.optimizers.sgd import SGD

ALL_OBJECTS: tuple[type[Optimizer], ...] = (
    Adadelta,
    Adafactor,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    Ftrl,
    Lamb,
    Lion,
    LossScaleOptimizer,
    MultiOptimizer,
    Muon,
    Nadam,
    RMSprop,
    SGD,
    ScheduleFreeAdamW,
)
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in ALL_OBJECTS}


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """An optimizer's config in Keras 3's serialized form.

    Args:
        optimizer: an `Optimizer` instance.

    Returns:
        `{"module", "class_name", "config", "registered_name"}`.
    """
    return {
        "module": "keras.optimizers",
        "class_name": type(optimizer).__name__,
        "config": optimizer.get_config(),
        "registered_name": None,
    }


def _lookup(name: str, custom_objects: dict[str, Any] | None) -> Any:
    custom = custom_objects or {}
    if name in custom:
        return custom[name]
    cls = ALL_OBJECTS_DICT.get(str(name).lower())
    if cls is not None:
        return cls
    known = sorted(cls.__name__ for cls in ALL_OBJECTS)
    hint = difflib.get_close_matches(str(name).lower(), sorted(ALL_OBJECTS_DICT), n=1)
    suggestion = f" Did you mean '{ALL_OBJECTS_DICT[hint[0]].__name__}'?" if hint else ""
    raise ValueError(f"Unknown optimizer: '{name}'.{suggestion} Known optimizers: {known}")


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Optimizer:
    """The optimizer a serialized config describes (names are case-insensitive).

    Args:
        config: `{"class_name": ..., "config": {...}}`.
        custom_objects: a dict of names to custom optimizer classes.

    Returns:
        An `Optimizer` instance.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "A serialized optimizer is a dict with 'class_name' and 'config' keys. "
            f"Received: config={config!r}"
        )
    cls = _lookup(config["class_name"], custom_objects)
    obj: Optimizer = cls.from_config(
        dict(config.get("config") or {}), custom_objects=custom_objects
    )
    return obj


def get(identifier: Any) -> Optimizer | None:
    """Resolves an optimizer identifier.

    Args:
        identifier: an optimizer name (`"adam"`), a serialized config dict,
            an `Optimizer` instance (returned as is), or None.

    Returns:
        An `Optimizer` instance, or None for None.

    Example:

    >>> pykeras.optimizers.get("sgd").get_config()["learning_rate"]
    0.009999999776482582
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = deserialize({"class_name": identifier, "config": {}})
    else:
        obj = identifier
    if isinstance(obj, Optimizer):
        return obj
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")


# The configs of `LossScaleOptimizer` and `MultiOptimizer` hold optimizers.
nested.set_serialization(serialize, deserialize)

__all__ = [
    "SGD",
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Ftrl",
    "Lamb",
    "Lion",
    "LossScaleOptimizer",
    "MultiOptimizer",
    "Muon",
    "Nadam",
    "Optimizer",
    "OptimizerMap",
    "RMSprop",
    "ScheduleFreeAdamW",
    "deserialize",
    "get",
    "schedules",
    "serialize",
]
