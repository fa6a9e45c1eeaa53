"""`keras.utils` image helpers: `load_img`, `img_to_array`, `array_to_img`,
`save_img` and `smart_resize`.

Reading and writing image files uses Pillow, an optional dependency
(`pip install pykeras[image]`), as in Keras: it is imported when one of
these functions needs it, and its absence raises an ImportError saying so.
"""

from __future__ import annotations

import io
import os
import pathlib
import warnings
from typing import Any

import numpy as np

from pykeras import ops
from pykeras.errors import FileFormatError
from pykeras.ops._image_common import default_data_format

_PIL_INTERPOLATION = {
    "nearest": "NEAREST",
    "bilinear": "BILINEAR",
    "bicubic": "BICUBIC",
    "hamming": "HAMMING",
    "box": "BOX",
    "lanczos": "LANCZOS",
}


def _pil() -> Any:
    try:
        from PIL import Image  # optional dependency: the `image` extra
    except ImportError:  # pragma: no cover - Pillow is installed for the tests
        raise ImportError(
            "Could not import PIL.Image. The use of `load_img`, `save_img` and "
            "`array_to_img` requires Pillow: `pip install pillow` (or `pykeras[image]`)."
        ) from None
    return Image


def _data_format(data_format: str | None) -> Any:
    if data_format is None:
        data_format = default_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            f"Invalid data_format: {data_format!r}. Expected 'channels_first' or 'channels_last'."
        )
    return data_format


def img_to_array(img: Any, data_format: str | None = None, dtype: Any = None) -> np.ndarray:
    """Converts a PIL Image instance to a NumPy array.

    Args:
        img: a PIL Image (or anything `np.asarray` accepts).
        data_format: "channels_last" (default) or "channels_first".
        dtype: the array's dtype (default float32).

    Returns:
        A 3D array: `(height, width, channels)` or channels first.

    Example:

    >>> from PIL import Image
    >>> keras.utils.img_to_array(Image.new("RGB", (4, 2))).shape
    (2, 4, 3)
    """
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=dtype or "float32")
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        x = x.reshape((1, *x.shape)) if data_format == "channels_first" else x[..., None]
    else:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x


def array_to_img(
    x: Any, data_format: str | None = None, scale: bool = True, dtype: Any = None
) -> Any:
    """Converts a 3D NumPy array to a PIL Image instance.

    Args:
        x: a 3D array (height, width, channels), or channels first.
        data_format: "channels_last" (default) or "channels_first".
        scale: rescale the values to [0, 255] (min to 0, max to 255).
        dtype: the array's dtype before conversion (default float32).

    Returns:
        A PIL Image: RGBA for 4 channels, RGB for 3, grayscale for 1.

    Example:

    >>> keras.utils.array_to_img(np.random.random((2, 4, 3))).size
    (4, 2)
    """
    Image = _pil()
    data_format = _data_format(data_format)
    x = np.asarray(x, dtype=dtype or "float32")
    if x.ndim != 3:
        raise ValueError(
            f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}"
        )
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    if x.shape[2] == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if x.shape[2] == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if x.shape[2] == 1:
        if np.max(x) > 255:
            # 32-bit signed integer grayscale image (PIL mode "I").
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {x.shape[2]}")


def save_img(
    path: Any,
    x: Any,
    data_format: str | None = None,
    file_format: str | None = None,
    scale: bool = True,
    **kwargs: Any,
) -> None:
    """Saves an image stored as a NumPy array to a path or file object.

    Args:
        path: a path or a file object.
        x: the image array.
        data_format: "channels_last" (default) or "channels_first".
        file_format: e.g. "png" or "jpeg"; default from the file name.
        scale: rescale the values to [0, 255].
        **kwargs: passed to `PIL.Image.save()`.
    """
    data_format = _data_format(data_format)
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and (file_format in ("jpg", "jpeg")):
        warnings.warn(
            "The JPG format does not support RGBA images, converting to RGB.", stacklevel=2
        )
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def load_img(
    path: Any,
    color_mode: str = "rgb",
    target_size: Any = None,
    interpolation: str = "nearest",
    keep_aspect_ratio: bool = False,
) -> Any:
    """Loads an image into PIL format.

    Args:
        path: path to the image file (or a file object of its bytes).
        color_mode: "grayscale", "rgb" (default) or "rgba".
        target_size: None (original size) or `(height, width)`.
        interpolation: resampling when resizing: "nearest" (default),
            "bilinear", "bicubic", "lanczos", "box" or "hamming".
        keep_aspect_ratio: crop the centre to the target's aspect ratio
            before resizing.

    Returns:
        A PIL Image instance.

    Raises:
        FileFormatError: the file is not an image Pillow can read (names the file).
    """
    Image = _pil()
    name: str | bytes
    if isinstance(path, io.BytesIO):
        source, name = path, "<bytes>"
    elif isinstance(path, (str, bytes, pathlib.Path, os.PathLike)):
        name = os.fspath(path)
        with open(name, "rb") as f:
            source = io.BytesIO(f.read())
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    try:
        img = Image.open(source)
        img.load()
    except Exception as exc:  # Pillow raises several types for unreadable data
        raise FileFormatError(
            f"load_img could not read '{name!s}' as an image ({type(exc).__name__}: {exc})."
        ) from None
    if color_mode == "grayscale":
        # An "I;16" or "I" (16/32-bit) image stays as it is, as in Keras.
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif color_mode == "rgb":
        if img.mode != "RGB":
            img = img.convert("RGB")
    else:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    if target_size is not None:
        width_height = (target_size[1], target_size[0])
        if img.size != width_height:
            if interpolation not in _PIL_INTERPOLATION:
                raise ValueError(
                    f"Invalid interpolation method {interpolation!r} specified. Supported "
                    f"methods are {', '.join(_PIL_INTERPOLATION)}"
                )
            resample = getattr(Image.Resampling, _PIL_INTERPOLATION[interpolation])
            if keep_aspect_ratio:
                width, height = img.size
                target_width, target_height = width_height
                crop_height = (width * target_height) // target_width
                crop_width = (height * target_width) // target_height
                crop_height = min(height, crop_height)
                crop_width = min(width, crop_width)
                crop_box_hstart = (height - crop_height) // 2
                crop_box_wstart = (width - crop_width) // 2
                crop_box = [
                    crop_box_wstart,
                    crop_box_hstart,
                    crop_box_wstart + crop_width,
                    crop_box_hstart + crop_height,
                ]
                img = img.resize(width_height, resample, box=crop_box)
            else:
                img = img.resize(width_height, resample)
    return img


def smart_resize(
    x: Any, size: Any, interpolation: str = "bilinear", data_format: str = "channels_last"
) -> np.ndarray:
    """Resize images to a target size without aspect ratio distortion.

    The largest centred window of the target's aspect ratio is cropped,
    then resized to `size` (`ops.image.resize` with `crop_to_aspect_ratio`).

    Args:
        x: an image `(height, width, channels)` or a batch of them.
        size: `(height, width)`.
        interpolation: "bilinear" (default), "nearest", "bicubic",
            "lanczos3" or "lanczos5".
        data_format: "channels_last" (default) or "channels_first".

    Returns:
        The resized array.
    """
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    return np.asarray(
        ops.image.resize(
            np.asarray(x, np.float32),
            tuple(size),
            interpolation=interpolation,
            crop_to_aspect_ratio=True,
            data_format=data_format,
        )
    )
