"""The LearningRateSchedule base class and schedule (de)serialization.

Built-in schedules are evaluated by the same Rust code the optimizers run at
every step, so `schedule(step)` in Python and the rate a training step uses
are the same float32 number.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras import _core

MODULE = "keras.optimizers.schedules"


class LearningRateSchedule:
    """Base class of learning rate schedules: `schedule(step)` is the rate at `step`.

    Subclass it and implement `__call__(self, step)` (and `get_config` to make
    it serializable). A custom schedule is evaluated in Python, so it works
    with `apply_gradients` but not in `fit`; the built-in ones work everywhere.

    Example:

    >>> class Halving(LearningRateSchedule):
    ...     def __call__(self, step):
    ...         return 0.1 * 0.5 ** (step // 100)
    """

    def __call__(self, step: Any) -> Any:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` "
            "in order to be serializable."
        )

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LearningRateSchedule:
        """Instantiates a schedule from the output of `get_config()`."""
        return cls(**config)


class NativeSchedule(LearningRateSchedule):
    """A built-in schedule: evaluated by pykeras's core, in float32."""

    def __call__(self, step: Any) -> Any:
        steps = np.asarray(step, dtype=np.float64)
        config = self.get_config()
        name = type(self).__name__
        if steps.shape == ():
            return np.float32(_core.Optimizer.schedule_value(name, config, float(steps)))
        flat = [_core.Optimizer.schedule_value(name, config, float(s)) for s in steps.ravel()]
        return np.asarray(flat, dtype=np.float32).reshape(steps.shape)


def check_decay_steps(value: float, key: str = "decay_steps") -> None:
    if value <= 0:
        raise ValueError(f"Argument `{key}` must be > 0. Received: {key}={value}")


def native_form(schedule: Any) -> tuple[str, dict[str, Any]] | None:
    """`(class_name, config)` for the core, or None if Python must evaluate it."""
    if isinstance(schedule, NativeSchedule) and type(schedule).__call__ is NativeSchedule.__call__:
        return type(schedule).__name__, schedule.get_config()
    return None


def serialize(learning_rate_schedule: LearningRateSchedule) -> dict[str, Any]:
    """A schedule's config in Keras 3's serialized form."""
    return {
        "module": MODULE,
        "class_name": type(learning_rate_schedule).__name__,
        "config": learning_rate_schedule.get_config(),
        "registered_name": None,
    }
