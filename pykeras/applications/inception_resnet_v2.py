"""`keras.applications.inception_resnet_v2`: Inception-ResNet-v2 (Szegedy
et al., 2016) with Keras's layer names (its stem and branch convolutions are
unnamed and take the session's next default names, as in Keras);
preprocessing "tf"."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pykeras import layers
from pykeras.applications import imagenet_utils as U
from pykeras.layers import Layer
from pykeras.models import Model
from pykeras.ops._image_common import default_data_format

if TYPE_CHECKING:
    import numpy.typing as npt

    from pykeras.engine.typing import Tensor, TensorLike

BASE_WEIGHT_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/inception_resnet_v2/"
)
_FILES = (
    ("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5",
     "e693bd0210a403b3192acc6073ad2e96"),
    ("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
     "d19885ff4a710c122648d3b5c3b684e4"),
)  # fmt: skip


class CustomScaleLayer(Layer):
    """The residual sum `inputs[0] + inputs[1] * scale`.

    Args:
        scale: the residual branch's scale.
    """

    def __init__(self, scale: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale = scale

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"scale": self.scale})
        return config

    def call(self, inputs: Any) -> Any:
        return inputs[0] + inputs[1] * self.scale

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape[0])


def _axis() -> int:
    return 1 if default_data_format() == "channels_first" else 3


def conv2d_bn(x: Any, filters: int, kernel_size: Any, strides: int = 1, padding: str = "same",
              activation: str | None = "relu", use_bias: bool = False,
              name: str | None = None) -> Any:  # fmt: skip
    """A convolution, then batch normalization (no scale) unless it has a
    bias, then the activation."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias,
                      name=name)(x)  # fmt: skip
    if not use_bias:
        bn_name = None if name is None else f"{name}_bn"
        x = layers.BatchNormalization(axis=_axis(), scale=False, name=bn_name)(x)
    if activation is not None:
        ac_name = None if name is None else f"{name}_ac"
        x = layers.Activation(activation, name=ac_name)(x)
    return x


def inception_resnet_block(x: Any, scale: float, block_type: str, block_idx: int,
                           activation: str | None = "relu") -> Any:  # fmt: skip
    """An Inception-ResNet block ("block35", "block17" or "block8"): its
    branches, concatenated and projected by a 1x1 convolution, are scaled
    and added to the input."""
    if block_type == "block35":
        branch_0 = conv2d_bn(x, 32, 1)
        branch_1 = conv2d_bn(x, 32, 1)
        branch_1 = conv2d_bn(branch_1, 32, 3)
        branch_2 = conv2d_bn(x, 32, 1)
        branch_2 = conv2d_bn(branch_2, 48, 3)
        branch_2 = conv2d_bn(branch_2, 64, 3)
        branches = [branch_0, branch_1, branch_2]
    elif block_type == "block17":
        branch_0 = conv2d_bn(x, 192, 1)
        branch_1 = conv2d_bn(x, 128, 1)
        branch_1 = conv2d_bn(branch_1, 160, [1, 7])
        branch_1 = conv2d_bn(branch_1, 192, [7, 1])
        branches = [branch_0, branch_1]
    elif block_type == "block8":
        branch_0 = conv2d_bn(x, 192, 1)
        branch_1 = conv2d_bn(x, 192, 1)
        branch_1 = conv2d_bn(branch_1, 224, [1, 3])
        branch_1 = conv2d_bn(branch_1, 256, [3, 1])
        branches = [branch_0, branch_1]
    else:
        raise ValueError(
            'Unknown Inception-ResNet block type. Expects "block35", "block17" or "block8", '
            f"but got: {block_type}"
        )
    block_name = f"{block_type}_{block_idx}"
    mixed = layers.Concatenate(axis=_axis(), name=f"{block_name}_mixed")(branches)
    up = conv2d_bn(mixed, x.shape[_axis()], 1, activation=None, use_bias=True,
                   name=f"{block_name}_conv")  # fmt: skip
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=f"{block_name}_ac")(x)
    return x


def InceptionResNetV2(
    include_top: bool = True,
    weights: str | None = "imagenet",
    input_tensor: Any = None,
    input_shape: tuple[int | None, ...] | None = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "inception_resnet_v2",
) -> Model:
    """Instantiates the Inception-ResNet v2 architecture (Keras's layer names).

    Args:
        include_top: include the classifier (global average pooling and Dense).
        weights: None (random initialization), "imagenet" (Keras's
            pretrained file, fetched into the Keras cache on first use), or
            the path to a weights file.
        input_tensor: optional Keras tensor to use as image input.
        input_shape: optional shape tuple, only with `include_top=False`
            (at least 75x75); default `(299, 299, 3)`.
        pooling: with `include_top=False`: None, "avg" or "max".
        classes: number of classes (with `include_top=True` and no weights).
        classifier_activation: the top layer's activation.
        name: the model's name.

    Returns:
        A Model instance (55,873,736 parameters with the top).
    """
    U.check_weights_arg(weights, include_top, classes)
    input_shape = U.obtain_input_shape(
        input_shape, 299, 75, default_data_format(), include_top, weights
    )
    img_input = U.model_input(input_tensor, input_shape)
    x = conv2d_bn(img_input, 32, 3, strides=2, padding="valid")
    x = conv2d_bn(x, 32, 3, padding="valid")
    x = conv2d_bn(x, 64, 3)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = conv2d_bn(x, 80, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, padding="valid")
    x = layers.MaxPooling2D(3, strides=2)(x)
    # Mixed 5b (Inception-A block).
    branch_0 = conv2d_bn(x, 96, 1)
    branch_1 = conv2d_bn(x, 48, 1)
    branch_1 = conv2d_bn(branch_1, 64, 5)
    branch_2 = conv2d_bn(x, 64, 1)
    branch_2 = conv2d_bn(branch_2, 96, 3)
    branch_2 = conv2d_bn(branch_2, 96, 3)
    branch_pool = layers.AveragePooling2D(3, strides=1, padding="same")(x)
    branch_pool = conv2d_bn(branch_pool, 64, 1)
    branches = [branch_0, branch_1, branch_2, branch_pool]
    x = layers.Concatenate(axis=_axis(), name="mixed_5b")(branches)
    for block_idx in range(1, 11):
        x = inception_resnet_block(x, scale=0.17, block_type="block35", block_idx=block_idx)
    # Mixed 6a (Reduction-A block).
    branch_0 = conv2d_bn(x, 384, 3, strides=2, padding="valid")
    branch_1 = conv2d_bn(x, 256, 1)
    branch_1 = conv2d_bn(branch_1, 256, 3)
    branch_1 = conv2d_bn(branch_1, 384, 3, strides=2, padding="valid")
    branch_pool = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    x = layers.Concatenate(axis=_axis(), name="mixed_6a")([branch_0, branch_1, branch_pool])
    for block_idx in range(1, 21):
        x = inception_resnet_block(x, scale=0.1, block_type="block17", block_idx=block_idx)
    # Mixed 7a (Reduction-B block).
    branch_0 = conv2d_bn(x, 256, 1)
    branch_0 = conv2d_bn(branch_0, 384, 3, strides=2, padding="valid")
    branch_1 = conv2d_bn(x, 256, 1)
    branch_1 = conv2d_bn(branch_1, 288, 3, strides=2, padding="valid")
    branch_2 = conv2d_bn(x, 256, 1)
    branch_2 = conv2d_bn(branch_2, 288, 3)
    branch_2 = conv2d_bn(branch_2, 320, 3, strides=2, padding="valid")
    branch_pool = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    branches = [branch_0, branch_1, branch_2, branch_pool]
    x = layers.Concatenate(axis=_axis(), name="mixed_7a")(branches)
    for block_idx in range(1, 10):
        x = inception_resnet_block(x, scale=0.2, block_type="block8", block_idx=block_idx)
    x = inception_resnet_block(x, scale=1.0, activation=None, block_type="block8", block_idx=10)
    x = conv2d_bn(x, 1536, 1, name="conv_7b")
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
        file_name, file_hash = _FILES[0 if include_top else 1]
        model.load_weights(U.fetch_weights(file_name, BASE_WEIGHT_URL + file_name, file_hash))
    elif weights is not None:
        model.load_weights(weights)
    return model


def preprocess_input(x: TensorLike, data_format: str | None = None) -> Tensor:
    """Inception-ResNet v2's preprocessing: scaled to [-1, 1] ("tf")."""
    return U.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds: npt.ArrayLike, top: int = 5) -> list[list[tuple[Any, ...]]]:
    """Decodes ImageNet predictions (see `imagenet_utils.decode_predictions`)."""
    return U.decode_predictions(preds, top=top)
