"""LambdaCallback: a callback made from plain functions, one per hook."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from pykeras.callbacks.callback import Callback

_HOOKS = tuple(sorted(name for name in vars(Callback) if name.startswith("on_")))


class LambdaCallback(Callback):
    """Callback for creating simple, custom callbacks on-the-fly.

    Each function is called at the matching stage of `fit`, `evaluate` or
    `predict`, with the arguments of the `Callback` method it replaces:

    - `on_epoch_begin` and `on_epoch_end`: `epoch`, `logs` (positional);
    - `on_train_begin` and `on_train_end`: `logs` (positional);
    - `on_train_batch_begin` and `on_train_batch_end`: `batch` (positional)
      and `logs` (keyword);
    - any other `Callback` method, passed by name as a keyword argument.

    Args:
        on_epoch_begin: called at the beginning of every epoch.
        on_epoch_end: called at the end of every epoch.
        on_train_begin: called at the beginning of model training.
        on_train_end: called at the end of model training.
        on_train_batch_begin: called at the beginning of every train batch.
        on_train_batch_end: called at the end of every train batch.
        **kwargs: Any other `Callback` method to override, as
            `function_name=function` (e.g. `on_test_end=fn`).

    Example:

    >>> json_log = open("loss_log.json", mode="wt", buffering=1)
    >>> json_logging_callback = keras.callbacks.LambdaCallback(
    ...     on_epoch_end=lambda epoch, logs: json_log.write(
    ...         json.dumps({"epoch": epoch, "loss": logs["loss"]}) + "\\n"),
    ...     on_train_end=lambda logs: json_log.close())
    """

    def __init__(
        self,
        on_epoch_begin: Callable[..., Any] | None = None,
        on_epoch_end: Callable[..., Any] | None = None,
        on_train_begin: Callable[..., Any] | None = None,
        on_train_end: Callable[..., Any] | None = None,
        on_train_batch_begin: Callable[..., Any] | None = None,
        on_train_batch_end: Callable[..., Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        for key in kwargs:
            if key not in _HOOKS:
                hint = difflib.get_close_matches(key, _HOOKS, n=1)
                suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
                raise TypeError(
                    f"LambdaCallback.__init__() got an unexpected keyword argument '{key}': "
                    f"only `Callback` methods (on_*) can be given.{suggestion} "
                    f"Received: {key}=..."
                )
        hooks = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
            **kwargs,
        }
        # Set on the instance: these shadow the class's no-op methods, and
        # `CallbackList.needs_batch_hooks` sees them as overrides.
        for name, fn in hooks.items():
            if fn is not None:
                setattr(self, name, fn)
