"""`keras.applications.mobilenet_v2`: MobileNetV2 (Sandler et al., 2018)
with Keras's layer names; preprocessing "tf" (scaled to [-1, 1])."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, cast

from pykeras import layers
from pykeras.applications import imagenet_utils as U
from pykeras.models import Model
from pykeras.ops._image_common import default_data_format

if TYPE_CHECKING:
    import numpy.typing as npt

    from pykeras.applications.imagenet_utils import ActivationLike
    from pykeras.engine.keras_tensor import KerasTensor
    from pykeras.engine.typing import ShapeLike, Tensor, TensorLike

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
_SIZES = (96, 128, 160, 192, 224)

# (filters, stride, expansion) of blocks 0..16.
_BLOCKS = [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6),
           (64, 2, 6), (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6),
           (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6)]  # fmt: skip


def _make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    # Rounding down must not lose more than 10%.
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _bn(name: str, axis: int) -> layers.BatchNormalization:
    return layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name=name)


def _inverted_res_block(
    inputs: KerasTensor,
    expansion: int,
    stride: int,
    alpha: float,
    filters: int,
    block_id: int,
    axis: int,
) -> KerasTensor:
    # The channel count is static here (the model's Input fixes it).
    in_channels = cast(int, inputs.shape[axis])
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same",
                          use_bias=False, activation=None, name=f"{prefix}expand")(x)  # fmt: skip
        x = _bn(f"{prefix}expand_BN", axis)(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=U.correct_pad(x, 3), name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid",
                               name=f"{prefix}depthwise")(x)  # fmt: skip
    x = _bn(f"{prefix}depthwise_BN", axis)(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False,
                      activation=None, name=f"{prefix}project")(x)  # fmt: skip
    x = _bn(f"{prefix}project_BN", axis)(x)
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def MobileNetV2(
    input_shape: ShapeLike | None = None,
    alpha: float = 1.0,
    include_top: bool = True,
    weights: str | None = "imagenet",
    input_tensor: KerasTensor | None = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: ActivationLike = "softmax",
    name: str | None = None,
) -> Model:
    """Instantiates the MobileNetV2 architecture (Keras's layer names).

    Args:
        input_shape: optional shape tuple (at least 32x32); default
            `(224, 224, 3)`, or the input tensor's size.
        alpha: the width multiplier (fewer or more filters per layer).
        include_top: include the classifier (global average pooling and Dense).
        weights: None (random initialization), "imagenet" (Keras's
            pretrained file for this alpha and size, fetched into the Keras
            cache on first use), or the path to a weights file.
        input_tensor: optional Keras tensor to use as image input.
        pooling: with `include_top=False`: None, "avg" or "max".
        classes: number of classes (with `include_top=True` and no weights).
        classifier_activation: the top layer's activation.
        name: the model's name (default `mobilenetv2_{alpha:0.2f}_{rows}`).

    Returns:
        A Model instance (3,538,984 parameters at alpha 1 with the top).

    Example:

    >>> model = keras.applications.MobileNetV2(weights=None, input_shape=(96, 96, 3))
    >>> model.count_params()
    3538984
    """
    U.check_weights_arg(weights, include_top, classes)
    first = default_data_format() == "channels_first"
    source = input_shape
    if source is None and input_tensor is not None:
        source = tuple(input_tensor.shape[1:])
    default_size = 224
    if source is not None:
        rows, cols = (source[1], source[2]) if first else (source[0], source[1])
        if rows == cols and rows in _SIZES:
            default_size = rows
    input_shape = U.obtain_input_shape(
        input_shape, default_size, 32, default_data_format(), include_top, weights
    )
    rows = input_shape[1] if first else input_shape[0]
    cols = input_shape[2] if first else input_shape[1]
    if weights == "imagenet":
        if alpha not in (0.35, 0.50, 0.75, 1.0, 1.3, 1.4):
            raise ValueError(
                "If imagenet weights are being loaded, alpha must be one of `0.35`, `0.50`, "
                f"`0.75`, `1.0`, `1.3` or `1.4` only. Received `alpha={alpha}`"
            )
        if rows != cols or rows not in _SIZES:
            rows = 224
            warnings.warn(
                "`input_shape` is undefined or non-square, or `rows` is not in [96, 128, "
                "160, 192, 224]. Weights for input shape (224, 224) will be loaded as the "
                "default.",
                stacklevel=2,
            )
    img_input = U.model_input(input_tensor, input_shape)
    axis = 1 if first else -1
    x = layers.Conv2D(_make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2),
                      padding="same", use_bias=False, name="Conv1")(img_input)  # fmt: skip
    x = _bn("bn_Conv1", axis)(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_res_block(x, expansion, stride, alpha, filters, block_id, axis)
    last = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = _bn("Conv_1_bn", axis)(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        U.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    name = f"mobilenetv2_{alpha:0.2f}_{rows}" if name is None else name
    model = Model(U.source_inputs(input_tensor, img_input), x, name=name)
    if weights == "imagenet":
        top = "" if include_top else "_no_top"
        file_name = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}{top}.h5"
        # Keras gives no checksum for these files.
        model.load_weights(U.fetch_weights(file_name, BASE_WEIGHT_PATH + file_name))
    elif weights is not None:
        model.load_weights(weights)
    return model


def preprocess_input(x: TensorLike, data_format: str | None = None) -> Tensor:
    """MobileNetV2's preprocessing: scaled to [-1, 1] ("tf")."""
    return U.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds: npt.ArrayLike, top: int = 5) -> list[list[tuple[Any, ...]]]:
    """Decodes ImageNet predictions (see `imagenet_utils.decode_predictions`)."""
    return U.decode_predictions(preds, top=top)
