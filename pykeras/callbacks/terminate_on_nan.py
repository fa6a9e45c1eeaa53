"""TerminateOnNaN: stop `fit` as soon as the loss becomes NaN or infinite."""

from __future__ import annotations

import math
from typing import Any

from pykeras.callbacks.callback import Callback


class TerminateOnNaN(Callback):
    """Callback that terminates training when a NaN or Inf loss is encountered.

    Checks the `loss` in the logs at the end of every training batch. By
    default training stops gracefully (`model.stop_training = True`), so
    other callbacks still get `on_train_end()`. With `raise_error=True` a
    `RuntimeError` is raised at once instead, skipping that cleanup (useful
    to keep, e.g., a `BackupAndRestore` checkpoint of the last good state).

    As it overrides a batch hook, `fit` returns to Python after every batch
    while it is in use.

    Args:
        raise_error: Boolean. If `False` (default), stop via
            `model.stop_training = True`; if `True`, raise a `RuntimeError`.

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x, y = np.random.rand(64, 4), np.random.rand(64, 1)
    >>> history = model.fit(x, y, callbacks=[keras.callbacks.TerminateOnNaN()], verbose=0)
    """

    def __init__(self, raise_error: bool = False) -> None:
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(float(loss)):
            return
        if self.raise_error:
            raise RuntimeError(
                f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                "Terminating training immediately."
            )
        print(f"Batch {batch}: Invalid loss, terminating training", flush=True)
        self.model.stop_training = True
