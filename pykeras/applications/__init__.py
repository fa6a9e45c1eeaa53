"""`keras.applications`: ready-made image classification architectures.

VGG16, VGG19, ResNet50/101/152, ResNet50V2/101V2/152V2, MobileNetV2,
Xception, DenseNet121/169/201 and EfficientNetB0-B7,
with Keras's layer names and weight layouts, so Keras's weight files load
into them. `weights=None` builds them untrained; `weights="imagenet"`
fetches Keras's pretrained file into the Keras cache on first use.
"""

from pykeras.applications import (
    densenet,
    efficientnet,
    imagenet_utils,
    mobilenet_v2,
    resnet,
    resnet50,
    resnet_v2,
    vgg16,
    vgg19,
    xception,
)
from pykeras.applications.densenet import DenseNet121, DenseNet169, DenseNet201
from pykeras.applications.efficientnet import (
    EfficientNetB0,
    EfficientNetB1,
    EfficientNetB2,
    EfficientNetB3,
    EfficientNetB4,
    EfficientNetB5,
    EfficientNetB6,
    EfficientNetB7,
)
from pykeras.applications.mobilenet_v2 import MobileNetV2
from pykeras.applications.resnet import ResNet50, ResNet101, ResNet152
from pykeras.applications.resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from pykeras.applications.vgg16 import VGG16
from pykeras.applications.vgg19 import VGG19
from pykeras.applications.xception import Xception

__all__ = [
    "DenseNet121",
    "DenseNet169",
    "DenseNet201",
    "EfficientNetB0",
    "EfficientNetB1",
    "EfficientNetB2",
    "EfficientNetB3",
    "EfficientNetB4",
    "EfficientNetB5",
    "EfficientNetB6",
    "EfficientNetB7",
    "MobileNetV2",
    "ResNet101",
    "ResNet101V2",
    "ResNet152",
    "ResNet152V2",
    "ResNet50",
    "ResNet50V2",
    "VGG16",
    "VGG19",
    "Xception",
    "densenet",
    "efficientnet",
    "imagenet_utils",
    "mobilenet_v2",
    "resnet",
    "resnet50",
    "resnet_v2",
    "vgg16",
    "vgg19",
    "xception",
]
