"""The results of several consecutive calls of a compiled step read as one
`_core.StepResults`: a data-parallel worker whose rows start elsewhere in
the last, smaller global batch of an epoch runs that step in a call of its
own (see `StepRunner.sample_offset`), and its caller sees one call."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from pykeras import _core

Floats = npt.NDArray[np.float64]


def _joined(parts: Sequence[Floats]) -> Floats:
    return np.concatenate(parts, axis=0)


class JoinedResults:
    """`StepResults` of consecutive calls, steps in order (the same report
    layout in each, as they ran the same compiled step).

    Args:
        parts: the calls' results, in the order they ran.
    """

    def __init__(self, parts: Sequence[_core.StepResults]) -> None:
        self._steps = sum(len(p) for p in parts)
        self.batch_sizes: Floats = _joined([p.batch_sizes for p in parts])
        self.loss: Floats = _joined([p.loss for p in parts])
        self.output_losses: list[Floats] = [
            _joined(column) for column in zip(*(p.output_losses for p in parts))
        ]
        self.metric_states: list[list[Floats]] = [
            [_joined(states) for states in zip(*metric)]
            for metric in zip(*(p.metric_states for p in parts))
        ]
        self.logged: list[Floats] = [_joined(column) for column in zip(*(p.logged for p in parts))]

    def __len__(self) -> int:
        return self._steps

    def __repr__(self) -> str:
        return f"<JoinedResults steps={self._steps}>"
