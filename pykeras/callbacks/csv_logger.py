"""CSVLogger: stream the epoch logs of `fit` to a CSV file."""

from __future__ import annotations

import collections.abc
import csv
import os
from typing import IO, Any

import numpy as np

from pykeras.callbacks.callback import Callback


class CSVLogger(Callback):
    """Callback that streams epoch results to a CSV file.

    One row per epoch: an `epoch` column (0-based), then the log keys in
    sorted order. Without validation data, `val_` columns are still written
    (filled with `NA`) so that the header stays the same whether or not later
    runs validate. Rows are flushed as they are written. Values that are 1-D
    iterables (such as `np.ndarray`) are written as `"[a, b, ...]"`.

    Args:
        filename: Filename of the CSV file, e.g. `"run/log.csv"`.
        separator: String used to separate elements in the CSV file.
        append: Boolean. True: append if the file exists (useful for
            continuing training). False: overwrite the existing file.

    Example:

    >>> csv_logger = keras.callbacks.CSVLogger("training.log")
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x, y = np.random.rand(64, 4), np.random.rand(64, 1)
    >>> history = model.fit(x, y, epochs=2, callbacks=[csv_logger], verbose=0)
    >>> open("training.log").readline().strip()
    'epoch,loss,val_loss'

    """

    def __init__(
        self, filename: str | os.PathLike[str], separator: str = ",", append: bool = False
    ) -> None:
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer: csv.DictWriter[str] | None = None
        self.keys: list[str] | None = None
        self.append_header = True
        self.csv_file: IO[str] | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        # Default newline handling, as Keras: rows end with the csv "excel"
        # dialect's "\r\n", byte for byte the same files as Keras writes.
        self.csv_file = open(self.filename, mode)  # noqa: SIM115 -- closed in on_train_end
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys.extend([f"val_{key}" for key in self.keys])

        assert self.csv_file is not None, "opened by on_train_begin"
        if self.writer is None:
            dialect = type("CSVLoggerDialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(
                self.csv_file, fieldnames=["epoch"] + self.keys, dialect=dialect
            )
            if self.append_header:
                self.writer.writeheader()

        row: dict[str, Any] = {"epoch": epoch}
        row.update((key, _format_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


def _format_value(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (
        isinstance(value, np.ndarray) and value.ndim == 0
    ):
        return f'"[{", ".join(map(str, value))}]"'
    return value
