"""History: records the epoch logs of `fit`; it is what `fit` returns."""

from __future__ import annotations

from typing import Any

from pykeras.callbacks.callback import Callback


class History(Callback):
    """Callback that records events into a `History` object.

    Every `fit` adds one (unless given one) and returns it; it is also set as
    `model.history`.

    Attributes:
        history: Dict mapping each log key (`"loss"`, `"val_loss"`, ...) to
            the list of its values, one per epoch.
        epoch: List of the epoch indices seen by the last `fit`.
        params: The training parameters (`verbose`, `epochs`, `steps`).

    Example:

    >>> history = model.fit(x, y, epochs=3, verbose=0)
    >>> history.history.keys()
    dict_keys(['loss'])
    >>> len(history.history["loss"])
    3
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[Any]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        # `history` accumulates across fits with the same object, like Keras;
        # `epoch` restarts.
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        # Keep `model.history` pointing at the object that holds the latest state.
        if self.model is not None:
            self.model.history = self
