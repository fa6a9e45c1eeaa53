"""`keras.applications.xception`: Xception (Chollet, 2017) with Keras's
layer names (its unnamed residual layers take the session's next default
names, as in Keras); preprocessing "tf"."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pykeras import layers
from pykeras.applications import imagenet_utils as U
from pykeras.models import Model
from pykeras.ops._image_common import default_data_format

if TYPE_CHECKING:
    import numpy.typing as npt

    from pykeras.applications.imagenet_utils import ActivationLike
    from pykeras.engine.keras_tensor import KerasTensor
    from pykeras.engine.typing import ShapeLike, Tensor, TensorLike

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/xception/"
_HASHES = ("0a58e3b7378bc2990ea3b43d5981f1f6", "b0042744bf5b25fce3cb969f33bebb97")


def _sep_bn(x: KerasTensor, filters: int, name: str, axis: int) -> KerasTensor:
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=axis, name=f"{name}_bn")(x)


def _residual(x: KerasTensor, filters: int, axis: int) -> KerasTensor:
    residual = layers.Conv2D(filters, (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    return layers.BatchNormalization(axis=axis)(residual)


def _entry_block(
    x: KerasTensor, block: int, filters: tuple[int, int], axis: int, first_act: bool
) -> KerasTensor:
    """Blocks 2-4 and 13: two separable convolutions, pooling and a strided
    1x1 residual (`filters` may differ between the two convolutions)."""
    f1, f2 = filters
    residual = _residual(x, f2, axis)
    if first_act:
        x = layers.Activation("relu", name=f"block{block}_sepconv1_act")(x)
    x = _sep_bn(x, f1, f"block{block}_sepconv1", axis)
    x = layers.Activation("relu", name=f"block{block}_sepconv2_act")(x)
    x = _sep_bn(x, f2, f"block{block}_sepconv2", axis)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
    return layers.add([x, residual])


def Xception(
    include_top: bool = True,
    weights: str | None = "imagenet",
    input_tensor: KerasTensor | None = None,
    input_shape: ShapeLike | None = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: ActivationLike = "softmax",
    name: str = "xception",
) -> Model:
    """Instantiates the Xception architecture (Keras's layer names).

    Args:
        include_top: include the classifier (global average pooling and Dense).
        weights: None (random initialization), "imagenet" (Keras's
            pretrained file, fetched into the Keras cache on first use), or
            the path to a weights file.
        input_tensor: optional Keras tensor to use as image input.
        input_shape: optional shape tuple, only with `include_top=False`
            (at least 71x71); default `(299, 299, 3)`.
        pooling: with `include_top=False`: None, "avg" or "max".
        classes: number of classes (with `include_top=True` and no weights).
        classifier_activation: the top layer's activation.
        name: the model's name.

    Returns:
        A Model instance (22,910,480 parameters with the top).
    """
    U.check_weights_arg(weights, include_top, classes)
    input_shape = U.obtain_input_shape(
        input_shape, 299, 71, default_data_format(), include_top, weights
    )
    img_input = U.model_input(input_tensor, input_shape)
    axis = 1 if default_data_format() == "channels_first" else -1
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = layers.BatchNormalization(axis=axis, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=axis, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)
    x = _entry_block(x, 2, (128, 128), axis, first_act=False)
    x = _entry_block(x, 3, (256, 256), axis, first_act=True)
    x = _entry_block(x, 4, (728, 728), axis, first_act=True)
    for i in range(8):
        residual = x
        prefix = f"block{i + 5}"
        for k in (1, 2, 3):
            x = layers.Activation("relu", name=f"{prefix}_sepconv{k}_act")(x)
            x = _sep_bn(x, 728, f"{prefix}_sepconv{k}", axis)
        x = layers.add([x, residual])
    x = _entry_block(x, 13, (728, 1024), axis, first_act=True)
    x = _sep_bn(x, 1536, "block14_sepconv1", axis)
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = _sep_bn(x, 2048, "block14_sepconv2", axis)
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        U.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    model = Model(U.source_inputs(input_tensor, img_input), x, name=name)
    if weights == "imagenet":
        top = "" if include_top else "_notop"
        file_name = f"xception_weights_tf_dim_ordering_tf_kernels{top}.h5"
        model.load_weights(
            U.fetch_weights(file_name, _BASE + file_name, _HASHES[0 if include_top else 1])
        )
    elif weights is not None:
        model.load_weights(weights)
    return model


def preprocess_input(x: TensorLike, data_format: str | None = None) -> Tensor:
    """Xception's preprocessing: scaled to [-1, 1] ("tf")."""
    return U.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds: npt.ArrayLike, top: int = 5) -> list[list[tuple[Any, ...]]]:
    """Decodes ImageNet predictions (see `imagenet_utils.decode_predictions`)."""
    return U.decode_predictions(preds, top=top)
