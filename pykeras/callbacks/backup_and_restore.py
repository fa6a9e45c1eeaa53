"""BackupAndRestore: resume an interrupted `fit` from its last backed-up epoch."""

from __future__ import annotations

import json
import os
import shutil
import sys
from typing import Any, cast

import numpy as np

from pykeras.callbacks.callback import Callback


class BackupAndRestore(Callback):
    """Callback to back up and restore the training state.

    Meant to recover training from an interruption in the middle of `fit`
    (a crash, a preempted machine): the model weights and the number of
    finished epochs are backed up in `backup_dir` at the end of each epoch (or
    every `save_freq` batches), each backup overwriting the previous one. When
    `fit` starts again with this callback, the weights are restored and
    training resumes at the first epoch not yet finished. When `fit`
    completes, the backup is deleted (unless `delete_checkpoint=False`).

    The model to restore must be the same as the one backed up; changing the
    arguments of `compile` or `fit` can invalidate the backup.

    Files in `backup_dir`: `latest.weights.h5` (written by
    `model.save_weights`) and `training_metadata.json` (`{"epoch": E,
    "batch": B}`, `E` being the number of finished epochs), plus `.bkp`
    copies of both with `double_checkpoint=True`.

    Contract with `fit`: `on_train_begin` loads the backup, if any, and sets
    `self._initial_epoch_from_backup` to the epoch to resume at (otherwise it
    stays `None`). `fit` must call `on_train_begin` before its first epoch and
    then, if that attribute is not `None`, start at that epoch instead of
    `initial_epoch` (running no epoch if it is already `>= epochs`).

    Args:
        backup_dir: String, path of the directory where to store the data
            needed to restore the model. It cannot be shared with other
            callbacks or other training runs.
        save_freq: `"epoch"` or an integer. `"epoch"` backs up at the end of
            each epoch; an integer backs up every `save_freq` batches.
        double_checkpoint: Boolean. If `True`, keep the previous backup too,
            and fall back to it if the latest one cannot be read (e.g. a
            corrupted file). Takes twice the disk space. Defaults to `False`.
        delete_checkpoint: Boolean. If `True`, delete the backup once training
            has finished. Defaults to `True`.

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x, y = np.random.rand(64, 4), np.random.rand(64, 1)
    >>> class InterruptingCallback(keras.callbacks.Callback):
    ...     def on_epoch_begin(self, epoch, logs=None):
    ...         if epoch == 4:
    ...             raise RuntimeError("Interrupting!")
    >>> callback = keras.callbacks.BackupAndRestore(backup_dir="backup")
    >>> try:
    ...     model.fit(x, y, epochs=10, callbacks=[callback, InterruptingCallback()], verbose=0)
    ... except RuntimeError:
    ...     pass
    >>> history = model.fit(x, y, epochs=10, callbacks=[callback], verbose=0)
    >>> len(history.history["loss"])  # epochs 4 to 9 only
    6
    """

    def __init__(
        self,
        backup_dir: str,
        save_freq: str | int = "epoch",
        double_checkpoint: bool = False,
        delete_checkpoint: bool = True,
    ) -> None:
        super().__init__()
        if not backup_dir:
            raise ValueError(
                f"Empty `backup_dir` argument passed. Received: backup_dir={backup_dir!r}"
            )
        if save_freq != "epoch" and (
            not isinstance(save_freq, (int, np.integer))
            or isinstance(save_freq, bool)
            or save_freq < 1
        ):
            raise ValueError(
                "Invalid value for argument `save_freq`. "
                f"Received: save_freq={save_freq}. "
                "Expected either 'epoch' or a positive integer value."
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._training_metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._prev_weights_path = f"{self._weights_path}.bkp"
        self._prev_training_metadata_path = f"{self._training_metadata_path}.bkp"
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        self._initial_epoch_from_backup: int | None = None

    def _uses_batch_hooks(self, kind: Any) -> Any:
        return kind == "train" and self.save_freq != "epoch"

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._initial_epoch_from_backup = None
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        if not getattr(self.model, "built", True):
            raise ValueError(
                "To use the BackupAndRestore callback, your model must be built before you "
                f"call `fit()`. Model {self.model} is unbuilt. You can build it beforehand "
                "by calling it on a batch of data."
            )
        try:
            self._load_model()
        except (OSError, ValueError):
            # The latest backup may be torn or corrupted: fall back to the
            # previous one when there is one.
            if not os.path.exists(self._prev_weights_path):
                raise
            shutil.copyfile(self._prev_weights_path, self._weights_path)
            if os.path.exists(self._prev_training_metadata_path):
                shutil.copyfile(self._prev_training_metadata_path, self._training_metadata_path)
            elif os.path.exists(self._training_metadata_path):
                os.remove(self._training_metadata_path)
            self._load_model()
        self._current_epoch = self._initial_epoch_from_backup or 0

    def _load_model(self) -> None:
        """Restores the weights and the epoch to resume at from `backup_dir`, if backed up."""
        if os.path.exists(self._weights_path):
            self.model.load_weights(self._weights_path)
        if os.path.exists(self._training_metadata_path):
            with open(self._training_metadata_path) as f:
                metadata = json.load(f)
            self._initial_epoch_from_backup = int(metadata["epoch"])

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save_model()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self._should_save_on_batch(batch):
            self._save_model()

    def _should_save_on_batch(self, batch: int) -> Any:
        """Counts batches, including those skipped between calls, until `save_freq` is reached."""
        if self.save_freq == "epoch":
            return False
        if batch <= self._last_batch_seen:
            added = batch + 1  # a new epoch: batch indices are 0-based
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= cast(int, self.save_freq):
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _save_model(self) -> None:
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            if os.path.exists(self._weights_path):
                shutil.copyfile(self._weights_path, self._prev_weights_path)
            if os.path.exists(self._training_metadata_path):
                shutil.copyfile(self._training_metadata_path, self._prev_training_metadata_path)
        # save_weights itself writes to a temporary file and renames it.
        self.model.save_weights(self._weights_path, overwrite=True)
        metadata = {"epoch": self._current_epoch, "batch": self._last_batch_seen}
        # Same for the metadata, so an interruption never leaves a torn file
        # that would block the next restore.
        tmp_path = f"{self._training_metadata_path}.tmp"
        with open(tmp_path, "w") as f:
            json.dump(metadata, f)
        os.replace(tmp_path, self._training_metadata_path)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if sys.exc_info()[1] is not None:
            # fit() is ending on an exception (Ctrl-C, an error in a callback
            # or the data): keep the backup, so the next fit() resumes.
            return
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
