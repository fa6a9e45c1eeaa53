"""The PolynomialDecay schedule."""

from __future__ import annotations

from typing import Any

from pykeras.optimizers.schedules.learning_rate_schedule import (
    NativeSchedule,
    check_decay_steps,
)


class PolynomialDecay(NativeSchedule):
    """Polynomial decay from `initial_learning_rate` to `end_learning_rate`.

    `(initial - end) * (1 - s / decay_steps) ** power + end` with
    `s = min(step, decay_steps)`; with `cycle=True`, `decay_steps` is instead
    stretched to the first multiple of itself at or above `step`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: a positive number of steps to decay over.
        end_learning_rate: the final rate. Defaults to 0.0001.
        power: the polynomial's power. Defaults to 1.0 (linear).
        cycle: whether to cycle beyond `decay_steps`. Defaults to False.
        name: the schedule's name.

    Example:

    >>> schedule = PolynomialDecay(0.1, 10000, end_learning_rate=0.01, power=0.5)
    >>> opt = pykeras.optimizers.SGD(learning_rate=schedule)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        end_learning_rate: float = 0.0001,
        power: float = 1.0,
        cycle: bool = False,
        name: str = "PolynomialDecay",
    ) -> None:
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        check_decay_steps(decay_steps)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }
