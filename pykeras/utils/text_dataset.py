"""`keras.utils.text_dataset_from_directory`: a directory of `.txt` files (one
subdirectory per class) as batches `fit` and `TextVectorization.adapt` accept.

Keras returns a `tf.data.Dataset` of string tensors; pykeras returns a
`PyDataset` of `(texts, labels)` batches whose texts are NumPy arrays of
`str`, with the same files, labels, split and `class_names`. Files are
listed, labelled, shuffled (seeded) and split exactly as Keras does
(`image_dataset_from_directory` shares that code); each epoch after the first
is reshuffled, as `tf.data`'s shuffle does (its order is TensorFlow's own and
not reproduced).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from pykeras.utils.data_utils import PyDataset
from pykeras.utils.image_dataset import index_directory, split

ALLOWED_FORMATS = (".txt",)


def read_text(path: str, max_length: int | None) -> str:
    """A file's text; with `max_length`, its first `max_length` bytes, as
    `tf.strings.substr` cuts them (a character cut in half is replaced by
    U+FFFD)."""
    with open(path, "rb") as f:
        data = f.read() if max_length is None else f.read(max_length)
    return data.decode("utf-8", errors="replace")


class TextDirectoryDataset(PyDataset):
    """Batches of texts (NumPy arrays of `str`) and labels read from files.

    Attributes:
        class_names: the class names, in label order (None without labels).
        file_paths: the files, in the order of the first epoch.
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
        super().__init__()
        self.file_paths = list(paths)
        self._labels = labels
        self.label_mode = label_mode
        self.class_names = class_names
        self.batch_size = batch_size
        self.max_length = max_length
        self._shuffle = shuffle
        self._rng = np.random.default_rng(seed)
        self._order = np.arange(len(self.file_paths))

    def __len__(self) -> int:
        size = self.batch_size or 1
        return -(-len(self.file_paths) // size)

    def _label_batch(self, ids: Any) -> Any:
        labels = np.asarray(self._labels)[ids]
        if self.label_mode == "int":
            return labels.astype(np.int32)
        if self.label_mode == "binary":
            return labels.astype(np.float32).reshape(-1, 1)
        return np.eye(len(self.class_names), dtype=np.float32)[labels]

    def __getitem__(self, index: int) -> Any:
        if index < 0 or index >= len(self):
            raise IndexError(f"Batch index {index} out of range [0, {len(self)}).")
        size = self.batch_size or 1
        ids = self._order[index * size : (index + 1) * size]
        texts = np.asarray([read_text(self.file_paths[i], self.max_length) for i in ids], str)
        labels = None
        if self._labels is not None and self.label_mode is not None:
            labels = self._label_batch(ids)
        if self.batch_size is None:
            # Unbatched, as Keras's dataset with `batch_size=None`: one sample.
            texts = texts[0]
            labels = None if labels is None else labels[0]
        return texts if labels is None else (texts, labels)

    def on_epoch_end(self) -> None:
        if self._shuffle:
            self._order = self._rng.permutation(len(self.file_paths))


def _check_arguments(
    labels: Any,
    label_mode: Any,
    class_names: Any,
    validation_split: Any,
    subset: Any,
    shuffle: bool,
    seed: Any,
    format: str,
) -> None:
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple, np.ndarray)):
            raise ValueError(
                "`labels` argument should be a list/tuple of integer labels, of the same size "
                "as the number of text files in the target directory. If you wish to infer "
                'the labels from the subdirectory names in the target directory, pass `labels="'
                'inferred"`. If you wish to get a dataset that only contains text samples (no '
                f"labels), pass `labels=None`. Received: labels={labels!r}"
            )
        if class_names:
            raise ValueError(
                'You can only pass `class_names` if `labels="inferred"`. '
                f"Received: labels={labels!r}, and class_names={class_names}"
            )
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(
            '`label_mode` argument must be one of "int", "categorical", "binary", or None. '
            f"Received: label_mode={label_mode!r}"
        )
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    if subset not in ("training", "validation", "both", None):
        raise ValueError(
            '`subset` must be either "training", "validation" or "both". '
            f"Received: subset={subset!r}"
        )
    if validation_split is not None and not 0 < validation_split < 1:
        raise ValueError(
            f"`validation_split` must be between 0 and 1, received: {validation_split}"
        )
    if (validation_split is None) != (subset is None):
        raise ValueError(
            "If `subset` is set, `validation_split` must be set, and inversely. "
            f"Received: subset={subset}, validation_split={validation_split}"
        )
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "If using `validation_split` and shuffling the data, you must provide a `seed` "
            "argument, to make sure that there is no overlap between the training and "
            "validation subset."
        )


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
    _check_arguments(
        labels, label_mode, class_names, validation_split, subset, shuffle, seed, format
    )
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    directory = os.fspath(directory)
    paths, ids, class_names = index_directory(
        directory, labels, ALLOWED_FORMATS, class_names, follow_links
    )
    if label_mode == "binary" and len(class_names or ()) != 2:
        raise ValueError(
            'When passing `label_mode="binary"`, there must be exactly 2 class_names. '
            f"Received: class_names={class_names}"
        )
    if verbose:
        if labels == "inferred":
            print(f"Found {len(paths)} files belonging to {len(class_names or [])} classes.")
        else:
            print(f"Found {len(paths)} files.")
    seed = np.random.randint(int(1e6)) if seed is None else seed
    if shuffle:
        # Keras shuffles paths and labels with two RandomStates of one seed.
        paths = list(np.random.RandomState(seed).permutation(np.asarray(paths, object)))
        if ids is not None:
            ids = np.random.RandomState(seed).permutation(np.asarray(ids))

    def make(part: Any, reshuffle: bool) -> TextDirectoryDataset:
        p, lab = split(paths, ids, validation_split, part)
        if verbose and part is not None:
            print(f"Using {len(p)} files for {part}.")
        if not p:
            what = f"{part} " if subset == "both" else ""
            raise ValueError(
                f"No {what}text files found in directory {directory}. Allowed format: .txt"
            )
        return TextDirectoryDataset(
            p, lab, label_mode, class_names, batch_size, max_length, reshuffle, seed
        )

    if subset == "both":
        return make("training", shuffle), make("validation", False)
    return make(subset, shuffle)
