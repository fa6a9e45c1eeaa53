"""pykeras.layers: Keras's layers, one per file."""

from __future__ import annotations

from pykeras.layers.activations.elu import ELU
from pykeras.layers.activations.leaky_relu import LeakyReLU
from pykeras.layers.activations.relu import ReLU
from pykeras.layers.activations.softmax import Softmax
from pykeras.layers.convolutional.conv1d import Conv1D
from pykeras.layers.convolutional.conv2d import Conv2D
from pykeras.layers.core.activation import Activation
from pykeras.layers.core.dense import Dense
from pykeras.layers.core.embedding import Embedding
from pykeras.layers.core.lambda_layer import Lambda
from pykeras.layers.input_layer import Input, InputLayer
from pykeras.layers.input_spec import InputSpec
from pykeras.layers.layer import Layer
from pykeras.layers.merge_functions import (
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from pykeras.layers.merging.add import Add
from pykeras.layers.merging.average import Average
from pykeras.layers.merging.concatenate import Concatenate
from pykeras.layers.merging.dot import Dot
from pykeras.layers.merging.maximum import Maximum
from pykeras.layers.merging.minimum import Minimum
from pykeras.layers.merging.multiply import Multiply
from pykeras.layers.merging.subtract import Subtract
from pykeras.layers.normalization.batch_normalization import BatchNormalization
from pykeras.layers.normalization.layer_normalization import LayerNormalization
from pykeras.layers.pooling.average_pooling1d import AveragePooling1D
from pykeras.layers.pooling.average_pooling2d import AveragePooling2D
from pykeras.layers.pooling.global_average_pooling1d import GlobalAveragePooling1D
from pykeras.layers.pooling.global_average_pooling2d import GlobalAveragePooling2D
from pykeras.layers.pooling.global_max_pooling1d import GlobalMaxPooling1D
from pykeras.layers.pooling.global_max_pooling2d import GlobalMaxPooling2D
from pykeras.layers.pooling.max_pooling1d import MaxPooling1D
from pykeras.layers.pooling.max_pooling2d import MaxPooling2D
from pykeras.layers.regularization.dropout import Dropout
from pykeras.layers.reshaping.flatten import Flatten
from pykeras.layers.reshaping.permute import Permute
from pykeras.layers.reshaping.repeat_vector import RepeatVector
from pykeras.layers.reshaping.reshape import Reshape
from pykeras.layers.reshaping.up_sampling2d import UpSampling2D
from pykeras.layers.reshaping.zero_padding2d import ZeroPadding2D
from pykeras.layers.serialization import deserialize, serialize

# Keras's alternative names.
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
Convolution1D = Conv1D
Convolution2D = Conv2D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D

__all__ = [
    "Activation",
    "Add",
    "Average",
    "AveragePooling1D",
    "AveragePooling2D",
    "AvgPool1D",
    "AvgPool2D",
    "BatchNormalization",
    "Concatenate",
    "Conv1D",
    "Conv2D",
    "Convolution1D",
    "Convolution2D",
    "Dense",
    "Dot",
    "Dropout",
    "ELU",
    "Embedding",
    "Flatten",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "Input",
    "InputLayer",
    "InputSpec",
    "Lambda",
    "Layer",
    "LayerNormalization",
    "LeakyReLU",
    "MaxPool1D",
    "MaxPool2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "Maximum",
    "Minimum",
    "Multiply",
    "Permute",
    "ReLU",
    "RepeatVector",
    "Reshape",
    "Softmax",
    "Subtract",
    "UpSampling2D",
    "ZeroPadding2D",
    "add",
    "average",
    "concatenate",
    "deserialize",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "serialize",
    "subtract",
]

# The vision layers (issue 18): convolution family, 3-D pooling, reshaping,
# noise and preprocessing, listed in their own module.
from pykeras.layers import _vision  # noqa: E402
from pykeras.layers._vision import *  # noqa: E402, F403

__all__ += _vision.__all__

# The transformer layers (issue 17): attention, EinsumDense, normalizations,
# PReLU, listed in their own module.
from pykeras.layers import _attention  # noqa: E402
from pykeras.layers._attention import *  # noqa: E402, F403

__all__ += _attention.__all__

# Recurrent layers and masking (pykeras/layers/rnn, core/masking.py).
from pykeras.layers.core.masking import Masking  # noqa: E402
from pykeras.layers.rnn import *  # noqa: E402, F403
from pykeras.layers.rnn import __all__ as _rnn_all  # noqa: E402

__all__ += ["Masking"] + _rnn_all

# The augmentation layers of Keras 3's image_preprocessing package (colour,
# histogram, mixing and warping), listed in their own module.
from pykeras.layers.preprocessing import _augmentation  # noqa: E402
from pykeras.layers.preprocessing._augmentation import *  # noqa: E402, F403

__all__ += _augmentation.__all__

# Adaptive pooling, Identity, Wrapper, SpectralNormalization,
# ReversibleEmbedding and the audio spectrograms, listed in their own module.
from pykeras.layers import _misc  # noqa: E402
from pykeras.layers._misc import *  # noqa: E402, F403

__all__ += _misc.__all__

# The lookup, hashing, encoding and text layers (issue 18), listed in their own module.
from pykeras.layers.preprocessing import _lookup  # noqa: E402
from pykeras.layers.preprocessing._lookup import *  # noqa: E402, F403

__all__ += _lookup.__all__
