"""Utilities shared by `keras.applications`: ImageNet preprocessing and
decoding, the input shape rules, and fetching Keras's pretrained weights.

Pretrained weights are Keras's own files, fetched on first use into the
Keras cache (`~/.keras/models`) with Keras's checksums, as Keras does;
without network access the fetch fails with an error naming the file.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from pykeras import activations, layers, ops
from pykeras.ops._image_common import default_data_format
from pykeras.utils import get_source_inputs, is_keras_tensor
from pykeras.utils.file_utils import get_file

if TYPE_CHECKING:
    import numpy.typing as npt

    from pykeras.engine.keras_tensor import KerasTensor
    from pykeras.engine.typing import Shape, ShapeLike, Tensor, TensorLike

# What `classifier_activation` takes: an activation's name, a function, or None.
ActivationLike = Union[str, Callable[..., Any], None]

# ImageNet class id (a string) -> [WordNet id, class name], read on first use.
CLASS_INDEX: dict[str, list[str]] | None = None
CLASS_INDEX_PATH = (
    "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
)

_MEANS = {"caffe": [103.939, 116.779, 123.68], "torch": [0.485, 0.456, 0.406]}
_TORCH_STD = [0.229, 0.224, 0.225]


def fetch_weights(file_name: str, origin: str, file_hash: str | None = None) -> str:
    """Keras's pretrained weights file, from the cache or downloaded (checked).

    Raises:
        OSError: the file is not cached and cannot be downloaded.
    """
    try:
        return get_file(file_name, origin, cache_subdir="models", file_hash=file_hash)
    except Exception as exc:
        raise OSError(
            f"Could not obtain the pretrained weights '{file_name}' from {origin} "
            f"({type(exc).__name__}: {exc}). Without network access, build the model with "
            "`weights=None`, or pass the path of a weights file saved by Keras."
        ) from exc


def check_weights_arg(weights: Any, include_top: bool, classes: int) -> None:
    if not (weights in {"imagenet", None} or os.path.exists(str(weights))):
        raise ValueError(
            "The `weights` argument should be either `None` (random initialization), "
            "'imagenet' (pre-training on ImageNet), or the path to the weights file to be "
            f"loaded.  Received: weights={weights}"
        )
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(
            "If using `weights='imagenet'` with `include_top=True`, `classes` should be "
            f"1000.  Received classes={classes}"
        )


def preprocess_input(x: TensorLike, data_format: str | None = None, mode: str = "caffe") -> Tensor:
    """Preprocesses a tensor or NumPy array encoding a batch of images.

    Args:
        x: images with 3 colour channels, values in [0, 255].
        data_format: "channels_last" (default) or "channels_first".
        mode: "caffe" (RGB to BGR, minus the ImageNet channel means), "tf"
            (scaled to [-1, 1]) or "torch" (scaled to [0, 1], normalized by
            the ImageNet mean and standard deviation).

    Returns:
        The preprocessed images (float32; a NumPy input is not modified).
    """
    if mode not in {"caffe", "tf", "torch"}:
        raise ValueError(
            "Expected mode to be one of `caffe`, `tf` or `torch`. Received: mode={mode}"
        )
    data_format = data_format or default_data_format()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError(
            "Expected data_format to be one of `channels_first` or `channels_last`. "
            f"Received: data_format={data_format}"
        )
    symbolic = not isinstance(x, (np.ndarray, list, tuple, int, float))
    if not symbolic:
        x = np.array(x, dtype=np.float32)
    if mode == "tf":
        return ops.subtract(ops.divide(x, 127.5), 1.0)
    ndim = len(ops.shape(x))
    axis = (1 if ndim == 4 else 0) if data_format == "channels_first" else ndim - 1
    shape = [1] * ndim
    shape[axis] = 3
    if mode == "torch":
        x = ops.divide(x, 255.0)
        mean = np.reshape(np.asarray(_MEANS["torch"], np.float32), shape)
        std = np.reshape(np.asarray(_TORCH_STD, np.float32), shape)
        return ops.divide(ops.subtract(x, mean), std)
    x = ops.flip(x, axis=axis)
    mean = np.reshape(np.asarray(_MEANS["caffe"], np.float32), shape)
    out = ops.subtract(x, mean)
    return np.asarray(out) if not symbolic else out


def decode_predictions(preds: npt.ArrayLike, top: int = 5) -> list[list[tuple[Any, ...]]]:
    """Decodes the predictions of an ImageNet model.

    Args:
        preds: a batch of predictions, shape `(samples, 1000)`.
        top: how many top-guesses to return.

    Returns:
        One list of `(class_name, class_description, score)` tuples per
        sample, best first. The class index file is fetched into the Keras
        cache on first use.
    """
    global CLASS_INDEX
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError(
            "`decode_predictions` expects a batch of predictions (i.e. a 2D array of shape "
            f"(samples, 1000)). Received array with shape: {preds.shape}"
        )
    if CLASS_INDEX is None:
        path = fetch_weights(
            "imagenet_class_index.json", CLASS_INDEX_PATH, "c2c37ea517e94d9795004a39431a14cb"
        )
        with open(path) as f:
            CLASS_INDEX = json.load(f)
    results = []
    for pred in preds:
        top_indices = pred.argsort()[-top:][::-1]
        result = [tuple(CLASS_INDEX[str(i)]) + (pred[i],) for i in top_indices]
        result.sort(key=lambda r: r[2], reverse=True)
        results.append(result)
    return results


def obtain_input_shape(
    input_shape: ShapeLike | None,
    default_size: int,
    min_size: int,
    data_format: str,
    require_flatten: bool,
    weights: str | None = None,
) -> Shape:
    """Keras's input shape rules of the applications (checks and defaults)."""
    first = data_format == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if first else input_shape[-1]
        if channels not in {1, 3}:
            warnings.warn(
                f"This model usually expects 1 or 3 input channels. However, it was passed "
                f"an input_shape with {channels} input channels.",
                stacklevel=2,
            )
        default_shape = (channels, default_size, default_size) if first else (
            default_size, default_size, channels)  # fmt: skip
    else:
        default_shape = (3, default_size, default_size) if first else (
            default_size, default_size, 3)  # fmt: skip
    if weights == "imagenet" and require_flatten and input_shape is not None:
        if tuple(input_shape) != default_shape:
            raise ValueError(
                "When setting `include_top=True` and loading `imagenet` weights, "
                f"`input_shape` should be {default_shape}.  Received: input_shape={input_shape}"
            )
        return default_shape
    if input_shape:
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError(
                f"`input_shape` must be a tuple of three integers. Received: {input_shape}"
            )
        channels = input_shape[0] if first else input_shape[-1]
        spatial = input_shape[1:] if first else input_shape[:2]
        if weights == "imagenet" and channels != 3:
            raise ValueError(
                f"The input must have 3 channels; Received `input_shape={input_shape}`"
            )
        if any(s is not None and s < min_size for s in spatial):
            raise ValueError(
                f"Input size must be at least {min_size}x{min_size}; Received: "
                f"input_shape={input_shape}"
            )
    else:
        input_shape = default_shape if require_flatten else (
            (3, None, None) if first else (None, None, 3))  # fmt: skip
    if require_flatten and None in input_shape:
        raise ValueError(
            "If `include_top` is True, you should specify a static `input_shape`. "
            f"Received: input_shape={input_shape}"
        )
    return input_shape


def correct_pad(
    inputs: KerasTensor, kernel_size: int | tuple[int, int]
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Zero-padding for a 2D convolution with downsampling, as Keras's."""
    img_dim = 2 if default_data_format() == "channels_first" else 1
    rows, cols = inputs.shape[img_dim : img_dim + 2]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if rows is None or cols is None else (1 - rows % 2, 1 - cols % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def validate_activation(classifier_activation: ActivationLike, weights: str | None) -> None:
    if weights is None:
        return
    if classifier_activation not in {"softmax", None} and activations.get(
        classifier_activation
    ) is not activations.get("softmax"):
        raise ValueError(
            "Only `None` and `softmax` activations are allowed for the "
            "`classifier_activation` argument when using pretrained weights, with "
            f"`include_top=True`; Received: classifier_activation={classifier_activation}"
        )


def model_input(input_tensor: KerasTensor | None, input_shape: ShapeLike) -> KerasTensor:
    """The model's input: a new `Input`, or the given Keras tensor."""
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if not is_keras_tensor(input_tensor):
        raise ValueError(
            f"`input_tensor` must be a Keras tensor (from `keras.Input`). "
            f"Received: {input_tensor!r}"
        )
    return input_tensor


def source_inputs(
    input_tensor: KerasTensor | None, img_input: KerasTensor
) -> KerasTensor | list[KerasTensor]:
    """The model's inputs: `img_input`, or the `Input`s `input_tensor` was computed from."""
    if input_tensor is None:
        return img_input
    return get_source_inputs(input_tensor)
