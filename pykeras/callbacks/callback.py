"""Callback: the base class of everything `fit`, `evaluate` and `predict` call back into."""

from __future__ import annotations

import difflib
import inspect
import reprlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import Self


class Callback:
    """Base class used to build new callbacks.

    Callbacks can be passed to `fit()`, `evaluate()` and `predict()` to hook
    into the stages of training, evaluation and inference. Subclass it and
    override the `on_*` methods of the stages you care about.

    pykeras runs whole epochs in Rust and comes back to Python between batches
    only when some callback overrides a batch-level method (`on_train_batch_*`,
    `on_batch_*`, `on_test_batch_*`, `on_predict_batch_*`): leave those alone
    unless you need them, and training stays fast.

    Attributes:
        params: Dict. Training parameters (`verbose`, `epochs`, `steps`).
        model: The `Model` being trained, evaluated or run.

    The `logs` dicts the methods receive hold plain Python floats keyed by
    metric name (`"loss"`, `"accuracy"`, `"val_loss"`, ...).

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x, y = np.random.rand(64, 4), np.random.rand(64, 1)
    >>> class StopAtTarget(keras.callbacks.Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         if logs["loss"] < 0.01:
    ...             self.model.stop_training = True
    >>> history = model.fit(x, y, epochs=100, callbacks=[StopAtTarget()], verbose=0)
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        # Checked here, before `__init__`, so every callback (built-in or
        # user-written) turns a misspelt argument into a hint, not a bare
        # "unexpected keyword argument".
        if kwargs:
            _check_init_kwargs(cls, kwargs)
        return super().__new__(cls)

    def __init__(self) -> None:
        self.params: dict[str, Any] | None = None
        self._model: Any = None

    def set_params(self, params: dict[str, Any]) -> None:
        """Stores the training parameters dict (`verbose`, `epochs`, `steps`)."""
        self.params = params

    def set_model(self, model: Any) -> None:
        """Attaches the model the callback acts on."""
        self._model = model

    @property
    def model(self) -> Any:
        """The model the callback is attached to, or `None`."""
        return self._model

    @model.setter
    def model(self, model: Any) -> None:
        # Keras 2 code assigns `callback.model = model` directly.
        self.set_model(model)

    # ------------------------------------------------------------ batch hooks

    def on_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """A backwards compatibility alias for `on_train_batch_begin`."""

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """A backwards compatibility alias for `on_train_batch_end`."""

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Called at the beginning of a training batch in `fit`.

        Args:
            batch: Integer, index of the batch within the current epoch.
            logs: Dict. Currently no data is passed to this argument.
        """
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Called at the end of a training batch in `fit`.

        When no callback overrides a batch hook, `fit` may report progress
        only every few batches: `batch` can then jump by more than one.

        Args:
            batch: Integer, index of the batch within the current epoch.
            logs: Dict. Aggregated metric results up until this batch.
        """
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Called at the beginning of a batch in `evaluate` or of a validation batch in `fit`.

        Args:
            batch: Integer, index of the batch within the current run.
            logs: Dict. Currently no data is passed to this argument.
        """

    def on_test_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Called at the end of a batch in `evaluate` or of a validation batch in `fit`.

        Args:
            batch: Integer, index of the batch within the current run.
            logs: Dict. Aggregated metric results up until this batch.
        """

    def on_predict_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Called at the beginning of a batch in `predict`.

        Args:
            batch: Integer, index of the batch within the current run.
            logs: Dict. Currently no data is passed to this argument.
        """

    def on_predict_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Called at the end of a batch in `predict`.

        Args:
            batch: Integer, index of the batch within the current run.
            logs: Dict. `{"outputs": ...}`, the batch's predictions.
        """

    # ------------------------------------------------------------ epoch hooks

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Called at the start of an epoch (only in `fit`).

        Args:
            epoch: Integer, index of the epoch.
            logs: Dict. Currently no data is passed to this argument.
        """

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Called at the end of an epoch (only in `fit`).

        Args:
            epoch: Integer, index of the epoch.
            logs: Dict, metric results for this training epoch, and for the
                validation epoch if validation is performed, with keys prefixed
                `val_`. Example: `{"loss": 0.2, "accuracy": 0.7, "val_loss": 0.3}`.
        """

    # ------------------------------------------------------------- run hooks

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Called at the beginning of training.

        Args:
            logs: Dict. Currently no data is passed to this argument.
        """

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """Called at the end of training.

        Args:
            logs: Dict. The logs of the last `on_epoch_end()` call.
        """

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Called at the beginning of evaluation or validation.

        Args:
            logs: Dict. Currently no data is passed to this argument.
        """

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        """Called at the end of evaluation or validation.

        Args:
            logs: Dict. The final metric results of the evaluation.
        """

    def on_predict_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Called at the beginning of prediction.

        Args:
            logs: Dict. Currently no data is passed to this argument.
        """

    def on_predict_end(self, logs: dict[str, Any] | None = None) -> None:
        """Called at the end of prediction.

        Args:
            logs: Dict. Currently no data is passed to this argument.
        """


def _check_init_kwargs(cls: type[Any], kwargs: Any) -> None:
    """Raises a TypeError naming an unknown `__init__` argument and its closest match."""
    try:
        params = inspect.signature(cls.__init__).parameters.values()
    except (TypeError, ValueError):  # builtins or odd callables: let Python decide
        return
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return
    names = sorted(p.name for p in params if p.name != "self" and p.kind is not p.VAR_POSITIONAL)
    for key, value in kwargs.items():
        if key not in names:
            hint = difflib.get_close_matches(key, names, n=1)
            suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
            raise TypeError(
                f"{cls.__name__}.__init__() got an unexpected keyword argument '{key}'."
                f"{suggestion} Received: {key}={reprlib.repr(value)}"
            )


def _optimizers_of(model: Any, caller: Any) -> Any:
    """`(name, optimizer)` pairs of `model`: one unnamed pair, or one per wrapped optimizer."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        raise ValueError(
            f"{caller} needs a compiled model with an optimizer. "
            f"Received: model.optimizer=None for model {getattr(model, 'name', model)!r}"
        )
    if hasattr(optimizer, "optimizers"):
        return [(inner.name, inner) for inner in optimizer.optimizers]
    return [("", optimizer)]
