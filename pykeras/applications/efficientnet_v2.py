"""`keras.applications.efficientnet_v2`: EfficientNetV2 B0-B3, S, M and L
(Tan & Le, 2021) with Keras's layer names. The models take pixels in
[0, 255] (their first layers rescale them unless
`include_preprocessing=False`), so `preprocess_input` is the identity, as in
Keras."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pykeras import initializers, layers
from pykeras.applications import imagenet_utils as U
from pykeras.applications._efficientnet_v2_blocks import (
    CONV_KERNEL_INITIALIZER,
    DEFAULT_BLOCKS_ARGS,
    DENSE_KERNEL_INITIALIZER,
    FusedMBConvBlock,
    MBConvBlock,
    round_filters,
    round_repeats,
)
from pykeras.models import Model
from pykeras.ops._image_common import default_data_format

if TYPE_CHECKING:
    import numpy.typing as npt

    from pykeras.engine.typing import TensorLike

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/"
WEIGHTS_HASHES = {
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "-s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "-l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}


def _preprocessing(x: Any, variant: str, num_channels: int, bn_axis: int) -> Any:
    # The B models were trained on ImageNet-normalized inputs, S/M/L on [-1, 1].
    if variant.startswith("b") and num_channels == 3:
        x = layers.Rescaling(scale=1.0 / 255)(x)
        return layers.Normalization(
            mean=[0.485, 0.456, 0.406], variance=[0.229**2, 0.224**2, 0.225**2], axis=bn_axis
        )(x)
    return layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)


def EfficientNetV2(width_coefficient: float, depth_coefficient: float, default_size: int,
                   dropout_rate: float = 0.2, drop_connect_rate: float = 0.2,
                   depth_divisor: int = 8, min_depth: int = 8, bn_momentum: float = 0.9,
                   activation: str = "swish", blocks_args: Any = "default",
                   name: str = "efficientnetv2", include_top: bool = True,
                   weights: str | None = "imagenet", input_tensor: Any = None,
                   input_shape: Any = None, pooling: str | None = None, classes: int = 1000,
                   classifier_activation: Any = "softmax", include_preprocessing: bool = True,
                   weights_name: str | None = None) -> Model:  # fmt: skip
    """An EfficientNetV2 of the given width and depth scaling.

    `blocks_args="default"` takes the stages of the variant `weights_name`
    names (Keras looks them up by the model's default name)."""
    if blocks_args == "default":
        variant_name = f"efficientnetv2-{(weights_name or '').lstrip('-')}"
        key = name if name in DEFAULT_BLOCKS_ARGS else variant_name
        if key not in DEFAULT_BLOCKS_ARGS:
            raise ValueError(
                f"EfficientNetV2 has no default blocks for the model name {name!r}; pass "
                "`blocks_args` or a variant's `weights_name`."
            )
        blocks_args = DEFAULT_BLOCKS_ARGS[key]
    U.check_weights_arg(weights, include_top, classes)
    input_shape = U.obtain_input_shape(
        input_shape, default_size, 32, default_data_format(), include_top, weights
    )
    img_input = U.model_input(input_tensor, input_shape)
    bn_axis = 3 if default_data_format() == "channels_last" else 1
    x = img_input
    if include_preprocessing:
        variant = (weights_name or name.split("-")[-1]).lstrip("-")
        x = _preprocessing(x, variant, input_shape[bn_axis - 1], bn_axis)

    def filters_of(filters: float) -> int:
        return round_filters(filters, width_coefficient, min_depth, depth_divisor)

    x = layers.Conv2D(filters=filters_of(blocks_args[0]["input_filters"]), kernel_size=3,
                      strides=2, kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                      use_bias=False, name="stem_conv")(x)  # fmt: skip
    x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)
    blocks_args = copy.deepcopy(blocks_args)
    b = 0
    blocks = float(sum(args["num_repeat"] for args in blocks_args))
    for i, args in enumerate(blocks_args):
        if args["num_repeat"] <= 0:
            raise ValueError(
                "The number of repeats in `EfficientNetV2` must be > 0. "
                f"Received: num_repeat={args['num_repeat']}"
            )
        args["input_filters"] = filters_of(args["input_filters"])
        args["output_filters"] = filters_of(args["output_filters"])
        block = {0: MBConvBlock, 1: FusedMBConvBlock}[args.pop("conv_type")]
        for j in range(round_repeats(args.pop("num_repeat"), depth_coefficient)):
            if j > 0:
                args["strides"] = 1
                args["input_filters"] = args["output_filters"]
            x = block(activation=activation, bn_momentum=bn_momentum,
                      survival_probability=drop_connect_rate * b / blocks,
                      name=f"block{i + 1}{chr(j + 97)}_", **args)(x)  # fmt: skip
            b += 1
    x = layers.Conv2D(filters=filters_of(1280), kernel_size=1, strides=1,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                      use_bias=False, name="top_conv")(x)  # fmt: skip
    x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum, name="top_bn")(x)
    x = layers.Activation(activation=activation, name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        U.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation,
                         kernel_initializer=DENSE_KERNEL_INITIALIZER,
                         bias_initializer=initializers.Constant(0.0),
                         name="predictions")(x)  # fmt: skip
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    model = Model(U.source_inputs(input_tensor, img_input), x, name=name)
    if weights == "imagenet":
        if weights_name not in WEIGHTS_HASHES:
            raise ValueError(
                f"There are no imagenet weights for this EfficientNetV2; `weights_name` must "
                f"be one of {sorted(WEIGHTS_HASHES)}. Received: weights_name={weights_name!r}"
            )
        suffix, file_hash = (".h5", WEIGHTS_HASHES[weights_name][0]) if include_top else (
            "_notop.h5", WEIGHTS_HASHES[weights_name][1])  # fmt: skip
        file_name = name + suffix
        model.load_weights(U.fetch_weights(file_name, BASE_WEIGHTS_PATH + file_name, file_hash))
    elif weights is not None:
        model.load_weights(weights)
    return model


# Variant: (width, depth, default size).
_VARIANTS = {"b0": (1.0, 1.0, 224), "b1": (1.0, 1.1, 240), "b2": (1.1, 1.2, 260),
             "b3": (1.2, 1.4, 300), "-s": (1.0, 1.0, 384), "-m": (1.0, 1.0, 480),
             "-l": (1.0, 1.0, 480)}  # fmt: skip

_DOC = """Instantiates the {title} architecture (Keras's layer names).

    The model takes pixels in [0, 255]: its first layers rescale them
    (unless `include_preprocessing=False`).

    Args:
        include_top: include the classifier (pooling, dropout and Dense).
        weights: None (random initialization), "imagenet" (Keras's
            pretrained file, fetched into the Keras cache on first use), or
            the path to a weights file.
        input_tensor: optional Keras tensor to use as image input.
        input_shape: optional shape tuple, only with `include_top=False`
            (at least 32x32); default `({size}, {size}, 3)`.
        pooling: with `include_top=False`: None, "avg" or "max".
        classes: number of classes (with `include_top=True` and no weights).
        classifier_activation: the top layer's activation.
        include_preprocessing: rescale the inputs inside the model.
        name: the model's name.

    Returns:
        A Model instance.
    """


def _variant(key: str) -> Callable[..., Model]:
    width, depth, size = _VARIANTS[key]
    title = f"EfficientNetV2{key.lstrip('-').upper()}"

    def build(include_top: bool = True, weights: str | None = "imagenet",
              input_tensor: Any = None, input_shape: Any = None, pooling: str | None = None,
              classes: int = 1000, classifier_activation: Any = "softmax",
              include_preprocessing: bool = True,
              name: str = f"efficientnetv2-{key.lstrip('-')}") -> Model:  # fmt: skip
        return EfficientNetV2(
            width_coefficient=width, depth_coefficient=depth, default_size=size, name=name,
            include_top=include_top, weights=weights, input_tensor=input_tensor,
            input_shape=input_shape, pooling=pooling, classes=classes,
            classifier_activation=classifier_activation,
            include_preprocessing=include_preprocessing, weights_name=key,
        )  # fmt: skip

    build.__name__ = build.__qualname__ = title
    build.__doc__ = _DOC.format(title=title, size=size)
    return build


EfficientNetV2B0 = _variant("b0")
EfficientNetV2B1 = _variant("b1")
EfficientNetV2B2 = _variant("b2")
EfficientNetV2B3 = _variant("b3")
EfficientNetV2S = _variant("-s")
EfficientNetV2M = _variant("-m")
EfficientNetV2L = _variant("-l")


def preprocess_input(x: TensorLike, data_format: str | None = None) -> TensorLike:
    """The identity (EfficientNetV2 models rescale inside), as in Keras."""
    return x


def decode_predictions(preds: npt.ArrayLike, top: int = 5) -> list[list[tuple[Any, ...]]]:
    """Decodes ImageNet predictions (see `imagenet_utils.decode_predictions`)."""
    return U.decode_predictions(preds, top=top)
