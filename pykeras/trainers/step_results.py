"""Reading `_core.StepResults`, what a call of a compiled step returns (per
step: the batch size, the loss, and the report groups the step was built
with: per-output losses, the states of each metric, logged scalars), and
the running totals one epoch or evaluation adds them into."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

# The logs of one step run op by op (a custom step with `run_eagerly=True`).
EagerLogs = dict[str, float]


def sum_state(block: npt.NDArray[np.float64]) -> Any:
    """A metric state summed over steps (`block` is `(steps, size)`): a scalar
    for a scalar state, else the flat array of sums."""
    if block.shape[1] > 1:
        return block.sum(axis=0).reshape(-1)
    return block[:, 0].sum()


@dataclass
class RunningLogs:
    """What the steps of one epoch (or one evaluation) add up to so far.

    Attributes:
        count: samples seen (built-in steps) or steps run (custom steps).
        loss_sum: the batch losses weighted by batch size (built-in steps).
        output_losses: per logged output loss, `(weighted sum, samples)`.
        last: (traced custom steps) the last step's value of each logged scalar.
        eager: (custom steps run op by op) the last step's logs.
    """

    count: float = 0.0
    loss_sum: float = 0.0
    output_losses: dict[str, tuple[float, float]] = field(default_factory=dict)
    last: dict[int, float] = field(default_factory=dict)
    eager: EagerLogs = field(default_factory=dict)
