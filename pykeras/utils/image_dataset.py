"""`keras.utils.image_dataset_from_directory`: a directory of images (one
subdirectory per class) as batches `fit` accepts.

Keras returns a `tf.data.Dataset`; pykeras returns a `PyDataset` of
`(images, labels)` NumPy batches with the same order, split, labels and
attributes (`class_names`, `file_paths`). Images are decoded with Pillow
and resized with `ops.image.resize` (half-pixel centres, no antialiasing,
as `tf.image.resize`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pykeras import ops
from pykeras.ops._image_common import default_data_format
from pykeras.utils.directory_dataset import (
    DirectoryDataset,
    check_arguments,
    check_format,
    from_directory,
)
from pykeras.utils.image_utils import img_to_array, load_img

ALLOWED_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}


class ImageDirectoryDataset(DirectoryDataset):
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
        batch_size: int | None,
        image_size: Any,
        color_mode: str,
        interpolation: str,
        crop_to_aspect_ratio: bool,
        pad_to_aspect_ratio: bool,
        data_format: str | None,
        shuffle: bool,
        seed: int | None,
    ) -> None:
        self.image_size = tuple(image_size)
        self.color_mode = color_mode
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.data_format = data_format
        super().__init__(
            paths, labels, label_mode, class_names, batch_size, shuffle, seed, self._load_batch
        )

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

    def _load_batch(self, paths: list[str]) -> Any:
        return np.stack([self._load(p) for p in paths])


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
        batch_size: the batch size (default 32); None for single images
            (unbatched, as Keras's dataset then yields them).
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
    check_arguments(
        "image", labels, label_mode, class_names, validation_split, subset, shuffle, seed
    )
    check_format(format)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if color_mode not in _CHANNELS:
        raise ValueError(
            '`color_mode` must be one of {"rgb", "rgba", "grayscale"}. '
            f"Received: color_mode={color_mode!r}"
        )
    if image_size is None or len(tuple(image_size)) != 2:
        raise ValueError(f"`image_size` must be a pair (height, width). Received: {image_size}")
    data_format = data_format or default_data_format()

    def make(paths: list[str], ids: Any, names: Any, reshuffle: bool, seed: int) -> Any:
        # batch_size=None serves single images, as Keras's unbatched dataset does.
        return ImageDirectoryDataset(
            paths, ids, label_mode, names, batch_size, image_size, color_mode,
            interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio, data_format,
            reshuffle, seed,
        )  # fmt: skip

    return from_directory(
        directory, "images", ALLOWED_FORMATS, labels, label_mode, class_names, shuffle, seed,
        validation_split, subset, follow_links, verbose, make,
        f"Allowed formats: {ALLOWED_FORMATS}",
    )  # fmt: skip
