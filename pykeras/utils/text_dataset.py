"""`keras.utils.text_dataset_from_directory`: a directory of `.txt` files (one
subdirectory per class) as batches `fit` and `TextVectorization.adapt` accept.

Keras returns a `tf.data.Dataset` of string tensors; pykeras returns a
`PyDataset` of `(texts, labels)` batches whose texts are NumPy arrays of
`str`, with the same files, labels, split and `class_names`. Files are
listed, labelled, shuffled (seeded) and split exactly as Keras does, by the
code the image and audio datasets share (`directory_dataset`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pykeras.utils.directory_dataset import (
    DirectoryDataset,
    check_arguments,
    check_format,
    from_directory,
)

ALLOWED_FORMATS = (".txt",)


def read_text(path: str, max_length: int | None) -> str:
    """A file's text; with `max_length`, its first `max_length` bytes, as
    `tf.strings.substr` cuts them (a character cut in half is replaced by
    U+FFFD)."""
    with open(path, "rb") as f:
        data = f.read() if max_length is None else f.read(max_length)
    return data.decode("utf-8", errors="replace")


class TextDirectoryDataset(DirectoryDataset):
    """Batches of texts (NumPy arrays of `str`) and labels read from files.

    Attributes:
        class_names: the class names, in label order (None without labels).
        file_paths: the files, in the order of the first epoch.
        max_length: the number of bytes kept of each text (None: all).
    """

    def __init__(
        self,
        paths: Sequence[str],
        labels: Any,
        label_mode: str | None,
        class_names: Any,
        batch_size: int | None,
        max_length: int | None,
        shuffle: bool,
        seed: int | None,
    ) -> None:
        self.max_length = max_length
        super().__init__(
            paths, labels, label_mode, class_names, batch_size, shuffle, seed, self._read
        )

    def _read(self, paths: list[str]) -> Any:
        return np.asarray([read_text(p, self.max_length) for p in paths], str)


def text_dataset_from_directory(
    directory: Any,
    labels: Any = "inferred",
    label_mode: str | None = "int",
    class_names: Any = None,
    batch_size: int | None = 32,
    max_length: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    follow_links: bool = False,
    format: str = "tf",
    verbose: bool = True,
) -> Any:
    """Generates a dataset from text files in a directory.

    With `labels="inferred"` the directory holds one subdirectory per class
    (`main_directory/class_a/a_text_1.txt`, ...); the classes are sorted
    alphanumerically (or given by `class_names`). Only `.txt` files are read.

    Args:
        directory: the directory of the data.
        labels: "inferred", None (no labels), or a list of integer labels for
            the files in alphanumeric order.
        label_mode: "int" (default), "categorical" (one-hot), "binary"
            (float32 `(batch, 1)`, 2 classes), or None.
        class_names: the explicit list of class names (inferred labels).
        batch_size: the batch size (default 32); None for single samples.
        max_length: keep at most this many bytes of each text.
        shuffle: shuffle the files (default True), and each epoch.
        seed: seed for the shuffling and the split.
        validation_split: float in (0, 1), the fraction kept for validation.
        subset: "training", "validation" or "both" (a pair of datasets).
        follow_links: follow symbolic links to subdirectories.
        format: Keras's choice of dataset type, "tf" (default) or "grain";
            either gives pykeras's `PyDataset` (the batches are the same).
        verbose: print the number of files and classes found.

    Returns:
        A `PyDataset` of `(texts, labels)` batches (texts: a NumPy array of
        `str`; texts only without labels) with `class_names` and
        `file_paths`; a pair of them with `subset="both"`.

    Example:

    >>> train = keras.utils.text_dataset_from_directory(
    ...     "aclImdb/train", batch_size=32, validation_split=0.2,
    ...     subset="training", seed=1337)  # doctest: +SKIP
    """
    check_arguments(
        "text", labels, label_mode, class_names, validation_split, subset, shuffle, seed
    )
    check_format(format)
    if labels is None or label_mode is None:
        labels, label_mode = None, None

    def make(paths: list[str], ids: Any, names: Any, reshuffle: bool, seed: int) -> Any:
        return TextDirectoryDataset(
            paths, ids, label_mode, names, batch_size, max_length, reshuffle, seed
        )

    return from_directory(
        directory, "text files", ALLOWED_FORMATS, labels, label_mode, class_names, shuffle,
        seed, validation_split, subset, follow_links, verbose, make, "Allowed format: .txt",
    )  # fmt: skip
