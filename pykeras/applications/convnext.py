"""`keras.applications.convnext`: ConvNeXt Tiny/Small/Base/Large/XLarge
(Liu et al., 2022) with Keras's layer names. The models take pixels in
[0, 255] (their first layer normalizes them unless
`include_preprocessing=False`), so `preprocess_input` is the identity, as in
Keras. ConvNeXt works in the channels_last data format only, as in Keras."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras import initializers, layers, random
from pykeras.applications import imagenet_utils as U
from pykeras.backend import get_uid
from pykeras.layers import Layer
from pykeras.models import Model, Sequential
from pykeras.ops._image_common import default_data_format
from pykeras.random import _stream
from pykeras.random.seed_generator import SeedGenerator
from pykeras.utils import get_source_inputs

if TYPE_CHECKING:
    import numpy.typing as npt

    from pykeras.engine.typing import TensorLike

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/convnext/"
# SHA-256 digests of the (with top, without top) files.
WEIGHTS_HASHES = {
    "convnext_tiny": (
        "8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
        "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1",
    ),
    "convnext_small": (
        "ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
        "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab",
    ),
    "convnext_base": (
        "52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
        "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45",
    ),
    "convnext_large": (
        "070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
        "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd",
    ),
    "convnext_xlarge": (
        "c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
        "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05",
    ),
}
MODEL_CONFIGS: dict[str, dict[str, Any]] = {
    "tiny": {"depths": [3, 3, 9, 3], "projection_dims": [96, 192, 384, 768],
             "default_size": 224},
    "small": {"depths": [3, 3, 27, 3], "projection_dims": [96, 192, 384, 768],
              "default_size": 224},
    "base": {"depths": [3, 3, 27, 3], "projection_dims": [128, 256, 512, 1024],
             "default_size": 224},
    "large": {"depths": [3, 3, 27, 3], "projection_dims": [192, 384, 768, 1536],
              "default_size": 224},
    "xlarge": {"depths": [3, 3, 27, 3], "projection_dims": [256, 512, 1024, 2048],
               "default_size": 224},
}  # fmt: skip


class StochasticDepth(Layer):
    """Stochastic depth (drop path): while training, drops each sample's
    residual branch with probability `drop_path_rate` and scales the kept
    ones by `1 / (1 - drop_path_rate)`; the identity at inference.

    Args:
        drop_path_rate: float in [0, 1), the probability of dropping a
            sample's branch.
    """

    def __init__(self, drop_path_rate: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(drop_path_rate, bool) or not 0 <= drop_path_rate < 1:
            raise ValueError(
                f"Layer '{self.name}' expected `drop_path_rate` in [0, 1). "
                f"Received: drop_path_rate={drop_path_rate!r}"
            )
        self.drop_path_rate = drop_path_rate
        # One draw per sample, from the layer's own generator so each
        # compiled training step draws anew.
        self._seed_generator = SeedGenerator(int(_stream.make_rng().integers(0, 2**31 - 1)))

    def call(self, x: Any, training: bool | None = None) -> Any:
        if not training or self.drop_path_rate == 0:
            return x
        noise_shape = (None,) + (1,) * (len(x.shape) - 1)
        return random.dropout(
            x, self.drop_path_rate, noise_shape=noise_shape, seed=self._seed_generator
        )

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"drop_path_rate": self.drop_path_rate})
        return config


class LayerScale(Layer):
    """Multiplies its input by a learned per-channel scale (CaiT's layer
    scale), initialized to `init_values`.

    Args:
        init_values: the scale's initial value.
        projection_dim: the number of channels (the last axis).
    """

    def __init__(self, init_values: float, projection_dim: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = projection_dim

    def build(self, _: Any) -> None:
        # Unnamed, as in Keras (the weight files store it by position).
        self.gamma = self.add_weight(
            shape=(self.projection_dim,),
            initializer=initializers.Constant(self.init_values),
            trainable=True,
        )
        self.built = True

    def call(self, x: Any) -> Any:
        return x * self.gamma

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"init_values": self.init_values, "projection_dim": self.projection_dim})
        return config


def ConvNeXtBlock(projection_dim: int, drop_path_rate: float = 0.0,
                  layer_scale_init_value: float | None = 1e-6,
                  name: str | None = None) -> Callable[[Any], Any]:  # fmt: skip
    """A ConvNeXt block: depthwise 7x7, LayerNorm, an inverted MLP and the
    residual sum (with layer scale and stochastic depth)."""
    if name is None:
        name = f"prestem{get_uid('prestem')}"

    def apply(inputs: Any) -> Any:
        x = layers.Conv2D(filters=projection_dim, kernel_size=7, padding="same",
                          groups=projection_dim, name=f"{name}_depthwise_conv")(inputs)  # fmt: skip
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(x)
        x = layers.Dense(4 * projection_dim, name=f"{name}_pointwise_conv_1")(x)
        x = layers.Activation("gelu", name=f"{name}_gelu")(x)
        x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim,
                           name=f"{name}_layer_scale")(x)  # fmt: skip
        if drop_path_rate:
            layer: Layer = StochasticDepth(drop_path_rate, name=f"{name}_stochastic_depth")
        else:
            layer = layers.Activation("linear", name=f"{name}_identity")
        return inputs + layer(x)

    return apply


def PreStem(name: str | None = None) -> Callable[[Any], Any]:
    """Normalizes [0, 255] pixels by the ImageNet mean and variance."""
    if name is None:
        name = f"prestem{get_uid('prestem')}"

    def apply(x: Any) -> Any:
        return layers.Normalization(
            mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
            variance=[(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2],
            name=f"{name}_prestem_normalization",
        )(x)

    return apply


def Head(num_classes: int = 1000, classifier_activation: Any = None,
         name: str | None = None) -> Callable[[Any], Any]:  # fmt: skip
    """The classifier: global average pooling, LayerNorm and Dense."""
    if name is None:
        name = str(get_uid("head"))

    def apply(x: Any) -> Any:
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_head_layernorm")(x)
        return layers.Dense(num_classes, activation=classifier_activation,
                            name=f"{name}_head_dense")(x)  # fmt: skip

    return apply


def _downsampling(name: str, projection_dims: list[int]) -> list[Sequential]:
    """The stem (patchify 4x4) and the three LayerNorm + 2x2 strided
    convolutions between stages, as Sequential models (Keras's nesting)."""
    stem = Sequential([
        layers.Conv2D(projection_dims[0], kernel_size=4, strides=4, name=f"{name}_stem_conv"),
        layers.LayerNormalization(epsilon=1e-6, name=f"{name}_stem_layernorm"),
    ], name=f"{name}_stem")  # fmt: skip
    blocks = [stem]
    for i in range(3):
        blocks.append(Sequential([
            layers.LayerNormalization(epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"),
            layers.Conv2D(projection_dims[i + 1], kernel_size=2, strides=2,
                          name=f"{name}_downsampling_conv_{i}"),
        ], name=f"{name}_downsampling_block_{i}"))  # fmt: skip
    return blocks


def ConvNeXt(depths: list[int], projection_dims: list[int], drop_path_rate: float = 0.0,
             layer_scale_init_value: float | None = 1e-6, default_size: int = 224,
             name: str = "convnext", include_preprocessing: bool = True,
             include_top: bool = True, weights: str | None = None, input_tensor: Any = None,
             input_shape: Any = None, pooling: str | None = None, classes: int = 1000,
             classifier_activation: Any = "softmax",
             weights_name: str | None = None) -> Model:  # fmt: skip
    """A ConvNeXt of the given stage depths and widths (Keras's layer names)."""
    if default_data_format() == "channels_first":
        raise ValueError(
            "ConvNeXt does not support the `channels_first` image data format. Switch to "
            "`channels_last` by editing your local config file at ~/.keras/keras.json"
        )
    U.check_weights_arg(weights, include_top, classes)
    input_shape = U.obtain_input_shape(
        input_shape, default_size, 32, default_data_format(), include_top, weights
    )
    img_input = U.model_input(input_tensor, input_shape)
    inputs = img_input if input_tensor is None else get_source_inputs(input_tensor)[0]
    x = img_input
    if include_preprocessing and input_shape[2] == 3:
        x = PreStem(name=name)(x)
    downsample_layers = _downsampling(name, projection_dims)
    depth_drop_rates = [float(r) for r in np.linspace(0.0, drop_path_rate, sum(depths))]
    cur = 0
    for i in range(4):
        x = downsample_layers[i](x)
        for j in range(depths[i]):
            x = ConvNeXtBlock(projection_dim=projection_dims[i],
                              drop_path_rate=depth_drop_rates[cur + j],
                              layer_scale_init_value=layer_scale_init_value,
                              name=f"{name}_stage_{i}_block_{j}")(x)  # fmt: skip
        cur += depths[i]
    if include_top:
        U.validate_activation(classifier_activation, weights)
        x = Head(num_classes=classes, classifier_activation=classifier_activation, name=name)(x)
    else:
        if pooling == "avg":
            x = layers.GlobalAveragePooling2D()(x)
        elif pooling == "max":
            x = layers.GlobalMaxPooling2D()(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
    model = Model(inputs=inputs, outputs=x, name=name)
    if weights == "imagenet":
        _check_pretrained_config(weights_name, depths, projection_dims, name)
        assert weights_name is not None
        suffix, file_hash = (".h5", WEIGHTS_HASHES[weights_name][0]) if include_top else (
            "_notop.h5", WEIGHTS_HASHES[weights_name][1])  # fmt: skip
        file_name = name + suffix
        model.load_weights(U.fetch_weights(file_name, BASE_WEIGHTS_PATH + file_name, file_hash))
    elif weights is not None:
        model.load_weights(weights)
    return model


def _check_pretrained_config(weights_name: str | None, depths: list[int],
                             projection_dims: list[int], name: str) -> None:  # fmt: skip
    if weights_name not in WEIGHTS_HASHES:
        raise ValueError(
            f"There are no imagenet weights for this ConvNeXt; `weights_name` must be one of "
            f"{sorted(WEIGHTS_HASHES)}. Received: weights_name={weights_name!r}"
        )
    expected = MODEL_CONFIGS[weights_name.split("convnext_")[-1]]
    if depths != expected["depths"] or projection_dims != expected["projection_dims"]:
        raise ValueError(
            f"Architecture configuration does not match {weights_name} variant. When using "
            "pre-trained weights, the model architecture must match the pre-trained "
            f"configuration exactly. Expected depths: {expected['depths']}, got: {depths}. "
            f"Expected projection_dims: {expected['projection_dims']}, got: {projection_dims}."
        )
    if weights_name not in name:
        raise ValueError(
            f'Model name "{name}" does not match weights variant "{weights_name}". When using '
            "imagenet weights, model name must contain the weights variant (e.g., "
            f'"convnext_{weights_name.split("convnext_")[-1]}").'
        )


_DOC = """Instantiates the {title} architecture (Keras's layer names).

    The model takes pixels in [0, 255]: its first layer normalizes them by
    the ImageNet mean and variance (unless `include_preprocessing=False`).

    Args:
        include_top: include the classifier (pooling, LayerNorm and Dense).
        include_preprocessing: normalize the inputs inside the model.
        weights: None (random initialization), "imagenet" (Keras's
            pretrained file, fetched into the Keras cache on first use), or
            the path to a weights file.
        input_tensor: optional Keras tensor to use as image input.
        input_shape: optional shape tuple, only with `include_top=False`
            (at least 32x32); default `(224, 224, 3)`.
        pooling: with `include_top=False`: None, "avg" or "max" (then a
            LayerNorm, as in Keras).
        classes: number of classes (with `include_top=True` and no weights).
        classifier_activation: the top layer's activation.
        name: the model's name.

    Returns:
        A Model instance ({params} parameters with the top).
    """

_PARAMS = {"tiny": "28,589,128", "small": "50,223,688", "base": "88,591,464",
           "large": "197,767,336", "xlarge": "350,196,968"}  # fmt: skip


def _variant(size: str) -> Callable[..., Model]:
    title = f"ConvNeXt{'XLarge' if size == 'xlarge' else size.title()}"
    config = MODEL_CONFIGS[size]

    def build(include_top: bool = True, include_preprocessing: bool = True,
              weights: str | None = "imagenet", input_tensor: Any = None,
              input_shape: Any = None, pooling: str | None = None, classes: int = 1000,
              classifier_activation: Any = "softmax",
              name: str = f"convnext_{size}") -> Model:  # fmt: skip
        return ConvNeXt(
            weights_name=f"convnext_{size}", depths=config["depths"],
            projection_dims=config["projection_dims"], drop_path_rate=0.0,
            layer_scale_init_value=1e-6, default_size=config["default_size"], name=name,
            include_top=include_top, include_preprocessing=include_preprocessing,
            weights=weights, input_tensor=input_tensor, input_shape=input_shape,
            pooling=pooling, classes=classes, classifier_activation=classifier_activation,
        )  # fmt: skip

    build.__name__ = build.__qualname__ = title
    build.__doc__ = _DOC.format(title=title, params=_PARAMS[size])
    return build


ConvNeXtTiny = _variant("tiny")
ConvNeXtSmall = _variant("small")
ConvNeXtBase = _variant("base")
ConvNeXtLarge = _variant("large")
ConvNeXtXLarge = _variant("xlarge")


def preprocess_input(x: TensorLike, data_format: str | None = None) -> TensorLike:
    """The identity (ConvNeXt models normalize inside), as in Keras."""
    return x


def decode_predictions(preds: npt.ArrayLike, top: int = 5) -> list[list[tuple[Any, ...]]]:
    """Decodes ImageNet predictions (see `imagenet_utils.decode_predictions`)."""
    return U.decode_predictions(preds, top=top)
