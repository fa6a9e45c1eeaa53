"""Dropout masks of recurrent cells: drawn once per call of the RNN layer and
reused at every time step, as Keras's `DropoutRNNCell` does."""

from __future__ import annotations

import itertools
from typing import Any

from pykeras import ops
from pykeras.ops._dispatch import run

# Eager calls draw fresh masks each time from this counter; traced training
# steps get their step seed from the training loop instead.
_eager_steps = itertools.count(1)


def dropout_mask(like: Any, rate: float, seed: int) -> Any:
    """A mask shaped like `like`: 0 with probability `rate`, else `1 / (1 - rate)`."""
    return run(
        "dropout",
        [ops.ones_like(like)],
        training_mode=True,
        step_seed=next(_eager_steps),
        rate=float(rate),
        seed=int(seed),
        training=True,
    )


class DropoutRNNCell:
    """Mixin of cells with `dropout` and `recurrent_dropout`: caches one mask
    (or `dropout_mask_count` masks, one per gate) per RNN call.

    The cell needs `dropout`, `recurrent_dropout` and `_op_seed`.
    """

    dropout: float
    recurrent_dropout: float
    _op_seed: int

    def _create_dropout_mask(self, step_input: Any, rate: float, salt: Any) -> Any:
        count = getattr(self, "dropout_mask_count", None)
        if count is None:
            return dropout_mask(step_input, rate, self._op_seed + salt)
        # Distinct seeds per gate: the dropout primitive's mask is a function
        # of (seed, step), so equal seeds would drop the same units.
        return [
            dropout_mask(step_input, rate, self._op_seed + salt + 7919 * (k + 1))
            for k in range(count)
        ]

    def get_dropout_mask(self, step_input: Any) -> Any:
        """The input dropout mask(s) of this call (created on first use)."""
        if getattr(self, "_dropout_mask", None) is None and self.dropout > 0:
            self._dropout_mask = self._create_dropout_mask(step_input, self.dropout, 0)
        return getattr(self, "_dropout_mask", None)

    def get_recurrent_dropout_mask(self, step_input: Any) -> Any:
        """The recurrent dropout mask(s) of this call (created on first use)."""
        if getattr(self, "_recurrent_dropout_mask", None) is None and self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = self._create_dropout_mask(
                step_input, self.recurrent_dropout, 104729
            )
        return getattr(self, "_recurrent_dropout_mask", None)

    def reset_dropout_mask(self) -> None:
        """Forgets the cached input mask (the next call draws a new one)."""
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self) -> None:
        """Forgets the cached recurrent mask."""
        self._recurrent_dropout_mask = None
