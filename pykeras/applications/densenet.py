"""`keras.applications.densenet`: DenseNet121/169/201 (Huang et al., 2017)
with Keras's layer names; preprocessing "torch"."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/densenet/"
# blocks -> (name, top hash, no-top hash), Keras's files.
_FILES: dict[tuple[int, ...], tuple[str, str, str]] = {
    (6, 12, 24, 16): (
        "densenet121",
        "9d60b8095a5708f2dcce2bca79d332c7",
        "30ee3e1110167f948a6b9946edeeb738",
    ),
    (6, 12, 32, 32): (
        "densenet169",
        "d699b8f76981ab1b30698df4c175e90b",
        "b8c4d4c20dd625c148057b9ff1c1176b",
    ),
    (6, 12, 48, 32): (
        "densenet201",
        "1ceb130c1ea1b78c3bf6114dbdfd8807",
        "c13680b51ded0fb44dff2d8f86ac8bb1",
    ),
}


def _bn(name: str) -> layers.BatchNormalization:
    return layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=name)


def conv_block(x: KerasTensor, growth_rate: int, name: str) -> KerasTensor:
    """A 1x1 then 3x3 bottleneck whose output joins the input's channels."""
    x1 = layers.Activation("relu", name=f"{name}_0_relu")(_bn(f"{name}_0_bn")(x))
    x1 = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(x1)
    x1 = layers.Activation("relu", name=f"{name}_1_relu")(_bn(f"{name}_1_bn")(x1))
    x1 = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(x1)
    return layers.Concatenate(axis=3, name=f"{name}_concat")([x, x1])


def dense_block(x: KerasTensor, blocks: int, name: str) -> KerasTensor:
    for i in range(blocks):
        x = conv_block(x, 32, name=f"{name}_block{i + 1}")
    return x


def transition_block(x: KerasTensor, reduction: float, name: str) -> KerasTensor:
    x = layers.Activation("relu", name=f"{name}_relu")(_bn(f"{name}_bn")(x))
    # The channel count is static here (DenseNet's Input fixes it).
    channels = cast(int, x.shape[3])
    x = layers.Conv2D(int(channels * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def DenseNet(
    blocks: Sequence[int],
    include_top: bool = True,
    weights: str | None = "imagenet",
    input_tensor: KerasTensor | None = None,
    input_shape: ShapeLike | None = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: ActivationLike = "softmax",
    name: str = "densenet",
) -> Model:
    """A DenseNet with `blocks[i]` convolution blocks in dense block `i`."""
    if default_data_format() == "channels_first":
        raise ValueError(
            "DenseNet does not support the `channels_first` image data format. Switch to "
            "`channels_last` by editing your local config file at ~/.keras/keras.json"
        )
    U.check_weights_arg(weights, include_top, classes)
    input_shape = U.obtain_input_shape(
        input_shape, 224, 32, default_data_format(), include_top, weights
    )
    img_input = U.model_input(input_tensor, input_shape)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = layers.Activation("relu", name="conv1_relu")(_bn("conv1_bn")(x))
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for i, count in enumerate(blocks):
        x = dense_block(x, count, name=f"conv{i + 2}")
        if i < 3:
            x = transition_block(x, 0.5, name=f"pool{i + 2}")
    x = layers.Activation("relu", name="relu")(_bn("bn")(x))
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        U.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    model = Model(U.source_inputs(input_tensor, img_input), x, name=name)
    if weights == "imagenet":
        if tuple(blocks) not in _FILES:
            raise ValueError("Weights for this DenseNet depth are not available.")
        stem, top_hash, notop_hash = _FILES[tuple(blocks)]
        suffix = "" if include_top else "_notop"
        file_name = f"{stem}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
        model.load_weights(
            U.fetch_weights(file_name, _BASE + file_name, top_hash if include_top else notop_hash)
        )
    elif weights is not None:
        model.load_weights(weights)
    return model


def _variant(title: str, blocks: Sequence[int], default_name: str) -> Callable[..., Model]:
    def build(
        include_top: bool = True,
        weights: str | None = "imagenet",
        input_tensor: KerasTensor | None = None,
        input_shape: ShapeLike | None = None,
        pooling: str | None = None,
        classes: int = 1000,
        classifier_activation: ActivationLike = "softmax",
        name: str = default_name,
    ) -> Model:
        return DenseNet(list(blocks), include_top, weights, input_tensor, input_shape, pooling,
                        classes, classifier_activation, name)  # fmt: skip

    build.__name__ = build.__qualname__ = title
    build.__doc__ = f"""Instantiates the {title} architecture (Keras's layer names).

    Args:
        include_top: include the classifier (global average pooling and Dense).
        weights: None (random initialization), "imagenet" (Keras's
            pretrained file, fetched into the Keras cache on first use), or
            the path to a weights file.
        input_tensor: optional Keras tensor to use as image input.
        input_shape: optional shape tuple, only with `include_top=False`
            (at least 32x32); default `(224, 224, 3)`.
        pooling: with `include_top=False`: None, "avg" or "max".
        classes: number of classes (with `include_top=True` and no weights).
        classifier_activation: the top layer's activation.
        name: the model's name.

    Returns:
        A Model instance.
    """
    return build


DenseNet121 = _variant("DenseNet121", (6, 12, 24, 16), "densenet121")
DenseNet169 = _variant("DenseNet169", (6, 12, 32, 32), "densenet169")
DenseNet201 = _variant("DenseNet201", (6, 12, 48, 32), "densenet201")


def preprocess_input(x: TensorLike, data_format: str | None = None) -> Tensor:
    """DenseNet's preprocessing: scaled to [0, 1] and normalized ("torch")."""
    return U.preprocess_input(x, data_format=data_format, mode="torch")


def decode_predictions(preds: npt.ArrayLike, top: int = 5) -> list[list[tuple[Any, ...]]]:
    """Decodes ImageNet predictions (see `imagenet_utils.decode_predictions`)."""
    return U.decode_predictions(preds, top=top)
