"""The CosineDecayRestarts schedule (SGDR)."""

from __future__ import annotations

from typing import Any

from pykeras.optimizers.schedules.learning_rate_schedule import (
    NativeSchedule,
    check_decay_steps,
)


class CosineDecayRestarts(NativeSchedule):
    """Cosine decay with warm restarts (Loshchilov & Hutter, SGDR).

    The rate follows a cosine from `initial_learning_rate` down to
    `alpha * initial_learning_rate` over `first_decay_steps`, then restarts;
    each period is `t_mul` times longer than the last and starts at `m_mul`
    times the previous peak.

    Args:
        initial_learning_rate: the rate at step 0.
        first_decay_steps: a positive number of steps in the first period.
        t_mul: how much longer each period is than the one before. Defaults to 2.0.
        m_mul: how much lower each restart's peak is. Defaults to 1.0.
        alpha: the floor, as a fraction of the peak. Defaults to 0.0.
        name: the schedule's name.

    Example:

    >>> schedule = CosineDecayRestarts(0.1, first_decay_steps=1000)
    >>> opt = pykeras.optimizers.SGD(learning_rate=schedule)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        first_decay_steps: float,
        t_mul: float = 2.0,
        m_mul: float = 1.0,
        alpha: float = 0.0,
        name: str = "SGDRDecay",
    ) -> None:
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name
        check_decay_steps(first_decay_steps, "first_decay_steps")

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }
