"""`keras.applications.mobilenet_v3`: MobileNetV3Small and MobileNetV3Large
(Howard et al., 2019) with Keras's layer names. The models take pixels in
[0, 255] (a `Rescaling` layer is their first layer unless
`include_preprocessing=False`), so `preprocess_input` is the identity, as in
Keras."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pykeras import layers
from pykeras.applications import imagenet_utils as U
from pykeras.models import Model
from pykeras.ops._image_common import default_data_format
from pykeras.utils import is_keras_tensor

if TYPE_CHECKING:
    import numpy.typing as npt

    from pykeras.engine.typing import TensorLike

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v3/"
WEIGHTS_HASHES = {
    "large_224_0.75_float": (
        "765b44a33ad4005b3ac83185abf1d0eb", "40af19a13ebea4e2ee0c676887f69a2e"),
    "large_224_1.0_float": (
        "59e551e166be033d707958cf9e29a6a7", "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": (
        "675e7b876c45c57e9e63e6d90a36599c", "ec5221f64a2f6d1ef965a614bdae7973"),
    "small_224_0.75_float": (
        "cb65d4e5be93758266aa0a7f2c6708b7", "ebdb5cc8e0b497cd13a7c275d475c819"),
    "small_224_1.0_float": (
        "8768d4c2e7dee89b9d02b2d03d65d862", "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": (
        "99cd97fb2fcdad2bf028eb838de69e37", "cde8136e733e811080d9fcd8a252f7e4"),
}  # fmt: skip

# Blocks as (expansion, filters, kernel, stride, se, activation): kernel "k"
# and se "se" take the model's (5 and 0.25, or 3 and none when minimalistic),
# activation "act" the model's (hard swish, or ReLU when minimalistic).
_SMALL = [(1, 16, 3, 2, "se", "relu"), (72.0 / 16, 24, 3, 2, None, "relu"),
          (88.0 / 24, 24, 3, 1, None, "relu"), (4, 40, "k", 2, "se", "act"),
          (6, 40, "k", 1, "se", "act"), (6, 40, "k", 1, "se", "act"),
          (3, 48, "k", 1, "se", "act"), (3, 48, "k", 1, "se", "act"),
          (6, 96, "k", 2, "se", "act"), (6, 96, "k", 1, "se", "act"),
          (6, 96, "k", 1, "se", "act")]  # fmt: skip
_LARGE = [(1, 16, 3, 1, None, "relu"), (4, 24, 3, 2, None, "relu"),
          (3, 24, 3, 1, None, "relu"), (3, 40, "k", 2, "se", "relu"),
          (3, 40, "k", 1, "se", "relu"), (3, 40, "k", 1, "se", "relu"),
          (6, 80, 3, 2, None, "act"), (2.5, 80, 3, 1, None, "act"),
          (2.3, 80, 3, 1, None, "act"), (2.3, 80, 3, 1, None, "act"),
          (6, 112, 3, 1, "se", "act"), (6, 112, 3, 1, "se", "act"),
          (6, 160, "k", 2, "se", "act"), (6, 160, "k", 1, "se", "act"),
          (6, 160, "k", 1, "se", "act")]  # fmt: skip


def relu(x: Any) -> Any:
    return layers.ReLU()(x)


def hard_sigmoid(x: Any) -> Any:
    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


def hard_swish(x: Any) -> Any:
    return layers.Activation("hard_swish")(x)


def _depth(v: float, divisor: int = 8, min_value: int | None = None) -> int:
    """The channel count rounded to a multiple of `divisor` (as the TF
    reference implementation), never more than 10% below `v`."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _bn(name: str, axis: int) -> layers.BatchNormalization:
    return layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name=name)


def _se_block(inputs: Any, filters: int, se_ratio: float, prefix: str) -> Any:
    x = layers.GlobalAveragePooling2D(keepdims=True, name=f"{prefix}squeeze_excite_avg_pool")(
        inputs
    )
    x = layers.Conv2D(_depth(filters * se_ratio), kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv")(x)  # fmt: skip
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv_1")(x)  # fmt: skip
    x = hard_sigmoid(x)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])


def _inverted_res_block(x: Any, expansion: float, filters: int, kernel_size: int, stride: int,
                        se_ratio: float | None, activation: Callable[[Any], Any],
                        block_id: int, axis: int) -> Any:  # fmt: skip
    shortcut = x
    prefix = "expanded_conv_"
    infilters = x.shape[axis]
    if block_id:
        prefix = f"expanded_conv_{block_id}_"
        x = layers.Conv2D(_depth(infilters * expansion), kernel_size=1, padding="same",
                          use_bias=False, name=f"{prefix}expand")(x)  # fmt: skip
        x = _bn(f"{prefix}expand_bn", axis)(x)
        x = activation(x)
    if stride == 2:
        x = layers.ZeroPadding2D(padding=U.correct_pad(x, kernel_size),
                                 name=f"{prefix}depthwise_pad")(x)  # fmt: skip
    x = layers.DepthwiseConv2D(kernel_size, strides=stride, use_bias=False,
                               padding="same" if stride == 1 else "valid",
                               name=f"{prefix}depthwise")(x)  # fmt: skip
    x = _bn(f"{prefix}depthwise_bn", axis)(x)
    x = activation(x)
    if se_ratio:
        x = _se_block(x, _depth(infilters * expansion), se_ratio, prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False,
                      name=f"{prefix}project")(x)  # fmt: skip
    x = _bn(f"{prefix}project_bn", axis)(x)
    if stride == 1 and infilters == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def _input_shape(input_shape: Any, input_tensor: Any, first: bool) -> tuple:
    """Keras's MobileNetV3 input shape rules (it does not use
    `obtain_input_shape`: any size of at least 32x32, even with the top)."""
    if input_tensor is not None and not is_keras_tensor(input_tensor):
        raise ValueError(f"input_tensor specified: {input_tensor!r} is not a keras tensor")
    if input_shape is not None and input_tensor is not None:
        if input_tensor.shape[1 if first else 2] != input_shape[1]:
            raise ValueError(
                f"input_shape[1] must equal input_tensor.shape[{1 if first else 2}].  "
                f"Received input_shape={input_shape}, input_tensor.shape={input_tensor.shape}"
            )
    if input_shape is None and input_tensor is not None:
        # Keras swaps rows and columns here; only square inputs notice.
        rows, cols = input_tensor.shape[2:4] if first else input_tensor.shape[1:3]
        input_shape = (3, cols, rows) if first else (cols, rows, 3)
    if input_shape is None:
        input_shape = (3, None, None) if first else (None, None, 3)
    rows, cols = (input_shape[1], input_shape[2]) if first else (input_shape[0], input_shape[1])
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError(f"Input size must be at least 32x32; Received `input_shape={input_shape}`")
    return tuple(input_shape)


def MobileNetV3(stack: list, last_point_ch: int, input_shape: Any = None, alpha: float = 1.0,
                model_type: str = "large", minimalistic: bool = False, include_top: bool = True,
                weights: str | None = "imagenet", input_tensor: Any = None, classes: int = 1000,
                pooling: str | None = None, dropout_rate: float = 0.2,
                classifier_activation: Any = "softmax", include_preprocessing: bool = True,
                name: str | None = None) -> Model:  # fmt: skip
    """A MobileNetV3 whose inverted residual blocks are listed in `stack`."""
    U.check_weights_arg(weights, include_top, classes)
    first = default_data_format() == "channels_first"
    input_shape = _input_shape(input_shape, input_tensor, first)
    rows, cols = (input_shape[1], input_shape[2]) if first else (input_shape[0], input_shape[1])
    if weights == "imagenet":
        if (not minimalistic and alpha not in (0.75, 1.0)) or (minimalistic and alpha != 1.0):
            raise ValueError(
                "If imagenet weights are being loaded, alpha can be one of `0.75`, `1.0` for "
                "non minimalistic or `1.0` for minimalistic only."
            )
        if rows != cols or rows != 224:
            warnings.warn(
                "`input_shape` is undefined or non-square, or `rows` is not 224. Weights for "
                "input shape (224, 224) will be loaded as the default.",
                stacklevel=3,
            )
    img_input = U.model_input(input_tensor, input_shape)
    axis = 1 if first else -1
    kernel, activation, se_ratio = (3, relu, None) if minimalistic else (5, hard_swish, 0.25)
    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False,
                      name="conv")(x)  # fmt: skip
    x = _bn("conv_bn", axis)(x)
    x = activation(x)
    for block_id, (expansion, filters, k, stride, se, act) in enumerate(stack):
        x = _inverted_res_block(
            x, expansion, _depth(filters * alpha), kernel if k == "k" else k, stride,
            se_ratio if se else None, activation if act == "act" else relu, block_id, axis,
        )  # fmt: skip
    last_conv_ch = _depth(x.shape[axis] * 6)
    if alpha > 1.0:
        last_point_ch = _depth(last_point_ch * alpha)
    x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False,
                      name="conv_1")(x)  # fmt: skip
    x = _bn("conv_1_bn", axis)(x)
    x = activation(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True,
                          name="conv_2")(x)  # fmt: skip
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        U.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    model = Model(U.source_inputs(input_tensor, img_input), x, name=name)
    if weights == "imagenet":
        model_name = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
        if include_top:
            file_name = f"weights_mobilenet_v3_{model_name}.h5"
            file_hash = WEIGHTS_HASHES[model_name][0]
        else:
            file_name = f"weights_mobilenet_v3_{model_name}_no_top_v2.h5"
            file_hash = WEIGHTS_HASHES[model_name][1]
        model.load_weights(U.fetch_weights(file_name, BASE_WEIGHT_PATH + file_name, file_hash))
    elif weights is not None:
        model.load_weights(weights)
    return model


_DOC = """Instantiates the {title} architecture (Keras's layer names).

    The model takes pixels in [0, 255]: its first layer rescales them to
    [-1, 1] (unless `include_preprocessing=False`).

    Args:
        input_shape: optional shape tuple (at least 32x32), default the
            input tensor's, else `(None, None, 3)`.
        alpha: the width multiplier (fewer or more filters per layer).
        minimalistic: 3x3 kernels, ReLU and no squeeze-and-excite blocks.
        include_top: include the classifier (pooling, two 1x1 convolutions,
            dropout and the activation).
        weights: None (random initialization), "imagenet" (Keras's
            pretrained file, fetched into the Keras cache on first use), or
            the path to a weights file.
        input_tensor: optional Keras tensor to use as image input.
        classes: number of classes (with `include_top=True` and no weights).
        pooling: with `include_top=False`: None, "avg" or "max".
        dropout_rate: the dropout rate before the classifier.
        classifier_activation: the top layer's activation.
        include_preprocessing: rescale the inputs inside the model.
        name: the model's name.

    Returns:
        A Model instance.
    """


def MobileNetV3Small(input_shape: Any = None, alpha: float = 1.0, minimalistic: bool = False,
                     include_top: bool = True, weights: str | None = "imagenet",
                     input_tensor: Any = None, classes: int = 1000, pooling: str | None = None,
                     dropout_rate: float = 0.2, classifier_activation: Any = "softmax",
                     include_preprocessing: bool = True,
                     name: str = "MobileNetV3Small") -> Model:  # fmt: skip
    return MobileNetV3(_SMALL, 1024, input_shape, alpha, "small", minimalistic, include_top,
                       weights, input_tensor, classes, pooling, dropout_rate,
                       classifier_activation, include_preprocessing, name=name)  # fmt: skip


def MobileNetV3Large(input_shape: Any = None, alpha: float = 1.0, minimalistic: bool = False,
                     include_top: bool = True, weights: str | None = "imagenet",
                     input_tensor: Any = None, classes: int = 1000, pooling: str | None = None,
                     dropout_rate: float = 0.2, classifier_activation: Any = "softmax",
                     include_preprocessing: bool = True,
                     name: str = "MobileNetV3Large") -> Model:  # fmt: skip
    return MobileNetV3(_LARGE, 1280, input_shape, alpha, "large", minimalistic, include_top,
                       weights, input_tensor, classes, pooling, dropout_rate,
                       classifier_activation, include_preprocessing, name=name)  # fmt: skip


MobileNetV3Small.__doc__ = _DOC.format(title="MobileNetV3Small")
MobileNetV3Large.__doc__ = _DOC.format(title="MobileNetV3Large")


def preprocess_input(x: TensorLike, data_format: str | None = None) -> TensorLike:
    """The identity (MobileNetV3 models rescale inside), as in Keras."""
    return x


def decode_predictions(preds: npt.ArrayLike, top: int = 5) -> list[list[tuple[Any, ...]]]:
    """Decodes ImageNet predictions (see `imagenet_utils.decode_predictions`)."""
    return U.decode_predictions(preds, top=top)
