"""EarlyStopping: stop `fit` once the monitored metric stops improving."""

from __future__ import annotations

import warnings
from typing import Any

from pykeras.callbacks.monitor_callback import MonitorCallback


class EarlyStopping(MonitorCallback):
    """Stop training when a monitored metric has stopped improving.

    At the end of every epoch `fit` checks whether the monitored quantity
    improved (by more than `min_delta`); after `patience` epochs without
    improvement it sets `model.stop_training = True`. The quantity must be in
    the epoch logs: pass the loss and metrics to `compile()`, and validation
    data to `fit()` for `val_` quantities.

    Args:
        monitor: Quantity to be monitored. Defaults to `"val_loss"`.
        min_delta: Minimum change in the monitored quantity to qualify as an
            improvement: an absolute change of less than `min_delta` counts as
            no improvement. Defaults to `0`.
        patience: Number of epochs with no improvement after which training
            will be stopped. Defaults to `0`.
        verbose: Verbosity mode, 0 or 1. Mode 1 prints a message when the
            callback takes an action. Defaults to `0`.
        mode: One of `{"auto", "min", "max"}`. In `"min"` mode training stops
            when the quantity has stopped decreasing, in `"max"` mode when it
            has stopped increasing; `"auto"` infers the direction from the
            name of the quantity. Defaults to `"auto"`.
        baseline: Baseline value for the monitored quantity. If not `None`,
            training stops if the model doesn't show improvement over the
            baseline within `patience` epochs. Defaults to `None`.
        restore_best_weights: Whether to restore the model weights from the
            epoch with the best value of the monitored quantity when training
            ends. If `False`, the weights of the last step are kept. The best
            epoch is restored even if it did not beat `baseline`.
            Defaults to `False`.
        start_from_epoch: Number of epochs to wait before starting to monitor
            improvement (a warm-up in which no improvement is expected).
            Defaults to `0`.

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x, y = np.random.rand(64, 4), np.random.rand(64, 1)
    >>> callback = keras.callbacks.EarlyStopping(monitor="loss", patience=3)
    >>> # Stops training when the loss has not improved for three epochs.
    >>> history = model.fit(x, y, epochs=10, callbacks=[callback], verbose=0)
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.best_epoch = 0
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        # Allow instances to be re-used across `fit()` calls.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()

        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Until something improves, the first monitored epoch is the best.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch

        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # Patience restarts only when both the baseline and the previous
            # best are beaten.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return

        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping", flush=True)
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(
                    "Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}.",
                    flush=True,
                )
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs: dict[str, Any] | None) -> Any:
        """The monitored value from `logs`, or `None` (with a warning) if missing."""
        logs = logs or {}
        monitor_value = logs.get(self.monitor)
        if monitor_value is None:
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not "
                f"available. Available metrics are: {','.join(list(logs.keys()))}",
                stacklevel=2,
            )
        return monitor_value
