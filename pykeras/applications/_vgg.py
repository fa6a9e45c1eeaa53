"""VGG16 and VGG19 (Simonyan & Zisserman, 2014), with Keras's layer names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pykeras import layers
from pykeras.applications import imagenet_utils as U
from pykeras.models import Model
from pykeras.ops._image_common import default_data_format

if TYPE_CHECKING:
    from pykeras.applications.imagenet_utils import ActivationLike
    from pykeras.engine.keras_tensor import KerasTensor
    from pykeras.engine.typing import ShapeLike

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/"
_HASHES = {
    "vgg16": ("64373286793e3c8b2b4e3219cbf3544b", "6d6bbae143d832006294945121d1f1fc"),
    "vgg19": ("cbe5617147190e668d6c5d5026f83318", "253f8cb515780f3b799900260a226db6"),
}


def build_vgg(
    depths: Sequence[int],
    include_top: bool,
    weights: str | None,
    input_tensor: KerasTensor | None,
    input_shape: ShapeLike | None,
    pooling: str | None,
    classes: int,
    classifier_activation: ActivationLike,
    name: str,
    weights_name: str,
) -> Model:
    """A VGG network with `depths[i]` 3x3 convolutions in block `i + 1`."""
    U.check_weights_arg(weights, include_top, classes)
    input_shape = U.obtain_input_shape(
        input_shape, 224, 32, default_data_format(), include_top, weights
    )
    img_input = U.model_input(input_tensor, input_shape)
    x = img_input
    for block, (depth, filters) in enumerate(zip(depths, (64, 128, 256, 512, 512)), start=1):
        for i in range(1, depth + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{i}")(x)  # fmt: skip
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        U.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    model = Model(U.source_inputs(input_tensor, img_input), x, name=name)
    if weights == "imagenet":
        suffix = "" if include_top else "_notop"
        file_name = f"{weights_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
        path = U.fetch_weights(
            file_name,
            f"{_BASE}{weights_name}/{file_name}",
            _HASHES[weights_name][0 if include_top else 1],
        )
        model.load_weights(path)
    elif weights is not None:
        model.load_weights(weights)
    return model
