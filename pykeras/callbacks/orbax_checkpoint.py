"""OrbaxCheckpoint: save the model's state with Orbax during `fit`, as Keras 3 does."""

from __future__ import annotations

import os
import warnings
from typing import Any, cast

import numpy as np

from pykeras.callbacks.monitor_callback import MonitorCallback
from pykeras.saving import orbax_format


class OrbaxCheckpoint(MonitorCallback):
    """Callback to save and load model state using Orbax with a similar API to
    ModelCheckpoint.

    Each save writes one step folder under `directory` through Orbax's
    `training.Checkpointer` (the `orbax-checkpoint` package, installed with the
    `orbax` extra): the model's state tree (trainable, non-trainable and
    optimizer variables, nested by variable path as `Model.get_state_tree()`
    in Keras 3), its config and its assets. The step is the epoch index (from
    0) with `save_freq="epoch"`, else the number of batches trained so far.
    Keras 3 reads these directories back (`keras.saving.load_model(directory)`
    or `model.load_weights(directory)`), and pykeras reads Keras's the same way.

    Example:

    ```python
    model.compile(loss=..., optimizer=..., metrics=['accuracy'])

    EPOCHS = 10
    checkpoint_dir = '/tmp/ckpt'
    orbax_checkpoint_callback = keras.callbacks.OrbaxCheckpoint(
        directory=checkpoint_dir,
        monitor='val_accuracy',
        mode='max',
        save_best_only=True)

    # Model is saved at the end of every epoch, if it's the best seen so far.
    model.fit(epochs=EPOCHS, callbacks=[orbax_checkpoint_callback])

    # Alternatively, save checkpoints every N batches -
    orbax_checkpoint_callback = keras.callbacks.OrbaxCheckpoint(
        directory=checkpoint_dir,
        save_freq=100)  # Save every 100 batches

    model.fit(epochs=EPOCHS, callbacks=[orbax_checkpoint_callback])

    # The latest checkpoint, as a model or into a model of the same structure.
    model = keras.saving.load_model(checkpoint_dir)
    model.load_weights(checkpoint_dir)
    ```

    Args:
        directory: path to the directory where to save the checkpoints.
        monitor: The metric name to monitor (e.g., 'val_loss').
        verbose: Verbosity mode, 0 or 1.
        save_best_only: if `save_best_only=True`, it only saves when the model
            is considered the "best" based on the monitored quantity.
        mode: one of {'auto', 'min', 'max'}. Used with `save_best_only`.
        save_freq: `'epoch'` or integer. Frequency to save checkpoints.
        initial_value_threshold: Floating point initial "best" value for the
            monitor, used with `save_best_only`.
        max_to_keep: Integer, maximum number of recent checkpoints to keep.
            If None, keeps all. Defaults to 1.
        save_on_background: Boolean, whether to save asynchronously in the
            background. Defaults to True.
        save_weights_only: if True, only the trainable and non-trainable
            variables are saved (no optimizer state, config or assets), so the
            directory loads with `model.load_weights` but not `load_model`.

    Raises:
        ImportError: `orbax-checkpoint` is not installed.
        ValueError: `save_freq` is neither `"epoch"` nor a positive integer,
            `max_to_keep` is not a positive integer or None, or `mode` is unknown.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        initial_value_threshold: float | None = None,
        max_to_keep: int | None = 1,
        save_on_background: bool = True,
        save_weights_only: bool = False,
    ) -> None:
        ocp = orbax_format.orbax_v1("OrbaxCheckpoint")
        super().__init__(monitor, mode, initial_value_threshold)
        if save_freq != "epoch" and (
            not isinstance(save_freq, (int, np.integer))
            or isinstance(save_freq, bool)
            or save_freq < 1
        ):
            raise ValueError(
                f"Unrecognized save_freq: {save_freq}. "
                "Expected save_freq are 'epoch' or integer values"
            )
        if max_to_keep is not None and (
            not isinstance(max_to_keep, (int, np.integer))
            or isinstance(max_to_keep, bool)
            or max_to_keep < 1
        ):
            raise ValueError(
                "OrbaxCheckpoint `max_to_keep` must be a positive integer or None (keep all). "
                f"Received: max_to_keep={max_to_keep!r}"
            )
        self.directory = os.fspath(directory)
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_freq = save_freq
        self.max_to_keep = max_to_keep
        self.save_on_background = save_on_background
        self.save_weights_only = save_weights_only
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen: int | None = None
        # Every batch since the optimizer started: the step of batch-level saves.
        self._total_batches_seen = 0
        self._async_futures: list[Any] = []
        self._ocp = ocp
        self.checkpointer = self._new_checkpointer()

    def _new_checkpointer(self) -> Any:
        ocp = self._ocp
        policies = ocp.training
        preservation = (
            policies.preservation_policies.LatestN(int(self.max_to_keep))
            if self.max_to_keep is not None
            else None
        )
        # As Keras: every save request is honoured (the callback decides when);
        # Orbax's default interval policy would drop rapid batch-level saves.
        return ocp.training.Checkpointer(
            directory=self.directory,
            preservation_policy=preservation,
            save_decision_policy=policies.save_decision_policies.FixedIntervalPolicy(1),
        )

    def set_model(self, model: Any) -> None:
        super().set_model(model)
        optimizer = getattr(model, "__dict__", {}).get("optimizer")
        if optimizer is not None:
            # A model trained before (or restored) numbers its steps from where it is.
            self._total_batches_seen = int(optimizer.iterations)

    def is_multihost_enabled(self) -> bool:
        """Return True if multi-host checkpointing is enabled and initialized.

        pykeras trains in one process (multi-host coordination is a JAX
        distributed feature), so this is always False.
        """
        return False

    def is_primary_host(self) -> bool:
        """Return True if this process is the primary host in multi-host setup.

        Always True: pykeras trains in one process.
        """
        return True

    def _uses_batch_hooks(self, kind: Any) -> Any:
        # Epoch-level saving needs no per-batch calls, so `fit` keeps whole epochs native.
        return kind == "train" and self.save_freq != "epoch"

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if self.checkpointer is None:
            # Closed at the end of an earlier `fit`: this callback is being reused.
            self.checkpointer = self._new_checkpointer()

    def _should_save_on_batch(self, batch: int) -> bool:
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1  # a new epoch: batch indices are 0-based
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        self._total_batches_seen += added
        if self._batches_seen_since_last_saving >= cast(int, self.save_freq):
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _is_best(self, logs: dict[str, Any] | None, where: str) -> bool:
        """With `save_best_only`: whether the monitored value improved (and record it)."""
        current = logs.get(self.monitor) if logs else None
        if current is None:
            warnings.warn(
                f"Can save best model only with {self.monitor} available, skipping save at "
                f"{where}.",
                stacklevel=3,
            )
            return False
        if not self._is_improvement(current, self.best):
            return False
        self.best = current
        return True

    def _save_checkpoint(self, step: int) -> None:
        payload = orbax_format.checkpoint_payload(self.model, self.save_weights_only)
        if self.checkpointer is None:
            self.checkpointer = self._new_checkpointer()
        with self._ocp.Context():
            if self.save_on_background:
                future = self.checkpointer.save_checkpointables_async(step, payload)
                self._async_futures.append(future)
            else:
                self.checkpointer.save_checkpointables(step, payload)
        if self.verbose > 0:
            print(f"OrbaxCheckpoint: saving step {step} to {self.directory}")

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if not self._should_save_on_batch(batch):
            return
        if self.save_best_only and not self._is_best(logs, f"batch {batch}"):
            return
        self._save_checkpoint(step=self._total_batches_seen)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq != "epoch":
            return
        if self.save_best_only and not self._is_best(logs, f"epoch {epoch}"):
            return
        self._save_checkpoint(step=epoch)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        # Closing waits for the saves still running in the background.
        if self.checkpointer is not None:
            try:
                self.wait_until_finished()
            finally:
                self.checkpointer.close()
                self.checkpointer = None

    def wait_until_finished(self) -> None:
        """Wait for any in-progress checkpoint operations to complete.

        Blocks until every save started in the background has been written.
        """
        futures, self._async_futures = self._async_futures, []
        for future in futures:
            future.result()
        if self.checkpointer is not None:
            self.checkpointer.wait()
