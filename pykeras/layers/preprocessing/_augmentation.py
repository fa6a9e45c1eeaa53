"""The augmentation layers ported from Keras 3's `image_preprocessing`
package, gathered so `pykeras.layers` imports them in one place."""

from __future__ import annotations

from pykeras.layers.preprocessing.aug_mix import AugMix
from pykeras.layers.preprocessing.auto_contrast import AutoContrast
from pykeras.layers.preprocessing.clahe import ContrastLimitedAdaptiveHistogramEqualization
from pykeras.layers.preprocessing.cut_mix import CutMix
from pykeras.layers.preprocessing.equalization import Equalization
from pykeras.layers.preprocessing.max_num_bounding_boxes import MaxNumBoundingBoxes
from pykeras.layers.preprocessing.mix_up import MixUp
from pykeras.layers.preprocessing.pipeline import Pipeline
from pykeras.layers.preprocessing.rand_augment import RandAugment
from pykeras.layers.preprocessing.random_color_degeneration import RandomColorDegeneration
from pykeras.layers.preprocessing.random_color_jitter import RandomColorJitter
from pykeras.layers.preprocessing.random_elastic_transform import RandomElasticTransform
from pykeras.layers.preprocessing.random_erasing import RandomErasing
from pykeras.layers.preprocessing.random_gaussian_blur import RandomGaussianBlur
from pykeras.layers.preprocessing.random_grayscale import RandomGrayscale
from pykeras.layers.preprocessing.random_hue import RandomHue
from pykeras.layers.preprocessing.random_invert import RandomInvert
from pykeras.layers.preprocessing.random_perspective import RandomPerspective
from pykeras.layers.preprocessing.random_posterization import RandomPosterization
from pykeras.layers.preprocessing.random_saturation import RandomSaturation
from pykeras.layers.preprocessing.random_sharpness import RandomSharpness
from pykeras.layers.preprocessing.random_shear import RandomShear
from pykeras.layers.preprocessing.solarization import Solarization

__all__ = [
    "AugMix",
    "AutoContrast",
    "ContrastLimitedAdaptiveHistogramEqualization",
    "CutMix",
    "Equalization",
    "MaxNumBoundingBoxes",
    "MixUp",
    "Pipeline",
    "RandAugment",
    "RandomColorDegeneration",
    "RandomColorJitter",
    "RandomElasticTransform",
    "RandomErasing",
    "RandomGaussianBlur",
    "RandomGrayscale",
    "RandomHue",
    "RandomInvert",
    "RandomPerspective",
    "RandomPosterization",
    "RandomSaturation",
    "RandomSharpness",
    "RandomShear",
    "Solarization",
]
