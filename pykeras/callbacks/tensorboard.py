"""TensorBoard: training curves, weight histograms and the model graph as
TensorBoard event files."""

from __future__ import annotations

import os
import tempfile
import time
import warnings
from typing import Any, cast

import numpy as np

from pykeras.callbacks._tensorboard_events import EventWriter, _tensorboard
from pykeras.callbacks.callback import Callback


class TensorBoard(Callback):
    """Writes TensorBoard logs: metrics, weight histograms and images, the model graph.

    As Keras does, it writes `log_dir/train` and `log_dir/validation` runs:
    `epoch_<metric>` scalars per epoch (with `epoch_learning_rate`), and, with
    `update_freq="batch"` or an int N, `batch_<metric>` scalars every N training
    batches; `evaluation_<metric>_vs_iterations` after each evaluation inside
    `fit`. Open it with `tensorboard --logdir logs`.

    Event files are written with the `tensorboard` package (install
    `pykeras[tensorboard]`); TensorFlow is not needed.

    Args:
        log_dir: the directory to write to. It is created, and checked to be
            writable, at construction: an unwritable one raises `OSError` then.
        histogram_freq: every how many epochs to write a histogram of every
            weight (0: never).
        write_graph: write the model's layer graph (functional and Sequential
            models), which TensorBoard's Graphs tab shows.
        write_images: with histograms, also write 1D/2D/3D weights as images.
        write_steps_per_second: also write the training speed.
        update_freq: `"epoch"`, `"batch"` or an int: how often batch-level
            scalars are written.
        profile_batch: pykeras has no profiler hooked to TensorBoard: must be 0.
        embeddings_freq: every how many epochs to save the weights for the
            embedding projector (0: never).
        embeddings_metadata: accepted for Keras compatibility; pykeras writes
            no projector config.

    Example:

    >>> tensorboard = pykeras.callbacks.TensorBoard(log_dir="./logs", histogram_freq=1)
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x, y = np.random.rand(64, 4), np.random.rand(64, 1)
    >>> history = model.fit(x, y, epochs=2, callbacks=[tensorboard], verbose=0)
    """

    def __init__(
        self,
        log_dir: str = "logs",
        histogram_freq: int = 0,
        write_graph: bool = True,
        write_images: bool = False,
        write_steps_per_second: bool = False,
        update_freq: str | int = "epoch",
        profile_batch: Any = 0,
        embeddings_freq: int = 0,
        embeddings_metadata: Any = None,
    ) -> None:
        super().__init__()
        _tensorboard()  # a missing package fails now, not mid-training
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        if update_freq != "epoch" and update_freq != "batch":
            if isinstance(update_freq, bool) or not isinstance(update_freq, int) or update_freq < 1:
                raise ValueError(
                    "TensorBoard's `update_freq` must be 'epoch', 'batch' or a positive int. "
                    f"Received: update_freq={update_freq!r}"
                )
        self.update_freq = 1 if update_freq == "batch" else update_freq
        if profile_batch:
            raise ValueError(
                "Profiling is not available with pykeras's backend. Received: "
                f"profile_batch={profile_batch} (must be 0)"
            )
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        _check_writable(self.log_dir)
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._writers: dict[str, Any] = {}
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0
        self._epoch_start_time = 0.0
        self._batch_start_time = 0.0

    def _uses_batch_hooks(self, kind: Any) -> Any:
        # Only batch-level scalars need per-batch calls; epoch logging lets
        # fit run whole epochs natively.
        return kind == "train" and (self.update_freq != "epoch" or self.write_steps_per_second)

    def _writer(self, key: Any) -> Any:
        if key not in self._writers:
            self._writers[key] = EventWriter(self._train_dir if key == "train" else self._val_dir)
        return self._writers[key]

    def set_model(self, model: Any) -> None:
        super().set_model(model)
        self._writers = {}
        if self.write_graph and type(model).__name__ in ("Functional", "Sequential"):
            try:
                json_string = model.to_json()
            except Exception as e:  # as Keras: a model that cannot serialize is skipped
                warnings.warn(f"Model failed to serialize as JSON. Ignoring... {e}", stacklevel=2)
            else:
                self._writer("train").keras_model("keras", json_string, step=0)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._batch_start_time = time.time()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._global_train_batch += 1
        writer = self._writer("train")
        if self.write_steps_per_second and self._batch_start_time:
            elapsed = time.time() - self._batch_start_time
            if elapsed > 0:
                writer.scalar("batch_steps_per_second", 1.0 / elapsed, self._global_train_batch)
        if self.update_freq == "epoch" or self._global_train_batch % cast(int, self.update_freq):
            return
        for name, value in (logs or {}).items():
            if _is_scalar(value):
                writer.scalar(f"batch_{name}", value, self._global_train_batch)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch_start_time = time.time()
        self._previous_epoch_iterations = self._iterations()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._log_epoch_metrics(epoch, logs or {})
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            path = os.path.join(self._train_dir, f"keras_embedding.ckpt-{epoch}.weights.h5")
            self.model.save_weights(path)
        for writer in self._writers.values():
            writer.flush()

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not logs:
            return
        step = int(optimizer.iterations)
        writer = self._writer("val")
        for name, value in logs.items():
            if _is_scalar(value):
                writer.scalar(f"evaluation_{name}_vs_iterations", value, step)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def _iterations(self) -> Any:
        optimizer = getattr(self.model, "optimizer", None)
        return int(optimizer.iterations) if optimizer is not None else 0

    def _log_epoch_metrics(self, epoch: int, logs: dict[str, Any] | None) -> None:
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if optimizer is not None and hasattr(optimizer, "learning_rate"):
            train_logs["learning_rate"] = float(np.asarray(optimizer.learning_rate))
        if self.write_steps_per_second:
            elapsed = time.time() - self._epoch_start_time
            steps = self._iterations() - self._previous_epoch_iterations
            train_logs["steps_per_second"] = steps / elapsed if elapsed > 0 else 0.0
        for key, run in (("train", train_logs), ("val", val_logs)):
            scalars = {k: v for k, v in run.items() if _is_scalar(v)}
            if scalars:
                writer = self._writer(key)
                for name, value in scalars.items():
                    writer.scalar(f"epoch_{name}", value, epoch)

    def _log_weights(self, epoch: int) -> None:
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                name = str(getattr(weight, "path", weight.name)).replace(":", "_")
                value = np.asarray(weight.numpy())
                writer.histogram(f"{name}/histogram", value, epoch)
                if self.write_images:
                    image = _weight_as_image(value)
                    if image is not None:
                        writer.image(f"{name}/image", image, epoch)


def _is_scalar(value: Any) -> Any:
    try:
        return np.asarray(value).size == 1
    except Exception:
        return False


def _weight_as_image(w: Any) -> Any:
    """Keras's layout of a weight as images: (k, h, w, 1), or None if it has none."""
    w = np.squeeze(w)
    if w.ndim == 1:
        w = w.reshape(1, w.shape[0], 1, 1)
    elif w.ndim == 2:
        if w.shape[0] > w.shape[1]:
            w = w.T
        w = w.reshape(1, w.shape[0], w.shape[1], 1)
    elif w.ndim == 3:
        w = np.transpose(w, (2, 0, 1))  # channels last: one image per kernel
        w = w.reshape(w.shape[0], w.shape[1], w.shape[2], 1)
    else:
        return None
    return w


def _check_writable(log_dir: str) -> None:
    """Creates `log_dir` and proves it writable, raising OSError otherwise."""
    try:
        os.makedirs(log_dir, exist_ok=True)
        with tempfile.TemporaryFile(dir=log_dir):
            pass
    except OSError as e:
        raise OSError(
            e.errno,
            f"TensorBoard cannot write its logs to log_dir={log_dir!r}: {e.strerror or e}",
        ) from e
