"""ProgbarLogger: the progress bar and per-epoch line that `fit` prints."""

from __future__ import annotations

from typing import Any

from pykeras.callbacks.callback import Callback
from pykeras.utils.io_utils import print_msg
from pykeras.utils.progbar import Progbar


class ProgbarLogger(Callback):
    """Callback that prints metrics to stdout.

    `fit`, `evaluate` and `predict` add one when `verbose` is not 0. It reads
    `verbose`, `epochs` and `steps` from `params`. With `verbose=1` it draws a
    bar updated at each `on_*_batch_end` call (batch indices may jump by more
    than one); with `verbose=2` it prints one line per epoch. Validation inside
    `fit` is silent.

    Example (`verbose=2`, one line per epoch; the times and losses vary):

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x, y = np.random.rand(64, 4), np.random.rand(64, 1)
    >>> history = model.fit(x, y, epochs=2, verbose=2)
    Epoch 1/2
    2/2 - ...s - ...s/step - loss: ...
    Epoch 2/2
    2/2 - ...s - ...s/step - loss: ...
    """

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0
        self.progbar: Progbar | None = None
        self.target: int | None = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params: dict[str, Any]) -> None:
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        # Within `fit`, validation runs the test hooks: keep them silent.
        self._called_in_fit = True

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not self._called_in_fit:
            self._reset_progbar()

    def on_predict_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._reset_progbar()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._reset_progbar()
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        # Predictions are not metrics: show progress only.
        self._update_progbar(batch, None)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._finalize_progbar(logs)

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs: dict[str, Any] | None = None) -> None:
        self._finalize_progbar(logs)

    def _reset_progbar(self) -> None:
        self.seen = 0
        self.progbar = Progbar(
            target=self.target,
            verbose=self.verbose,
            unit_name="step",
            # The logs already hold running averages: show them as they are.
            stateless_metrics=set(),
        )

    def _update_progbar(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.progbar is None:
            self._reset_progbar()
        assert self.progbar is not None
        self.seen = batch + 1  # batch indices are 0-based
        if self.verbose == 1:
            self.progbar.update(self.seen, list((logs or {}).items()), finalize=False)

    def _finalize_progbar(self, logs: dict[str, Any] | None) -> None:
        if self.progbar is None:
            self._reset_progbar()
        assert self.progbar is not None
        if self.target is None:
            # Unknown length (e.g. a generator): the steps seen are the target.
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, list((logs or {}).items()), finalize=True)
