"""`keras.applications.nasnet`: NASNet-A Mobile and Large (Zoph et al.,
2018) with Keras's layer names; preprocessing "tf". NASNet works in the
channels_last data format only, as in Keras.

Keras builds the cells inside `name_scope`s, which prefix its variable paths
(`normal_A_block_0/normal_conv_1_0/kernel`); pykeras has no name scopes, so
its paths are `layer/weight`. Layer names, weight order and weight files
are the same."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pykeras import layers
from pykeras.applications import imagenet_utils as U
from pykeras.models import Model
from pykeras.ops._image_common import default_data_format

if TYPE_CHECKING:
    import numpy.typing as npt

    from pykeras.engine.typing import Tensor, TensorLike

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/nasnet/"
NASNET_MOBILE_WEIGHT_PATH = f"{BASE_WEIGHTS_PATH}NASNet-mobile.h5"
NASNET_MOBILE_WEIGHT_PATH_NO_TOP = f"{BASE_WEIGHTS_PATH}NASNet-mobile-no-top.h5"
NASNET_LARGE_WEIGHT_PATH = f"{BASE_WEIGHTS_PATH}NASNet-large.h5"
NASNET_LARGE_WEIGHT_PATH_NO_TOP = f"{BASE_WEIGHTS_PATH}NASNet-large-no-top.h5"
# (url, md5) per default size, with and without the top.
_WEIGHTS = {
    224: ((NASNET_MOBILE_WEIGHT_PATH, "020fb642bf7360b370c678b08e0adf61"),
          (NASNET_MOBILE_WEIGHT_PATH_NO_TOP, "1ed92395b5b598bdda52abe5c0dbfd63")),
    331: ((NASNET_LARGE_WEIGHT_PATH, "11577c9a518f0070763c2b964a382f17"),
          (NASNET_LARGE_WEIGHT_PATH_NO_TOP, "d81d89dc07e6e56530c4e77faddd61b5")),
}  # fmt: skip


def _bn(name: str | None) -> layers.BatchNormalization:
    return layers.BatchNormalization(axis=-1, momentum=0.9997, epsilon=1e-3, name=name)


def _conv1x1(filters: int, name: str | None, strides: int = 1) -> layers.Conv2D:
    return layers.Conv2D(filters, (1, 1), strides=(strides, strides), padding="same",
                         use_bias=False, name=name, kernel_initializer="he_normal")  # fmt: skip


def _separable_conv_block(ip: Any, filters: int, kernel_size: tuple[int, int] = (3, 3),
                          strides: tuple[int, int] = (1, 1),
                          block_id: str = "") -> Any:  # fmt: skip
    """Two ReLU, separable convolution, batch normalization stacks."""
    x = layers.Activation("relu")(ip)
    if strides == (2, 2):
        x = layers.ZeroPadding2D(padding=U.correct_pad(x, kernel_size),
                                 name=f"separable_conv_1_pad_{block_id}")(x)  # fmt: skip
        conv_pad = "valid"
    else:
        conv_pad = "same"
    x = layers.SeparableConv2D(filters, kernel_size, strides=strides,
                               name=f"separable_conv_1_{block_id}", padding=conv_pad,
                               use_bias=False)(x)  # fmt: skip
    x = _bn(f"separable_conv_1_bn_{block_id}")(x)
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(filters, kernel_size, name=f"separable_conv_2_{block_id}",
                               padding="same", use_bias=False)(x)  # fmt: skip
    return _bn(f"separable_conv_2_bn_{block_id}")(x)


def _adjust_block(p: Any, ip: Any, filters: int, block_id: str = "") -> Any:
    """Matches the previous cell's output `p` to the current input `ip` in
    size (a factorized reduction) or in channels (a 1x1 projection)."""
    if p is None:
        return ip
    if p.shape[-2] != ip.shape[-2]:
        p = layers.Activation("relu", name=f"adjust_relu_1_{block_id}")(p)
        p1 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                     name=f"adjust_avg_pool_1_{block_id}")(p)  # fmt: skip
        p1 = _conv1x1(filters // 2, f"adjust_conv_1_{block_id}")(p1)
        p2 = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(p)
        p2 = layers.Cropping2D(cropping=((1, 0), (1, 0)))(p2)
        p2 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                     name=f"adjust_avg_pool_2_{block_id}")(p2)  # fmt: skip
        p2 = _conv1x1(filters // 2, f"adjust_conv_2_{block_id}")(p2)
        p = layers.concatenate([p1, p2], axis=-1)
        return _bn(f"adjust_bn_{block_id}")(p)
    if p.shape[-1] != filters:
        p = layers.Activation("relu")(p)
        p = _conv1x1(filters, f"adjust_conv_projection_{block_id}")(p)
        return _bn(f"adjust_bn_{block_id}")(p)
    return p


def _avg_pool_same(name: str) -> layers.AveragePooling2D:
    return layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same", name=name)


def _normal_a_cell(ip: Any, p: Any, filters: int, block_id: str = "") -> tuple[Any, Any]:
    """A normal cell (same size); returns its output and its input."""
    p = _adjust_block(p, ip, filters, block_id)
    h = layers.Activation("relu")(ip)
    h = _conv1x1(filters, f"normal_conv_1_{block_id}")(h)
    h = _bn(f"normal_bn_1_{block_id}")(h)
    x1_1 = _separable_conv_block(h, filters, kernel_size=(5, 5),
                                 block_id=f"normal_left1_{block_id}")  # fmt: skip
    x1_2 = _separable_conv_block(p, filters, block_id=f"normal_right1_{block_id}")
    x1 = layers.add([x1_1, x1_2], name=f"normal_add_1_{block_id}")
    x2_1 = _separable_conv_block(p, filters, (5, 5), block_id=f"normal_left2_{block_id}")
    x2_2 = _separable_conv_block(p, filters, (3, 3), block_id=f"normal_right2_{block_id}")
    x2 = layers.add([x2_1, x2_2], name=f"normal_add_2_{block_id}")
    x3 = _avg_pool_same(f"normal_left3_{block_id}")(h)
    x3 = layers.add([x3, p], name=f"normal_add_3_{block_id}")
    x4_1 = _avg_pool_same(f"normal_left4_{block_id}")(p)
    x4_2 = _avg_pool_same(f"normal_right4_{block_id}")(p)
    x4 = layers.add([x4_1, x4_2], name=f"normal_add_4_{block_id}")
    x5 = _separable_conv_block(h, filters, block_id=f"normal_left5_{block_id}")
    x5 = layers.add([x5, h], name=f"normal_add_5_{block_id}")
    x = layers.concatenate([p, x1, x2, x3, x4, x5], axis=-1, name=f"normal_concat_{block_id}")
    return x, ip


def _reduction_a_cell(ip: Any, p: Any, filters: int, block_id: str = "") -> tuple[Any, Any]:
    """A reduction cell (halves the size); returns its output and its input."""
    p = _adjust_block(p, ip, filters, block_id)
    h = layers.Activation("relu")(ip)
    h = _conv1x1(filters, f"reduction_conv_1_{block_id}")(h)
    h = _bn(f"reduction_bn_1_{block_id}")(h)
    h3 = layers.ZeroPadding2D(padding=U.correct_pad(h, 3),
                              name=f"reduction_pad_1_{block_id}")(h)  # fmt: skip
    x1_1 = _separable_conv_block(h, filters, (5, 5), strides=(2, 2),
                                 block_id=f"reduction_left1_{block_id}")  # fmt: skip
    x1_2 = _separable_conv_block(p, filters, (7, 7), strides=(2, 2),
                                 block_id=f"reduction_right1_{block_id}")  # fmt: skip
    x1 = layers.add([x1_1, x1_2], name=f"reduction_add_1_{block_id}")
    x2_1 = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid",
                               name=f"reduction_left2_{block_id}")(h3)  # fmt: skip
    x2_2 = _separable_conv_block(p, filters, (7, 7), strides=(2, 2),
                                 block_id=f"reduction_right2_{block_id}")  # fmt: skip
    x2 = layers.add([x2_1, x2_2], name=f"reduction_add_2_{block_id}")
    x3_1 = layers.AveragePooling2D((3, 3), strides=(2, 2), padding="valid",
                                   name=f"reduction_left3_{block_id}")(h3)  # fmt: skip
    x3_2 = _separable_conv_block(p, filters, (5, 5), strides=(2, 2),
                                 block_id=f"reduction_right3_{block_id}")  # fmt: skip
    x3 = layers.add([x3_1, x3_2], name=f"reduction_add3_{block_id}")
    x4 = _avg_pool_same(f"reduction_left4_{block_id}")(x1)
    x4 = layers.add([x2, x4])
    x5_1 = _separable_conv_block(x1, filters, (3, 3), block_id=f"reduction_left4_{block_id}")
    x5_2 = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid",
                               name=f"reduction_right5_{block_id}")(h3)  # fmt: skip
    x5 = layers.add([x5_1, x5_2], name=f"reduction_add4_{block_id}")
    x = layers.concatenate([x2, x3, x4, x5], axis=-1, name=f"reduction_concat_{block_id}")
    return x, ip


def NASNet(input_shape: Any = None, penultimate_filters: int = 4032, num_blocks: int = 6,
           stem_block_filters: int = 96, skip_reduction: bool = True,
           filter_multiplier: int = 2, include_top: bool = True,
           weights: str | None = "imagenet", input_tensor: Any = None,
           pooling: str | None = None, classes: int = 1000, default_size: int | None = None,
           classifier_activation: Any = "softmax", name: str = "NASNet") -> Model:  # fmt: skip
    """A NASNet-A network of `num_blocks` normal cells per stage, whose last
    stage has `penultimate_filters` channels."""
    if default_data_format() == "channels_first":
        raise ValueError(
            "NASNet does not support the `channels_first` image data format. Switch to "
            "`channels_last` by editing your local config file at ~/.keras/keras.json"
        )
    U.check_weights_arg(weights, include_top, classes)
    if isinstance(input_shape, tuple) and None in input_shape and weights == "imagenet":
        raise ValueError(
            "When specifying the input shape of a NASNet and loading `ImageNet` weights, the "
            f"input_shape argument must be static (no None entries). Got: "
            f"`input_shape={input_shape}`."
        )
    default_size = 331 if default_size is None else default_size
    input_shape = U.obtain_input_shape(
        input_shape, default_size, 32, default_data_format(), include_top, weights
    )
    img_input = U.model_input(input_tensor, input_shape)
    if penultimate_filters % (24 * (filter_multiplier**2)) != 0:
        raise ValueError(
            "For NASNet-A models, the `penultimate_filters` must be a multiple of 24 * "
            f"(`filter_multiplier` ** 2). Current value: {penultimate_filters}"
        )
    filters = penultimate_filters // 24
    x = layers.Conv2D(stem_block_filters, (3, 3), strides=(2, 2), padding="valid",
                      use_bias=False, name="stem_conv1",
                      kernel_initializer="he_normal")(img_input)  # fmt: skip
    x = _bn("stem_bn1")(x)
    p = None
    x, p = _reduction_a_cell(x, p, filters // (filter_multiplier**2), block_id="stem_1")
    x, p = _reduction_a_cell(x, p, filters // filter_multiplier, block_id="stem_2")
    for i in range(num_blocks):
        x, p = _normal_a_cell(x, p, filters, block_id=f"{i}")
    x, p0 = _reduction_a_cell(x, p, filters * filter_multiplier,
                              block_id=f"reduce_{num_blocks}")  # fmt: skip
    p = p0 if not skip_reduction else p
    for i in range(num_blocks):
        x, p = _normal_a_cell(x, p, filters * filter_multiplier,
                              block_id=f"{num_blocks + i + 1}")  # fmt: skip
    x, p0 = _reduction_a_cell(x, p, filters * filter_multiplier**2,
                              block_id=f"reduce_{2 * num_blocks}")  # fmt: skip
    p = p0 if not skip_reduction else p
    for i in range(num_blocks):
        x, p = _normal_a_cell(x, p, filters * filter_multiplier**2,
                              block_id=f"{2 * num_blocks + i + 1}")  # fmt: skip
    x = layers.Activation("relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        U.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    model = Model(U.source_inputs(input_tensor, img_input), x, name=name)
    if weights == "imagenet":
        if default_size not in _WEIGHTS:
            raise ValueError("ImageNet weights can only be loaded with NASNetLarge or NASNetMobile")
        url, file_hash = _WEIGHTS[default_size][0 if include_top else 1]
        model.load_weights(U.fetch_weights(url.rsplit("/", 1)[1], url, file_hash))
    elif weights is not None:
        model.load_weights(weights)
    return model


_DOC = """Instantiates the {title} architecture (Keras's layer names).

    Args:
        input_shape: optional shape tuple, only with `include_top=False`
            (at least 32x32); default `({size}, {size}, 3)`.
        include_top: include the classifier (global average pooling and Dense).
        weights: None (random initialization), "imagenet" (Keras's
            pretrained file, fetched into the Keras cache on first use), or
            the path to a weights file.
        input_tensor: optional Keras tensor to use as image input.
        pooling: with `include_top=False`: None, "avg" or "max".
        classes: number of classes (with `include_top=True` and no weights).
        classifier_activation: the top layer's activation.
        name: the model's name.

    Returns:
        A Model instance.
    """


def NASNetMobile(input_shape: Any = None, include_top: bool = True,
                 weights: str | None = "imagenet", input_tensor: Any = None,
                 pooling: str | None = None, classes: int = 1000,
                 classifier_activation: Any = "softmax",
                 name: str = "nasnet_mobile") -> Model:  # fmt: skip
    if not include_top and input_shape is None:
        input_shape = (224, 224, 3)
    return NASNet(input_shape, penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
                  skip_reduction=False, filter_multiplier=2, include_top=include_top,
                  weights=weights, input_tensor=input_tensor, pooling=pooling, classes=classes,
                  default_size=224, classifier_activation=classifier_activation,
                  name=name)  # fmt: skip


def NASNetLarge(input_shape: Any = None, include_top: bool = True,
                weights: str | None = "imagenet", input_tensor: Any = None,
                pooling: str | None = None, classes: int = 1000,
                classifier_activation: Any = "softmax",
                name: str = "nasnet_large") -> Model:  # fmt: skip
    return NASNet(input_shape, penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
                  skip_reduction=True, filter_multiplier=2, include_top=include_top,
                  weights=weights, input_tensor=input_tensor, pooling=pooling, classes=classes,
                  default_size=331, classifier_activation=classifier_activation,
                  name=name)  # fmt: skip


NASNetMobile.__doc__ = _DOC.format(title="NASNetMobile", size=224)
NASNetLarge.__doc__ = _DOC.format(title="NASNetLarge", size=331)


def preprocess_input(x: TensorLike, data_format: str | None = None) -> Tensor:
    """NASNet's preprocessing: scaled to [-1, 1] ("tf")."""
    return U.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds: npt.ArrayLike, top: int = 5) -> list[list[tuple[Any, ...]]]:
    """Decodes ImageNet predictions (see `imagenet_utils.decode_predictions`)."""
    return U.decode_predictions(preds, top=top)
