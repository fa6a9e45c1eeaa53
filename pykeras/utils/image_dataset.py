"""`keras.utils.image_dataset_from_directory`: a directory of images (one
subdirectory per class) as batches `fit` accepts.

Keras returns a `tf.data.Dataset`; pykeras returns a `PyDataset` of
`(images, labels)` NumPy batches with the same order, split, labels and
attributes (`class_names`, `file_paths`). Images are decoded with Pillow
and resized with `ops.image.resize` (half-pixel centres, no antialiasing,
as `tf.image.resize`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from pykeras import ops
from pykeras.ops._image_common import default_data_format
from pykeras.utils.data_utils import PyDataset
from pykeras.utils.image_utils import img_to_array, load_img

ALLOWED_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}


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
            d for d in os.listdir(directory) if os.path.isdir(os.path.join(directory, d))
        )
        if class_names is None:
            class_names = subdirs
        elif set(class_names) != set(subdirs):
            raise ValueError(
                "The `class_names` passed did not match the names of the subdirectories of "
                f"the target directory. Expected: {subdirs}, but received: {class_names}"
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
    return paths, labels, class_names


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


class ImageDirectoryDataset(PyDataset):
    """Batches of images (float32, 0-255) and labels read from files.

    Attributes:
        class_names: the class names, in label order (None without labels).
        file_paths: the files, in the order served (before per-epoch shuffles).
    """

    def __init__(
        self,
        paths: Sequence[str],
        labels: Any,
        label_mode: str | None,
        class_names: Any,
        batch_size: int,
        image_size: Any,
        color_mode: str,
        interpolation: str,
        crop_to_aspect_ratio: bool,
        pad_to_aspect_ratio: bool,
        data_format: str | None,
        shuffle: bool,
        seed: int | None,
    ) -> None:
        super().__init__()
        self.file_paths = list(paths)
        self._labels = labels
        self.label_mode = label_mode
        self.class_names = class_names
        self.batch_size = batch_size
        self.image_size = tuple(image_size)
        self.color_mode = color_mode
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.data_format = data_format
        self._shuffle = shuffle
        self._rng = np.random.default_rng(seed)
        self._order = np.arange(len(self.file_paths))

    def __len__(self) -> int:
        return -(-len(self.file_paths) // self.batch_size)

    def _load(self, path: str) -> Any:
        img = img_to_array(load_img(path, color_mode=self.color_mode), "channels_last")
        if img.shape[:2] != self.image_size:
            img = np.asarray(
                ops.image.resize(
                    img,
                    self.image_size,
                    interpolation=self.interpolation,
                    crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                    pad_to_aspect_ratio=self.pad_to_aspect_ratio,
                    data_format="channels_last",
                )
            )
        if self.data_format == "channels_first":
            img = img.transpose(2, 0, 1)
        return img.astype(np.float32)

    def _label_batch(self, ids: Any) -> Any:
        labels = self._labels[ids]
        if self.label_mode == "int":
            return labels.astype(np.int32)
        if self.label_mode == "binary":
            return labels.astype(np.float32).reshape(-1, 1)
        return np.eye(len(self.class_names), dtype=np.float32)[labels]

    def __getitem__(self, index: int) -> Any:
        if index < 0 or index >= len(self):
            raise IndexError(f"Batch index {index} out of range [0, {len(self)}).")
        ids = self._order[index * self.batch_size : (index + 1) * self.batch_size]
        images = np.stack([self._load(self.file_paths[i]) for i in ids])
        if self._labels is None or self.label_mode is None:
            return images
        return images, self._label_batch(ids)

    def on_epoch_end(self) -> None:
        # tf.data reshuffles each epoch; so do we (seeded).
        if self._shuffle:
            self._order = self._rng.permutation(len(self.file_paths))


def image_dataset_from_directory(
    directory: Any,
    labels: Any = "inferred",
    label_mode: str | None = "int",
    class_names: Any = None,
    color_mode: str = "rgb",
    batch_size: int | None = 32,
    image_size: Any = (256, 256),
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    interpolation: str = "bilinear",
    follow_links: bool = False,
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    data_format: str | None = None,
    format: str = "tf",
    verbose: bool = True,
) -> Any:
    """Generates a dataset from image files in a directory.

    With `labels="inferred"` the directory holds one subdirectory per class
    (`main_directory/class_a/a_image_1.jpg`, ...); the classes are sorted
    alphanumerically (or given by `class_names`). Supported files: .bmp,
    .gif, .jpeg, .jpg, .png.

    Args:
        directory: the directory of the data.
        labels: "inferred", None (no labels), or a list of labels for the
            files in alphanumeric order.
        label_mode: "int" (default), "categorical" (one-hot), "binary"
            (float32 `(batch, 1)`, 2 classes), or None.
        class_names: the explicit list of class names (inferred labels).
        color_mode: "rgb" (default), "grayscale" or "rgba".
        batch_size: the batch size (default 32); None for single images.
        image_size: `(height, width)` images are resized to (default 256x256).
        shuffle: shuffle the files (default True), and each epoch.
        seed: seed for the shuffling and the split.
        validation_split: float in (0, 1), the fraction kept for validation.
        subset: "training", "validation" or "both" (a pair of datasets).
        interpolation: the resizing method (default "bilinear").
        follow_links: follow symbolic links to subdirectories.
        crop_to_aspect_ratio: crop to the target aspect ratio before resizing.
        pad_to_aspect_ratio: pad to the target aspect ratio before resizing.
        data_format: "channels_last" (default) or "channels_first".
        format: Keras's choice of dataset type, "tf" (default) or "grain";
            either gives pykeras's `PyDataset` (the batches are the same).
        verbose: print the number of files and classes found.

    Returns:
        A `PyDataset` of `(images, labels)` batches (images only without
        labels), with `class_names` and `file_paths`; a pair of them with
        `subset="both"`.

    Example:

    >>> train = keras.utils.image_dataset_from_directory(
    ...     "flowers", validation_split=0.2, subset="training", seed=1337,
    ...     image_size=(180, 180), batch_size=32)  # doctest: +SKIP
    """
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple, np.ndarray)):
        raise ValueError(
            "`labels` argument should be a list/tuple of integer labels, of length equal to "
            "the number of image files in the target directory. If you wish to infer the "
            "labels from the subdirectory names in the target directory, pass "
            f'`labels="inferred"`. If you wish to get a dataset that only contains images (no '
            f"labels), pass `labels=None`. Received: labels={labels!r}"
        )
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(
            '`label_mode` argument must be one of "int", "categorical", "binary", or None. '
            f"Received: label_mode={label_mode!r}"
        )
    if labels is None:
        label_mode = None
    if color_mode not in _CHANNELS:
        raise ValueError(
            '`color_mode` must be one of {"rgb", "rgba", "grayscale"}. '
            f"Received: color_mode={color_mode!r}"
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
    if subset not in ("training", "validation", "both", None):
        raise ValueError(
            '`subset` must be either "training", "validation" or "both". '
            f"Received: subset={subset!r}"
        )
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "If using `validation_split` and shuffling the data, you must provide a `seed` "
            "argument, to make sure that there is no overlap between the training and "
            "validation subset."
        )
    if image_size is None or len(tuple(image_size)) != 2:
        raise ValueError(f"`image_size` must be a pair (height, width). Received: {image_size}")
    data_format = data_format or default_data_format()
    directory = os.fspath(directory)
    paths, ids, class_names = index_directory(
        directory, labels, ALLOWED_FORMATS, class_names, follow_links
    )
    if not paths:
        raise ValueError(
            f"No images found in directory {directory}. Allowed formats: {ALLOWED_FORMATS}"
        )
    if label_mode == "binary" and len(class_names or ()) != 2:
        raise ValueError(
            'When passing `label_mode="binary"`, there must be exactly 2 class_names. '
            f"Received: class_names={class_names}"
        )
    if verbose:
        print(f"Found {len(paths)} files belonging to {len(class_names or [])} classes.")
    if shuffle:
        # Keras shuffles paths and labels with two RandomStates of one seed.
        seed = np.random.randint(int(1e6)) if seed is None else seed
        paths = list(np.random.RandomState(seed).permutation(np.asarray(paths, object)))
        if ids is not None:
            ids = np.random.RandomState(seed).permutation(ids)

    def make(part: Any) -> Any:
        p, lab = split(paths, ids, validation_split, part)
        if verbose and part is not None:
            print(f"Using {len(p)} files for {part}.")
        return ImageDirectoryDataset(
            p, lab, label_mode, class_names, batch_size or 1, image_size, color_mode,
            interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio, data_format,
            shuffle, seed,
        )  # fmt: skip

    if subset == "both":
        return make("training"), make("validation")
    return make(subset)
