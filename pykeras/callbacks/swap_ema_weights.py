"""SwapEMAWeights: evaluate and predict with the optimizer's moving-average weights."""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from pykeras.callbacks.callback import Callback


class SwapEMAWeights(Callback):
    """Swaps the model's weights with the optimizer's moving averages (EMA)
    around evaluation and prediction, and optionally at the end of each epoch.

    The optimizer must have `use_ema=True`. During `fit`, validation then runs
    on the averaged weights while training continues on the raw ones; with
    `swap_on_epoch=True`, the averaged weights are in the model between
    epochs (e.g. for `ModelCheckpoint`, which should come after this callback).

    Args:
        swap_on_epoch: also swap at the end of each epoch (and back at the
            start of the next).

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x, y = np.random.rand(64, 4), np.random.rand(64, 1)
    >>> model.compile(optimizer=pykeras.optimizers.SGD(use_ema=True), loss="mse")
    >>> history = model.fit(x, y, callbacks=[pykeras.callbacks.SwapEMAWeights()], verbose=0)
    """

    def __init__(self, swap_on_epoch: bool = False) -> None:
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _optimizer(self) -> Any:
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if not getattr(optimizer, "use_ema", False):
            raise ValueError(
                "SwapEMAWeights must be used when `use_ema=True` is set on the optimizer. "
                f"Received: use_ema={getattr(optimizer, 'use_ema', None)}"
            )
        return optimizer

    def _swap_variables(self) -> None:
        optimizer = self._optimizer()
        if not optimizer.built:
            return  # nothing trained yet: no averages to swap in
        entries = optimizer._average_entries()
        values = [np.asarray(v) for v in optimizer.get_weights()]
        for variable in optimizer._trainable_variables:
            index, average = entries[id(variable)]
            values[index] = np.asarray(variable.numpy(), dtype=np.float32)
            variable.assign(average)
        optimizer.set_weights(values)

    def _finalize_ema_values(self) -> None:
        """Averages := weights, so that `fit`'s final EMA assignment keeps them."""
        optimizer = self._optimizer()
        entries = optimizer._average_entries()
        values = [np.asarray(v) for v in optimizer.get_weights()]
        for variable in optimizer._trainable_variables:
            values[entries[id(variable)][0]] = np.asarray(variable.numpy(), dtype=np.float32)
        optimizer.set_weights(values)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True
            if epoch == cast("dict[str, Any]", self.params)["epochs"] - 1:
                self._finalize_ema_values()

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_predict_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def on_predict_end(self, logs: dict[str, Any] | None = None) -> None:
        # Keras 3.15 tests `not self._ema_weights_in_model` here, so its
        # prediction leaves the averages in the model; pykeras swaps back, as
        # after evaluation.
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False
