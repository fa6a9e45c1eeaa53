"""LearningRateScheduler: set the optimizer's learning rate from a function of the epoch."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from pykeras.callbacks.callback import Callback, _optimizers_of


class LearningRateScheduler(Callback):
    """Learning rate scheduler.

    At the beginning of every epoch, calls `schedule(epoch, lr)` with the
    epoch index and the current learning rate and sets
    `model.optimizer.learning_rate` to the result. The rate in effect is added
    to the epoch logs as `"learning_rate"`.

    Args:
        schedule: A function that takes an epoch index (integer, from 0) and
            the current learning rate (float) and returns the new learning
            rate (float). A function of the epoch alone is accepted too.
        verbose: Integer. 0: quiet, 1: log update messages.

    Example:

    >>> import math
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x, y = np.random.rand(64, 4), np.random.rand(64, 1)
    >>> def scheduler(epoch, lr):
    ...     return lr if epoch < 10 else lr * math.exp(-0.1)
    >>> callback = keras.callbacks.LearningRateScheduler(scheduler)
    >>> history = model.fit(x, y, epochs=15, callbacks=[callback], verbose=0)
    """

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def _update_optimizer_lr(self, optimizer: Any, epoch: int) -> Any:
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        if _takes_one_argument(self.schedule):
            learning_rate = self.schedule(epoch)  # the Keras 2 form
        else:
            learning_rate = self.schedule(epoch, float(optimizer.learning_rate))
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError(
                f"The output of the `schedule` function should be a float. Got: {learning_rate}"
            )
        optimizer.learning_rate = learning_rate
        return learning_rate

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        for name, optimizer in _optimizers_of(self.model, "LearningRateScheduler"):
            learning_rate = self._update_optimizer_lr(optimizer, epoch)
            if self.verbose > 0:
                name_str = f"{name} " if name else ""
                print(
                    f"\nEpoch {epoch + 1}: LearningRateScheduler setting {name_str}learning "
                    f"rate to {learning_rate}.",
                    flush=True,
                )

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is None:
            return
        for name, optimizer in _optimizers_of(self.model, "LearningRateScheduler"):
            key = f"learning_rate_{name}" if name else "learning_rate"
            logs[key] = float(optimizer.learning_rate)


def _takes_one_argument(fn: Callable[..., Any]) -> Any:
    # Keras calls schedule(epoch, lr) and retries schedule(epoch) on any
    # TypeError, which also swallows TypeErrors raised inside the schedule;
    # looking at the signature does not.
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    varargs = any(p.kind is p.VAR_POSITIONAL for p in params)
    return len(positional) == 1 and not varargs
