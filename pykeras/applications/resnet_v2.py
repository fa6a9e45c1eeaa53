"""`keras.applications.resnet_v2`: ResNet50V2/101V2/152V2 (pre-activation
residual blocks) with Keras's layer names; preprocessing "tf"."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pykeras.applications import imagenet_utils as U
from pykeras.applications.resnet import _variant

if TYPE_CHECKING:
    import numpy.typing as npt

    from pykeras.engine.typing import Tensor, TensorLike

ResNet50V2 = _variant("ResNet50V2", (3, 4, 6, 3), True, "resnet50v2")
ResNet101V2 = _variant("ResNet101V2", (3, 4, 23, 3), True, "resnet101v2")
ResNet152V2 = _variant("ResNet152V2", (3, 8, 36, 3), True, "resnet152v2")


def preprocess_input(x: TensorLike, data_format: str | None = None) -> Tensor:
    """ResNetV2's preprocessing: scaled to [-1, 1] ("tf")."""
    return U.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds: npt.ArrayLike, top: int = 5) -> list[list[tuple[Any, ...]]]:
    """Decodes ImageNet predictions (see `imagenet_utils.decode_predictions`)."""
    return U.decode_predictions(preds, top=top)
