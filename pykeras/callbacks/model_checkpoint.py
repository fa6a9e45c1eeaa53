"""ModelCheckpoint: save the model or its weights during `fit`, every epoch or every N batches."""

from __future__ import annotations

import os
import warnings
from typing import Any, cast

import numpy as np

from pykeras.callbacks.monitor_callback import MonitorCallback


class ModelCheckpoint(MonitorCallback):
    """Callback to save the Keras model or model weights at some frequency.

    Saves with `model.save(path, overwrite=True)` (a `.keras` or legacy `.h5`
    file) or `model.save_weights(path, overwrite=True)` (a `.weights.h5` file),
    at the end of every epoch or every `save_freq` batches, optionally only
    when the monitored quantity improved.

    Args:
        filepath: String or `PathLike`, path to save the model file. It can
            contain named formatting options, filled with `epoch` (1-based),
            `batch` (1-based, when saving by batches) and the keys of the logs:
            `"{epoch:02d}-{val_loss:.2f}.keras"` saves one file per epoch with
            the epoch number and validation loss in its name. It must end with
            `.weights.h5` when `save_weights_only=True`, and with `.keras` (or
            `.h5`) otherwise.
        monitor: The metric name to monitor, e.g. `"val_loss"`, `"accuracy"`.
            Prefix with `"val_"` for validation metrics.
        verbose: Verbosity mode, 0 or 1. Mode 1 prints a message when the
            callback takes an action.
        save_best_only: If `True`, only save when the model is the best so far
            by the monitored quantity. Without formatting options in
            `filepath`, each better model overwrites the previous one.
        mode: One of `{"auto", "min", "max"}`: whether the best is the lowest
            or highest value of the monitored quantity (`"auto"` infers it).
        save_weights_only: If `True`, save only the weights
            (`model.save_weights(filepath)`), else the full model
            (`model.save(filepath)`).
        save_freq: `"epoch"` or an integer. `"epoch"` saves after each epoch;
            an integer saves after that many batches. Metrics logged mid-epoch
            cover only part of the epoch, so monitoring is less reliable then.
            Defaults to `"epoch"`.
        initial_value_threshold: Initial "best" value of the monitored
            quantity; with `save_best_only=True`, a model is saved only if it
            beats it.

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x, y = np.random.rand(64, 4), np.random.rand(64, 1)
    >>> checkpoint = keras.callbacks.ModelCheckpoint(
    ...     "ckpt/best.keras", monitor="val_loss", mode="min",
    ...     save_best_only=True)
    >>> history = model.fit(
    ...     x, y, epochs=3, validation_split=0.2, callbacks=[checkpoint], verbose=0)
    >>> model = keras.models.load_model("ckpt/best.keras")
    """

    def __init__(
        self,
        filepath: str | os.PathLike[str],
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        initial_value_threshold: float | None = None,
    ) -> None:
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen: int | None = None
        self._current_epoch = 0

        if save_freq != "epoch" and (
            not isinstance(save_freq, (int, np.integer)) or isinstance(save_freq, bool)
        ):
            raise ValueError(
                f"Unrecognized save_freq: {save_freq}. "
                "Expected save_freq are 'epoch' or integer values"
            )
        if save_freq != "epoch" and cast(int, save_freq) < 1:
            raise ValueError(
                f"`save_freq` must be a positive number of batches. Received: save_freq={save_freq}"
            )

        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError(
                    "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath "
                    "provided must end in `.weights.h5` (Keras weights format). "
                    f"Received: filepath={self.filepath}"
                )
        elif not self.filepath.endswith((".keras", ".h5")):
            raise ValueError(
                "The filepath provided must end in `.keras` (Keras model format). "
                f"Received: filepath={self.filepath}"
            )

    def _uses_batch_hooks(self, kind: Any) -> Any:
        # Epoch-level saving needs no per-batch calls: say so, so that `fit`
        # can keep whole epochs native.
        return kind == "train" and self.save_freq != "epoch"

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._current_epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self._should_save_on_batch(batch):
            self._save_model(epoch=self._current_epoch, batch=batch, logs=logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch=epoch, batch=None, logs=logs)

    def _should_save_on_batch(self, batch: int) -> Any:
        """Counts batches, including those skipped between calls, until `save_freq` is reached."""
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1  # a new epoch: batch indices are 0-based
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= cast(int, self.save_freq):
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(
        self,
        epoch: int,
        batch: int | None,
        logs: dict[str, Any] | None,
        filepath: str | os.PathLike[str],
    ) -> Any:
        """Whether to save now: always, unless `save_best_only` and no improvement."""
        logs = logs or {}
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}", flush=True)
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=2)
            return True
        if np.ndim(current) > 0:
            warnings.warn(
                f"Can save best model only when `monitor` is a scalar value. Received: "
                f"{current}. Falling back to `save_best_only=False`.",
                stacklevel=2,
            )
            return True
        best_str = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_str} to "
                    f"{current:.5f}, saving model to {filepath}",
                    flush=True,
                )
            self.best = current
            return True
        if self.verbose > 0:
            print(
                f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_str}",
                flush=True,
            )
        return False

    def _save_model(self, epoch: int, batch: int | None, logs: dict[str, Any] | None) -> None:
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save_model(epoch, batch, logs, filepath):
            return
        if os.path.isdir(filepath):
            raise IsADirectoryError(
                "Please specify a non-directory filepath for ModelCheckpoint. "
                f"Filepath used is an existing directory: {filepath}"
            )
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        # Writing to a temporary file and renaming it into place (so a crash
        # never leaves a torn checkpoint) is the job of save/save_weights.
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {filepath}", flush=True)

    def _get_file_path(self, epoch: int, batch: int | None, logs: dict[str, Any] | None) -> Any:
        """`filepath` with `{epoch}`, `{batch}` (both 1-based) and log keys filled in."""
        logs = logs or {}
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}'
            ) from None
