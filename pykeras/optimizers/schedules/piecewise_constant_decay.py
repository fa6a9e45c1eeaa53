"""The PiecewiseConstantDecay schedule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pykeras.optimizers.schedules.learning_rate_schedule import NativeSchedule


class PiecewiseConstantDecay(NativeSchedule):
    """`values[0]` while `step <= boundaries[0]`, `values[1]` while
    `step <= boundaries[1]`, ..., and `values[-1]` after the last boundary.

    Args:
        boundaries: strictly increasing step numbers.
        values: one more value than boundaries.
        name: the schedule's name.

    Example:

    >>> schedule = PiecewiseConstantDecay([100000, 110000], [1.0, 0.5, 0.1])
    >>> opt = pykeras.optimizers.SGD(learning_rate=schedule)
    """

    def __init__(
        self, boundaries: Sequence[float], values: Sequence[float], name: str = "PiecewiseConstant"
    ) -> None:
        super().__init__()
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def get_config(self) -> dict[str, Any]:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}
