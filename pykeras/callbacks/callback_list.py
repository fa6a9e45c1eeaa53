"""CallbackList: one object that forwards every hook to a list of callbacks."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from pykeras.callbacks.callback import Callback
from pykeras.callbacks.history import History
from pykeras.callbacks.progbar_logger import ProgbarLogger

# The batch-level methods whose override makes a trainer come back to Python
# per batch, by kind of run. `on_batch_*` are the Keras 2 aliases that the
# default `on_train_batch_*` forward to.
_BATCH_HOOKS = {
    "train": ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end"),
    "test": ("on_test_batch_begin", "on_test_batch_end"),
    "predict": ("on_predict_batch_begin", "on_predict_batch_end"),
}


class CallbackList(Callback):
    """Container that calls a list of callbacks through one set of `on_*` methods.

    `fit`, `evaluate` and `predict` build one, and so can a custom training
    loop: call its hooks and every callback inside is called in order.

    Args:
        callbacks: List of `Callback` instances (nested lists are flattened).
        add_history: Whether to add a `History` callback if the list has none.
        add_progbar: Whether to add a `ProgbarLogger` callback if the list has none.
        model: The `Model` these callbacks are used with.
        **params: If given, passed to each callback via `Callback.set_params`
            (`verbose`, `epochs`, `steps`).

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> callbacks = keras.callbacks.CallbackList(
    ...     [keras.callbacks.EarlyStopping()], add_history=True, model=model,
    ...     verbose=0, epochs=10, steps=100)
    >>> callbacks.on_train_begin()
    >>> callbacks.on_epoch_begin(0)
    >>> callbacks.on_epoch_end(0, {"loss": 0.3, "val_loss": 0.4})
    >>> callbacks.on_train_end()
    """

    def __init__(
        self,
        callbacks: Any = None,
        add_history: bool = False,
        add_progbar: bool = False,
        model: Any = None,
        **params: Any,
    ) -> None:
        super().__init__()
        self.callbacks: list[Callback] = []
        self._history: History | None = None
        self._progbar: ProgbarLogger | None = None
        for index, callback in enumerate(_flatten(callbacks)):
            if not isinstance(callback, Callback):
                raise TypeError(
                    "Each callback must be an instance of `keras.callbacks.Callback`. "
                    f"Received: callbacks[{index}]={callback!r} of type {type(callback).__name__}"
                )
            self._track(callback)
        if self._history is None and add_history:
            self._track(History())
        if self._progbar is None and add_progbar:
            self._track(ProgbarLogger())
        self.set_model(model)
        self.set_params(params)

    def _track(self, callback: Any) -> None:
        self.callbacks.append(callback)
        if isinstance(callback, History) and self._history is None:
            self._history = callback
        elif isinstance(callback, ProgbarLogger) and self._progbar is None:
            self._progbar = callback

    def append(self, callback: Callback) -> None:
        """Adds a callback at the end, giving it the list's model and params."""
        if not isinstance(callback, Callback):
            raise TypeError(
                "Each callback must be an instance of `keras.callbacks.Callback`. "
                f"Received: callback={callback!r} of type {type(callback).__name__}"
            )
        self._track(callback)
        if self.model is not None:
            callback.set_model(self.model)
            if callback is self._history:
                self.model.history = callback
        if self.params:
            callback.set_params(self.params)

    def set_params(self, params: dict[str, Any]) -> None:
        """Stores `params` and passes them to every callback (if non-empty)."""
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model: Any) -> None:
        """Attaches `model` to every callback; `model.history` becomes the History callback."""
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def needs_batch_hooks(self, kind: str) -> bool:
        """Whether any callback wants to be called per batch during a `kind` run.

        True when a callback other than `ProgbarLogger` and `History` overrides
        a batch-level method of that kind (for `"train"`, also the `on_batch_*`
        aliases). A trainer that finds it False may run many batches natively
        between calls and report progress to `on_*_batch_end` only now and then.
        A callback can also answer for itself through a `_uses_batch_hooks(kind)`
        method (e.g. `ModelCheckpoint` with `save_freq="epoch"` overrides
        `on_train_batch_end` but has nothing to do there).

        Args:
            kind: One of `"train"`, `"test"`, `"predict"`.

        Returns:
            A bool.
        """
        if kind not in _BATCH_HOOKS:
            raise ValueError(
                f"`kind` must be one of 'train', 'test', 'predict'. Received: kind={kind!r}"
            )
        for callback in self.callbacks:
            if isinstance(callback, (ProgbarLogger, History)):
                continue
            if isinstance(callback, CallbackList):
                if callback.needs_batch_hooks(kind):
                    return True
                continue
            own_answer = getattr(callback, "_uses_batch_hooks", None)
            if own_answer is not None:
                if own_answer(kind):
                    return True
                continue
            if any(_overrides(callback, name) for name in _BATCH_HOOKS[kind]):
                return True
        return False

    # ------------------------------------------------------------ forwarding

    def _call_all(self, hook: Any, *args: Any, logs: dict[str, Any] | None = None) -> None:
        logs = _pythonify_logs(logs)
        for callback in self.callbacks:
            getattr(callback, hook)(*args, logs)

    def on_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_all("on_batch_begin", batch, logs=logs)

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_all("on_batch_end", batch, logs=logs)

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_all("on_train_batch_begin", batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_all("on_train_batch_end", batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_all("on_test_batch_begin", batch, logs=logs)

    def on_test_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_all("on_test_batch_end", batch, logs=logs)

    def on_predict_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_all("on_predict_batch_begin", batch, logs=logs)

    def on_predict_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_all("on_predict_batch_end", batch, logs=logs)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_all("on_epoch_begin", epoch, logs=logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_all("on_epoch_end", epoch, logs=logs)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._call_all("on_train_begin", logs=logs)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self._call_all("on_train_end", logs=logs)

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._call_all("on_test_begin", logs=logs)

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        self._call_all("on_test_end", logs=logs)

    def on_predict_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._call_all("on_predict_begin", logs=logs)

    def on_predict_end(self, logs: dict[str, Any] | None = None) -> None:
        self._call_all("on_predict_end", logs=logs)


def _flatten(callbacks: Any) -> Any:
    if callbacks is None:
        return []
    if isinstance(callbacks, (list, tuple)):
        return [c for item in callbacks for c in _flatten(item)]
    return [callbacks]


def _overrides(callback: Any, name: str) -> bool:
    """Whether `callback.name` is something other than the no-op `Callback.name`."""
    method = getattr(callback, name, None)
    # Functions set on the instance (LambdaCallback) have no `__func__`: they count.
    return getattr(method, "__func__", method) is not getattr(Callback, name)


def _pythonify_logs(logs: dict[str, Any] | None) -> Any:
    """A fresh dict, sorted by key, nested dicts flattened, numeric scalars as floats.

    Every callback gets the same dict, so one callback's additions (e.g.
    `learning_rate`) reach those after it, but never the trainer's own logs.
    """
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(_pythonify_logs(value))
            continue
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value.item()
        if isinstance(value, (numbers.Real, np.integer, np.floating, np.bool_)):
            value = float(value)
        result[key] = value
    return result
