"""`keras.applications.vgg19`: VGG19 and its ImageNet preprocessing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pykeras.applications import imagenet_utils
from pykeras.applications._vgg import build_vgg
from pykeras.models import Model

if TYPE_CHECKING:
    import numpy.typing as npt

    from pykeras.applications.imagenet_utils import ActivationLike
    from pykeras.engine.keras_tensor import KerasTensor
    from pykeras.engine.typing import ShapeLike, Tensor, TensorLike


def VGG19(
    include_top: bool = True,
    weights: str | None = "imagenet",
    input_tensor: KerasTensor | None = None,
    input_shape: ShapeLike | None = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: ActivationLike = "softmax",
    name: str = "vgg19",
) -> Model:
    """Instantiates the VGG19 model (Keras's architecture and layer names).

    Args:
        include_top: include the 3 fully-connected layers at the top.
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
        A Model instance (143,667,240 parameters with the top).

    Example:

    >>> model = keras.applications.VGG19(weights=None, include_top=False,
    ...                                  input_shape=(32, 32, 3))
    >>> model.output_shape
    (None, 1, 1, 512)
    """
    return build_vgg((2, 2, 4, 4, 4), include_top, weights, input_tensor, input_shape, pooling,
                     classes, classifier_activation, name, "vgg19")  # fmt: skip


def preprocess_input(x: TensorLike, data_format: str | None = None) -> Tensor:
    """VGG19's preprocessing: RGB to BGR, minus the ImageNet means ("caffe")."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds: npt.ArrayLike, top: int = 5) -> list[list[tuple[Any, ...]]]:
    """Decodes ImageNet predictions (see `imagenet_utils.decode_predictions`)."""
    return imagenet_utils.decode_predictions(preds, top=top)
