"""The vision layers of issue 18 (convolution family, 3-D pooling, reshaping,
noise and preprocessing), gathered so `pykeras.layers` imports them in one
place."""

from __future__ import annotations

from pykeras.layers.convolutional.conv1d_transpose import Conv1DTranspose
from pykeras.layers.convolutional.conv2d_transpose import Conv2DTranspose
from pykeras.layers.convolutional.conv3d import Conv3D
from pykeras.layers.convolutional.conv3d_transpose import Conv3DTranspose
from pykeras.layers.convolutional.depthwise_conv1d import DepthwiseConv1D
from pykeras.layers.convolutional.depthwise_conv2d import DepthwiseConv2D
from pykeras.layers.convolutional.separable_conv1d import SeparableConv1D
from pykeras.layers.convolutional.separable_conv2d import SeparableConv2D
from pykeras.layers.pooling.average_pooling3d import AveragePooling3D
from pykeras.layers.pooling.global_average_pooling3d import GlobalAveragePooling3D
from pykeras.layers.pooling.global_max_pooling3d import GlobalMaxPooling3D
from pykeras.layers.pooling.max_pooling3d import MaxPooling3D
from pykeras.layers.preprocessing.center_crop import CenterCrop
from pykeras.layers.preprocessing.normalization import Normalization
from pykeras.layers.preprocessing.random_brightness import RandomBrightness
from pykeras.layers.preprocessing.random_contrast import RandomContrast
from pykeras.layers.preprocessing.random_crop import RandomCrop
from pykeras.layers.preprocessing.random_flip import RandomFlip
from pykeras.layers.preprocessing.random_rotation import RandomRotation
from pykeras.layers.preprocessing.random_translation import RandomTranslation
from pykeras.layers.preprocessing.random_zoom import RandomZoom
from pykeras.layers.preprocessing.rescaling import Rescaling
from pykeras.layers.preprocessing.resizing import Resizing
from pykeras.layers.regularization.activity_regularization import ActivityRegularization
from pykeras.layers.regularization.alpha_dropout import AlphaDropout
from pykeras.layers.regularization.gaussian_dropout import GaussianDropout
from pykeras.layers.regularization.gaussian_noise import GaussianNoise
from pykeras.layers.regularization.spatial_dropout import (
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from pykeras.layers.reshaping.cropping1d import Cropping1D
from pykeras.layers.reshaping.cropping2d import Cropping2D
from pykeras.layers.reshaping.cropping3d import Cropping3D
from pykeras.layers.reshaping.up_sampling1d import UpSampling1D
from pykeras.layers.reshaping.up_sampling3d import UpSampling3D
from pykeras.layers.reshaping.zero_padding1d import ZeroPadding1D
from pykeras.layers.reshaping.zero_padding3d import ZeroPadding3D

# Keras's alternative names.
AvgPool3D = AveragePooling3D
Convolution1DTranspose = Conv1DTranspose
Convolution3D = Conv3D
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
GlobalAvgPool3D = GlobalAveragePooling3D
GlobalMaxPool3D = GlobalMaxPooling3D
MaxPool3D = MaxPooling3D

__all__ = [
    "ActivityRegularization",
    "AlphaDropout",
    "AveragePooling3D",
    "AvgPool3D",
    "CenterCrop",
    "Conv1DTranspose",
    "Conv2DTranspose",
    "Conv3D",
    "Conv3DTranspose",
    "Convolution1DTranspose",
    "Convolution2DTranspose",
    "Convolution3D",
    "Convolution3DTranspose",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "GaussianDropout",
    "GaussianNoise",
    "GlobalAveragePooling3D",
    "GlobalAvgPool3D",
    "GlobalMaxPool3D",
    "GlobalMaxPooling3D",
    "MaxPool3D",
    "MaxPooling3D",
    "Normalization",
    "RandomBrightness",
    "RandomContrast",
    "RandomCrop",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "Rescaling",
    "Resizing",
    "SeparableConv1D",
    "SeparableConv2D",
    "SeparableConvolution1D",
    "SeparableConvolution2D",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "UpSampling1D",
    "UpSampling3D",
    "ZeroPadding1D",
    "ZeroPadding3D",
]
