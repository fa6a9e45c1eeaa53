"""The small models of the batch-norm fusion fixtures, built from either
`keras` or `pykeras` (passed in) so the generator and the test build the same
graph: a convolution or Dense layer, BatchNormalization and an activation in
the orders ResNet, MobileNetV2 and EfficientNet use, in both data formats,
and one case where the convolution's output has a second reader."""

INPUT_SHAPES = {
    "channels_last": (6, 7, 3),
    "channels_first": (3, 6, 7),
    "dense": (6,),
}

# name: (data_format, layer, use_bias, batch-norm axis, activation, shared)
CASES = {
    "conv_relu_bias": ("channels_last", "conv", True, -1, "relu", False),
    "conv_relu6_axis3": ("channels_last", "conv", False, 3, "relu6", False),
    "conv_swish": ("channels_last", "conv", True, -1, "swish", False),
    "conv_gelu": ("channels_last", "conv", False, -1, "gelu", False),
    "conv_first_swish": ("channels_first", "conv", True, 1, "swish", False),
    "conv_first_relu": ("channels_first", "conv", False, 1, "relu", False),
    "conv_shared_reader": ("channels_last", "conv", True, -1, "relu", True),
    "dense_sigmoid": ("dense", "dense", True, -1, "sigmoid", False),
    "dense_none": ("dense", "dense", False, -1, None, False),
}


def build(keras, name):
    """The model of case `name`, built with `keras` (Keras 3 or pykeras)."""
    data_format, kind, use_bias, axis, activation, shared = CASES[name]
    layers = keras.layers
    inputs = keras.Input(INPUT_SHAPES[data_format])
    if kind == "dense":
        h = layers.Dense(5, use_bias=use_bias)(inputs)
    else:
        h = layers.Conv2D(4, 3, padding="same", use_bias=use_bias, data_format=data_format)(inputs)
    y = layers.BatchNormalization(axis=axis)(h)
    if activation == "relu6":
        y = layers.ReLU(6.0)(y)
    elif activation is not None:
        y = layers.Activation(activation)(y)
    if shared:
        y = layers.Add()([y, h])
    return keras.Model(inputs, y)
