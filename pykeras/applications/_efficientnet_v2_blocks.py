"""EfficientNetV2's blocks (MBConv and Fused-MBConv) and its stage tables,
as in Keras's `efficientnet_v2` module."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from pykeras import layers
from pykeras.backend import get_uid
from pykeras.ops._image_common import default_data_format

CONV_KERNEL_INITIALIZER = {
    "class_name": "VarianceScaling",
    "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"},
}
DENSE_KERNEL_INITIALIZER = {
    "class_name": "VarianceScaling",
    "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"},
}

_KEYS = ("kernel_size", "num_repeat", "input_filters", "output_filters", "expand_ratio",
         "se_ratio", "strides", "conv_type")  # fmt: skip
# Stages as (kernel_size, num_repeat, input_filters, output_filters,
# expand_ratio, se_ratio, strides, conv_type); conv_type 1 is Fused-MBConv.
_B = [(3, 1, 32, 16, 1, 0, 1, 1), (3, 2, 16, 32, 4, 0, 2, 1), (3, 2, 32, 48, 4, 0, 2, 1),
      (3, 3, 48, 96, 4, 0.25, 2, 0), (3, 5, 96, 112, 6, 0.25, 1, 0),
      (3, 8, 112, 192, 6, 0.25, 2, 0)]  # fmt: skip
_STAGES = {
    "efficientnetv2-s": [
        (3, 2, 24, 24, 1, 0.0, 1, 1), (3, 4, 24, 48, 4, 0.0, 2, 1), (3, 4, 48, 64, 4, 0, 2, 1),
        (3, 6, 64, 128, 4, 0.25, 2, 0), (3, 9, 128, 160, 6, 0.25, 1, 0),
        (3, 15, 160, 256, 6, 0.25, 2, 0)],
    "efficientnetv2-m": [
        (3, 3, 24, 24, 1, 0, 1, 1), (3, 5, 24, 48, 4, 0, 2, 1), (3, 5, 48, 80, 4, 0, 2, 1),
        (3, 7, 80, 160, 4, 0.25, 2, 0), (3, 14, 160, 176, 6, 0.25, 1, 0),
        (3, 18, 176, 304, 6, 0.25, 2, 0), (3, 5, 304, 512, 6, 0.25, 1, 0)],
    "efficientnetv2-l": [
        (3, 4, 32, 32, 1, 0, 1, 1), (3, 7, 32, 64, 4, 0, 2, 1), (3, 7, 64, 96, 4, 0, 2, 1),
        (3, 10, 96, 192, 4, 0.25, 2, 0), (3, 19, 192, 224, 6, 0.25, 1, 0),
        (3, 25, 224, 384, 6, 0.25, 2, 0), (3, 7, 384, 640, 6, 0.25, 1, 0)],
    "efficientnetv2-b0": _B, "efficientnetv2-b1": _B, "efficientnetv2-b2": _B,
    "efficientnetv2-b3": _B,
}  # fmt: skip
DEFAULT_BLOCKS_ARGS = {
    name: [dict(zip(_KEYS, stage)) for stage in stages] for name, stages in _STAGES.items()
}


def round_filters(filters: float, width_coefficient: float, min_depth: int | None,
                  depth_divisor: int) -> int:  # fmt: skip
    """The number of filters scaled by the width multiplier, rounded to a
    multiple of `depth_divisor`."""
    filters *= width_coefficient
    minimum_depth = min_depth or depth_divisor
    new_filters = max(
        minimum_depth, int(filters + depth_divisor / 2) // depth_divisor * depth_divisor
    )
    return int(new_filters)


def round_repeats(repeats: int, depth_coefficient: float) -> int:
    """The number of block repeats scaled by the depth multiplier (ceiling)."""
    return int(math.ceil(depth_coefficient * repeats))


def _bn_axis() -> int:
    return 3 if default_data_format() == "channels_last" else 1


def _squeeze_excite(x: Any, filters: int, input_filters: int, se_ratio: float,
                    activation: str, name: str) -> Any:  # fmt: skip
    bn_axis = _bn_axis()
    filters_se = max(1, int(input_filters * se_ratio))
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se_shape = (filters, 1, 1) if bn_axis == 1 else (1, 1, filters)
    se = layers.Reshape(se_shape, name=f"{name}se_reshape")(se)
    se = layers.Conv2D(filters_se, 1, padding="same", activation=activation,
                       kernel_initializer=CONV_KERNEL_INITIALIZER,
                       name=f"{name}se_reduce")(se)  # fmt: skip
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                       kernel_initializer=CONV_KERNEL_INITIALIZER,
                       name=f"{name}se_expand")(se)  # fmt: skip
    return layers.multiply([x, se], name=f"{name}se_excite")


def _residual(x: Any, inputs: Any, survival_probability: float, name: str) -> Any:
    # Keras passes the "survival probability" to Dropout as its rate.
    if survival_probability:
        x = layers.Dropout(survival_probability, noise_shape=(None, 1, 1, 1),
                           name=f"{name}drop")(x)  # fmt: skip
    return layers.add([x, inputs], name=f"{name}add")


def MBConvBlock(input_filters: int, output_filters: int, expand_ratio: int = 1,
                kernel_size: int = 3, strides: int = 1, se_ratio: float = 0.0,
                bn_momentum: float = 0.9, activation: str = "swish",
                survival_probability: float = 0.8,
                name: str | None = None) -> Callable[[Any], Any]:  # fmt: skip
    """An inverted residual block: 1x1 expansion, depthwise convolution,
    squeeze-and-excite and 1x1 projection."""
    bn_axis = _bn_axis()
    block_name = str(get_uid("block0")) if name is None else name

    def apply(inputs: Any) -> Any:
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = layers.Conv2D(filters=filters, kernel_size=1, strides=1,
                              kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                              use_bias=False, name=f"{block_name}expand_conv")(inputs)  # fmt: skip
            x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum,
                                          name=f"{block_name}expand_bn")(x)  # fmt: skip
            x = layers.Activation(activation, name=f"{block_name}expand_activation")(x)
        x = layers.DepthwiseConv2D(kernel_size=kernel_size, strides=strides,
                                   depthwise_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                                   use_bias=False, name=f"{block_name}dwconv2")(x)  # fmt: skip
        x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum,
                                      name=f"{block_name}bn")(x)  # fmt: skip
        x = layers.Activation(activation, name=f"{block_name}activation")(x)
        if 0 < se_ratio <= 1:
            x = _squeeze_excite(x, filters, input_filters, se_ratio, activation, block_name)
        x = layers.Conv2D(filters=output_filters, kernel_size=1, strides=1,
                          kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                          use_bias=False, name=f"{block_name}project_conv")(x)  # fmt: skip
        x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum,
                                      name=f"{block_name}project_bn")(x)  # fmt: skip
        if strides == 1 and input_filters == output_filters:
            x = _residual(x, inputs, survival_probability, block_name)
        return x

    return apply


def FusedMBConvBlock(input_filters: int, output_filters: int, expand_ratio: int = 1,
                     kernel_size: int = 3, strides: int = 1, se_ratio: float = 0.0,
                     bn_momentum: float = 0.9, activation: str = "swish",
                     survival_probability: float = 0.8,
                     name: str | None = None) -> Callable[[Any], Any]:  # fmt: skip
    """A fused inverted residual block: a full 3x3 expansion convolution
    replaces the 1x1 expansion and the depthwise convolution."""
    bn_axis = _bn_axis()
    block_name = str(get_uid("block0")) if name is None else name

    def apply(inputs: Any) -> Any:
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = layers.Conv2D(filters, kernel_size=kernel_size, strides=strides,
                              kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                              use_bias=False, name=f"{block_name}expand_conv")(inputs)  # fmt: skip
            x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum,
                                          name=f"{block_name}expand_bn")(x)  # fmt: skip
            x = layers.Activation(activation=activation,
                                  name=f"{block_name}expand_activation")(x)  # fmt: skip
        if 0 < se_ratio <= 1:
            x = _squeeze_excite(x, filters, input_filters, se_ratio, activation, block_name)
        x = layers.Conv2D(output_filters, kernel_size=1 if expand_ratio != 1 else kernel_size,
                          strides=1 if expand_ratio != 1 else strides,
                          kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                          use_bias=False, name=f"{block_name}project_conv")(x)  # fmt: skip
        x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum,
                                      name=f"{block_name}project_bn")(x)  # fmt: skip
        if expand_ratio == 1:
            x = layers.Activation(activation=activation,
                                  name=f"{block_name}project_activation")(x)  # fmt: skip
        if strides == 1 and input_filters == output_filters:
            x = _residual(x, inputs, survival_probability, block_name)
        return x

    return apply
