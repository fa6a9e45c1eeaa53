"""The InverseTimeDecay schedule."""

from __future__ import annotations

from typing import Any

from pykeras.optimizers.schedules.learning_rate_schedule import (
    NativeSchedule,
    check_decay_steps,
)


class InverseTimeDecay(NativeSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: a positive number of steps.
        decay_rate: the decay rate.
        staircase: if True, `step / decay_steps` is floored.
        name: the schedule's name.

    Example:

    >>> schedule = InverseTimeDecay(0.1, decay_steps=1.0, decay_rate=0.5)
    >>> opt = pykeras.optimizers.SGD(learning_rate=schedule)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        decay_rate: float,
        staircase: bool = False,
        name: str = "InverseTimeDecay",
    ) -> None:
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        check_decay_steps(decay_steps)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }
