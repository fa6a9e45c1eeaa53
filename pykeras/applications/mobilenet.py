"""`keras.applications.mobilenet`: MobileNet (Howard et al., 2017) with
Keras's layer names; preprocessing "tf" (scaled to [-1, 1])."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from pykeras import layers
from pykeras.applications import imagenet_utils as U
from pykeras.models import Model
from pykeras.ops._image_common import default_data_format

if TYPE_CHECKING:
    import numpy.typing as npt

    from pykeras.engine.typing import Tensor, TensorLike

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"
_SIZES = (128, 160, 192, 224)
_ALPHA_TEXT = {1.0: "1_0", 0.75: "7_5", 0.50: "5_0", 0.25: "2_5"}

# (pointwise filters, stride) of the depthwise blocks 1..13.
_BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
           (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]  # fmt: skip


def _conv_block(inputs: Any, filters: int, alpha: float, axis: int) -> Any:
    """The stem: a strided 3x3 convolution, batch normalization and ReLU6."""
    x = layers.Conv2D(int(filters * alpha), (3, 3), padding="same", use_bias=False,
                      strides=(2, 2), name="conv1")(inputs)  # fmt: skip
    x = layers.BatchNormalization(axis=axis, name="conv1_bn")(x)
    return layers.ReLU(6.0, name="conv1_relu")(x)


def _depthwise_conv_block(inputs: Any, filters: int, alpha: float, depth_multiplier: int,
                          stride: int, block_id: int, axis: int) -> Any:  # fmt: skip
    """Depthwise 3x3, BN, ReLU6, then pointwise 1x1, BN, ReLU6."""
    x = inputs
    if stride != 1:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if stride == 1 else "valid",
                               depth_multiplier=depth_multiplier, strides=(stride, stride),
                               use_bias=False, name=f"conv_dw_{block_id}")(x)  # fmt: skip
    x = layers.BatchNormalization(axis=axis, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(int(filters * alpha), (1, 1), padding="same", use_bias=False,
                      strides=(1, 1), name=f"conv_pw_{block_id}")(x)  # fmt: skip
    x = layers.BatchNormalization(axis=axis, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def MobileNet(
    input_shape: tuple[int | None, ...] | None = None,
    alpha: float = 1.0,
    depth_multiplier: int = 1,
    dropout: float = 1e-3,
    include_top: bool = True,
    weights: str | None = "imagenet",
    input_tensor: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str | None = None,
) -> Model:
    """Instantiates the MobileNet architecture (Keras's layer names).

    Args:
        input_shape: optional shape tuple, only with `include_top=False`
            (at least 32x32); default `(224, 224, 3)`.
        alpha: the width multiplier (fewer or more filters per layer).
        depth_multiplier: the depthwise convolutions' depth multiplier
            (the paper's resolution multiplier).
        dropout: the dropout rate before the classifier.
        include_top: include the classifier (pooling, dropout, a 1x1
            convolution and the activation).
        weights: None (random initialization), "imagenet" (Keras's
            pretrained file for this alpha and size, fetched into the Keras
            cache on first use), or the path to a weights file.
        input_tensor: optional Keras tensor to use as image input.
        pooling: with `include_top=False`: None, "avg" or "max".
        classes: number of classes (with `include_top=True` and no weights).
        classifier_activation: the top layer's activation.
        name: the model's name (default `mobilenet_{alpha:0.2f}_{rows}`).

    Returns:
        A Model instance (4,253,864 parameters at alpha 1 with the top).

    Example:

    >>> model = keras.applications.MobileNet(weights=None, alpha=0.25,
    ...                                      include_top=False, input_shape=(32, 32, 3))
    >>> model.output_shape
    (None, 1, 1, 256)
    """
    U.check_weights_arg(weights, include_top, classes)
    first = default_data_format() == "channels_first"
    default_size = 224
    if input_shape is not None:
        rows, cols = (input_shape[1], input_shape[2]) if first else input_shape[:2]
        if rows == cols and rows in _SIZES:
            default_size = rows
    input_shape = U.obtain_input_shape(
        input_shape, default_size, 32, default_data_format(), include_top, weights
    )
    rows, cols = (input_shape[1], input_shape[2]) if first else input_shape[:2]
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError(
                "If imagenet weights are being loaded, depth multiplier must be 1.  "
                f"Received depth_multiplier={depth_multiplier}"
            )
        if alpha not in _ALPHA_TEXT:
            raise ValueError(
                "If imagenet weights are being loaded, alpha can be one of`0.25`, `0.50`, "
                f"`0.75` or `1.0` only.  Received alpha={alpha}"
            )
        if rows != cols or rows not in _SIZES:
            rows = 224
            warnings.warn(
                "`input_shape` is undefined or non-square, or `rows` is not in [128, 160, "
                "192, 224]. Weights for input shape (224, 224) will be loaded as the default.",
                stacklevel=2,
            )
    img_input = U.model_input(input_tensor, input_shape)
    axis = 1 if first else -1
    x = _conv_block(img_input, 32, alpha, axis)
    for block_id, (filters, stride) in enumerate(_BLOCKS, start=1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier, stride, block_id, axis)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        U.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    name = f"mobilenet_{alpha:0.2f}_{rows}" if name is None else name
    model = Model(U.source_inputs(input_tensor, img_input), x, name=name)
    if weights == "imagenet":
        top = "" if include_top else "_no_top"
        file_name = f"mobilenet_{_ALPHA_TEXT[alpha]}_{rows}_tf{top}.h5"
        # Keras gives no checksum for these files.
        model.load_weights(U.fetch_weights(file_name, BASE_WEIGHT_PATH + file_name))
    elif weights is not None:
        model.load_weights(weights)
    return model


def preprocess_input(x: TensorLike, data_format: str | None = None) -> Tensor:
    """MobileNet's preprocessing: scaled to [-1, 1] ("tf")."""
    return U.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds: npt.ArrayLike, top: int = 5) -> list[list[tuple[Any, ...]]]:
    """Decodes ImageNet predictions (see `imagenet_utils.decode_predictions`)."""
    return U.decode_predictions(preds, top=top)
