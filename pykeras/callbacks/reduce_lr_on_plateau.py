"""ReduceLROnPlateau: cut the learning rate when the monitored metric stops improving."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from pykeras.callbacks.callback import _optimizers_of
from pykeras.callbacks.monitor_callback import MonitorCallback


class ReduceLROnPlateau(MonitorCallback):
    """Reduce learning rate when a metric has stopped improving.

    Models often benefit from reducing the learning rate by a factor of 2-10
    once learning stagnates. This callback monitors a quantity and, if no
    improvement is seen for `patience` epochs, multiplies
    `model.optimizer.learning_rate` by `factor`. It also adds the current
    learning rate to the epoch logs as `"learning_rate"`.

    Args:
        monitor: String. Quantity to be monitored.
        factor: Float. Factor by which the learning rate will be reduced:
            `new_lr = lr * factor`. Must be below 1.
        patience: Integer. Number of epochs with no improvement after which
            the learning rate will be reduced.
        verbose: Integer. 0: quiet, 1: update messages.
        mode: One of `{"auto", "min", "max"}`. In `"min"` mode the rate is
            reduced when the quantity has stopped decreasing, in `"max"` mode
            when it has stopped increasing; `"auto"` infers the direction from
            the name of the quantity.
        min_delta: Float. Threshold for measuring the new optimum, to only
            focus on significant changes.
        cooldown: Integer. Number of epochs to wait before resuming normal
            operation after the learning rate has been reduced.
        min_lr: Float. Lower bound on the learning rate.

    Example:

    >>> reduce_lr = keras.callbacks.ReduceLROnPlateau(
    ...     monitor="val_loss", factor=0.2, patience=5, min_lr=0.001)
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x, y = np.random.rand(64, 4), np.random.rand(64, 1)
    >>> history = model.fit(
    ...     x, y, epochs=3, validation_split=0.2, callbacks=[reduce_lr], verbose=0)
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
    ) -> None:
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}"
            )
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self) -> None:
        """Resets the wait and cooldown counters and the best value."""
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        for name, optimizer in _optimizers_of(self.model, "ReduceLROnPlateau"):
            key = f"learning_rate_{name}" if name else "learning_rate"
            logs[key] = float(optimizer.learning_rate)

        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Learning rate reduction is conditioned on metric `{self.monitor}` which is "
                f"not available. Available metrics are: {','.join(list(logs.keys()))}.",
                stacklevel=2,
            )
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                reduced = False
                for name, optimizer in _optimizers_of(self.model, "ReduceLROnPlateau"):
                    reduced = self._reduce_optimizer_lr(optimizer, epoch, name) or reduced
                if reduced:
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def _reduce_optimizer_lr(self, optimizer: Any, epoch: int, name: str | None = "") -> Any:
        old_lr = float(optimizer.learning_rate)
        # Compared in float32, the precision the optimizer keeps the rate in,
        # so a rate already clipped to min_lr is not "reduced" again forever.
        if old_lr <= np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            name_str = f" {name}" if name else ""
            print(
                f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{name_str} learning rate to "
                f"{new_lr}.",
                flush=True,
            )
        return True

    def in_cooldown(self) -> bool:
        """Whether the callback is waiting out its cooldown after a reduction."""
        return self.cooldown_counter > 0
