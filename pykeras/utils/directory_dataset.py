"""What `image_dataset_from_directory`, `text_dataset_from_directory` and
`audio_dataset_from_directory` share: listing and labelling the files of a
directory, checking the arguments, the seeded shuffle and the validation split,
all as Keras's `dataset_utils` does them, and the `PyDataset` that serves their
batches.

Keras returns `tf.data.Dataset`s; pykeras returns `PyDataset`s of NumPy batches
with the same files, labels, split, `class_names` and `file_paths`. The first
epoch serves the files in Keras's shuffled order; each epoch after it is
reshuffled (seeded), as `tf.data`'s shuffle does (its order is TensorFlow's own
and not reproduced).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from pykeras.utils.data_utils import PyDataset


def _list_files(directory: str, formats: Any, follow_links: bool) -> Any:
    found = []
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links)):
        for name in sorted(files):
            if name.lower().endswith(formats):
                found.append(os.path.join(root, name))
    return found


def index_directory(
    directory: str,
    labels: Any,
    formats: tuple[str, ...],
    class_names: Any = None,
    follow_links: bool = False,
) -> tuple[list[str], Any, Any]:
    """File paths, integer labels and class names, in Keras's order."""
    if not os.path.isdir(directory):
        raise ValueError(f"The directory {directory!r} does not exist or is not a directory.")
    if labels == "inferred":
        subdirs = sorted(
            d
            for d in os.listdir(directory)
            if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")
        )
        if class_names is None:
            class_names = subdirs
        elif not set(class_names) <= set(subdirs):
            raise ValueError(
                "The `class_names` passed did not match the names of the subdirectories of "
                f"the target directory. Expected: {subdirs} (or a subset of it), but "
                f"received: class_names={class_names}"
            )
        paths, ids = [], []
        for index, name in enumerate(class_names):
            files = _list_files(os.path.join(directory, name), formats, follow_links)
            paths += files
            ids += [index] * len(files)
        return paths, np.asarray(ids, np.int32), list(class_names)
    paths = _list_files(directory, formats, follow_links)
    if labels is None:
        return paths, None, None
    labels = np.asarray(labels)
    if len(labels) != len(paths):
        raise ValueError(
            "Expected the lengths of `labels` to match the number of files in the target "
            f"directory. len(labels) is {len(labels)} while we found {len(paths)} files in "
            f"directory {directory}."
        )
    # Keras names the classes of explicit labels after the sorted label values.
    return paths, labels, [str(v) for v in sorted(set(labels.tolist()))]


def split(
    samples: Any, labels: Any, validation_split: float | None, subset: str | None
) -> tuple[Any, Any]:
    """Keras's `get_training_or_validation_split`: the validation part is the end."""
    if not validation_split:
        return samples, labels
    count = int(validation_split * len(samples))
    if subset == "training":
        return samples[: len(samples) - count], None if labels is None else labels[: -count or None]
    return samples[len(samples) - count :], None if labels is None else labels[
        len(labels) - count :
    ]


def check_arguments(
    what: str,
    labels: Any,
    label_mode: Any,
    class_names: Any,
    validation_split: Any,
    subset: Any,
    shuffle: bool,
    seed: Any,
) -> None:
    """Keras's checks of the arguments the three `*_dataset_from_directory` share;
    `what` names the files ("image", "text", "audio")."""
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple, np.ndarray)):
            raise ValueError(
                "`labels` argument should be a list/tuple of integer labels, of the same size "
                f"as the number of {what} files in the target directory. If you wish to infer "
                'the labels from the subdirectory names in the target directory, pass `labels="'
                f'inferred"`. If you wish to get a dataset that only contains {what} samples '
                f"(no labels), pass `labels=None`. Received: labels={labels!r}"
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


def check_format(format: str) -> None:
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')


class DirectoryDataset(PyDataset):
    """Batches of samples read from files, with their labels.

    Args:
        paths: the files, in the order of the first epoch.
        labels: their integer labels (None without labels).
        label_mode: "int", "categorical", "binary" or None.
        class_names: the class names, in label order.
        batch_size: files per batch; None for single unbatched samples.
        shuffle: reshuffle the files after each epoch (seeded).
        seed: the reshuffling seed.
        load: reads a list of files into one batch array.

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
        shuffle: bool,
        seed: int | None,
        load: Callable[[list[str]], Any],
    ) -> None:
        super().__init__()
        self._load_files = load
        self.file_paths = list(paths)
        self._labels = labels
        self.label_mode = label_mode
        self.class_names = class_names
        self.batch_size = batch_size
        self._shuffle = shuffle
        self._rng = np.random.default_rng(seed)
        self._order = np.arange(len(self.file_paths))

    def __len__(self) -> int:
        return -(-len(self.file_paths) // (self.batch_size or 1))

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
        samples = self._load_files([self.file_paths[i] for i in ids])
        labels = None
        if self._labels is not None and self.label_mode is not None:
            labels = self._label_batch(ids)
        if self.batch_size is None:
            # Unbatched, as Keras's dataset with `batch_size=None`: one sample.
            samples = samples[0]
            labels = None if labels is None else labels[0]
        return samples if labels is None else (samples, labels)

    def on_epoch_end(self) -> None:
        # tf.data reshuffles each epoch; so do we (seeded).
        if self._shuffle:
            self._order = self._rng.permutation(len(self.file_paths))


def from_directory(
    directory: Any,
    what: str,
    formats: tuple[str, ...],
    labels: Any,
    label_mode: str | None,
    class_names: Any,
    shuffle: bool,
    seed: int | None,
    validation_split: float | None,
    subset: str | None,
    follow_links: bool,
    verbose: bool,
    make: Callable[[list[str], Any, Any, bool, int], DirectoryDataset],
    allowed: str,
) -> Any:
    """Indexes `directory`, shuffles and splits its files as Keras does, and
    returns `make(paths, labels, class_names, shuffle, seed)` for the subset
    asked (a pair with `subset="both"`); the arguments are checked already.
    `what` names the files in messages ("text files") and `allowed` tells
    the formats read when there are none."""
    directory = os.fspath(directory)
    paths, ids, class_names = index_directory(directory, labels, formats, class_names, follow_links)
    if label_mode == "binary" and len(class_names or ()) != 2:
        raise ValueError(
            'When passing `label_mode="binary"`, there must be exactly 2 class_names. '
            f"Received: class_names={class_names}"
        )
    if verbose:
        if labels is None:
            print(f"Found {len(paths)} files.")
        else:
            print(f"Found {len(paths)} files belonging to {len(class_names or [])} classes.")
    seed = np.random.randint(int(1e6)) if seed is None else seed
    if shuffle:
        # Keras shuffles paths and labels with two RandomStates of one seed.
        paths = list(np.random.RandomState(seed).permutation(np.asarray(paths, object)))
        if ids is not None:
            ids = np.random.RandomState(seed).permutation(np.asarray(ids))

    def part(name: str | None, reshuffle: bool) -> DirectoryDataset:
        p, lab = split(paths, ids, validation_split, name)
        if verbose and name is not None:
            print(f"Using {len(p)} files for {name}.")
        if not p:
            which = f"{name} " if subset == "both" else ""
            raise ValueError(f"No {which}{what} found in directory {directory}. {allowed}")
        return make(p, lab, class_names, reshuffle, seed)

    if subset == "both":
        return part("training", shuffle), part("validation", False)
    return part(subset, shuffle)
