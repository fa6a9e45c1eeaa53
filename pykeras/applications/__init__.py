"""`keras.applications`: ready-made image classification architectures.

VGG16, VGG19, ResNet50/101/152, ResNet50V2/101V2/152V2, MobileNet,
MobileNetV2, MobileNetV3Small/Large, Xception, InceptionV3,
InceptionResNetV2, DenseNet121/169/201, EfficientNetB0-B7, EfficientNetV2
B0-B3/S/M/L, ConvNeXt Tiny/Small/Base/Large/XLarge and NASNetMobile/Large,
with Keras's layer names and weight layouts, so Keras's weight files load
into them. `weights=None` builds them untrained; `weights="imagenet"`
fetches Keras's pretrained file into the Keras cache on first use.
"""

from pykeras.applications import (
    convnext,
    densenet,
    efficientnet,
    efficientnet_v2,
    imagenet_utils,
    inception_resnet_v2,
    inception_v3,
    mobilenet,
    mobilenet_v2,
    mobilenet_v3,
    nasnet,
    resnet,
    resnet50,
    resnet_v2,
    vgg16,
    vgg19,
    xception,
)
from pykeras.applications.convnext import (
    ConvNeXtBase,
    ConvNeXtLarge,
    ConvNeXtSmall,
    ConvNeXtTiny,
    ConvNeXtXLarge,
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
from pykeras.applications.efficientnet_v2 import (
    EfficientNetV2B0,
    EfficientNetV2B1,
    EfficientNetV2B2,
    EfficientNetV2B3,
    EfficientNetV2L,
    EfficientNetV2M,
    EfficientNetV2S,
)
from pykeras.applications.inception_resnet_v2 import InceptionResNetV2
from pykeras.applications.inception_v3 import InceptionV3
from pykeras.applications.mobilenet import MobileNet
from pykeras.applications.mobilenet_v2 import MobileNetV2
from pykeras.applications.mobilenet_v3 import MobileNetV3Large, MobileNetV3Small
from pykeras.applications.nasnet import NASNetLarge, NASNetMobile
from pykeras.applications.resnet import ResNet50, ResNet101, ResNet152
from pykeras.applications.resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from pykeras.applications.vgg16 import VGG16
from pykeras.applications.vgg19 import VGG19
from pykeras.applications.xception import Xception

__all__ = [
    "ConvNeXtBase",
    "ConvNeXtLarge",
    "ConvNeXtSmall",
    "ConvNeXtTiny",
    "ConvNeXtXLarge",
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
    "EfficientNetV2B0",
    "EfficientNetV2B1",
    "EfficientNetV2B2",
    "EfficientNetV2B3",
    "EfficientNetV2L",
    "EfficientNetV2M",
    "EfficientNetV2S",
    "InceptionResNetV2",
    "InceptionV3",
    "MobileNet",
    "MobileNetV2",
    "MobileNetV3Large",
    "MobileNetV3Small",
    "NASNetLarge",
    "NASNetMobile",
    "ResNet101",
    "ResNet101V2",
    "ResNet152",
    "ResNet152V2",
    "ResNet50",
    "ResNet50V2",
    "VGG16",
    "VGG19",
    "Xception",
    "convnext",
    "densenet",
    "efficientnet",
    "efficientnet_v2",
    "imagenet_utils",
    "inception_resnet_v2",
    "inception_v3",
    "mobilenet",
    "mobilenet_v2",
    "mobilenet_v3",
    "nasnet",
    "resnet",
    "resnet50",
    "resnet_v2",
    "vgg16",
    "vgg19",
    "xception",
]
