"""The CosineDecay schedule, with optional linear warmup."""

from __future__ import annotations

from typing import Any

from pykeras.optimizers.schedules.learning_rate_schedule import (
    NativeSchedule,
    check_decay_steps,
)


class CosineDecay(NativeSchedule):
    """Cosine decay (Loshchilov & Hutter, SGDR), after an optional linear warmup.

    Without warmup: `initial_learning_rate * ((1 - alpha) * c + alpha)` with
    `c = 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps))`. With
    `warmup_target`, the rate first rises linearly from `initial_learning_rate`
    to `warmup_target` over `warmup_steps`, then decays from `warmup_target`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: a positive number of steps to decay over.
        alpha: the final rate as a fraction of the decay's starting rate.
        name: the schedule's name.
        warmup_target: the rate reached at the end of warmup, or None for no warmup.
        warmup_steps: the number of warmup steps.

    Example:

    >>> schedule = CosineDecay(0.0, 1000, warmup_target=0.1, warmup_steps=100)
    >>> opt = pykeras.optimizers.SGD(learning_rate=schedule)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: float = 0,
    ) -> None:
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target
        check_decay_steps(decay_steps)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }
