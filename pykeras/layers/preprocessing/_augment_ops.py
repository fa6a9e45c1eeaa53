"""The augmentation operations RandAugment and AugMix choose from, made as
Keras 3 makes them: each a layer built from the one `factor` pair, with
the owner's value range, interpolation, seed and data format."""

from __future__ import annotations

from typing import Any

from pykeras.layers.layer import Layer
from pykeras.layers.preprocessing.auto_contrast import AutoContrast
from pykeras.layers.preprocessing.equalization import Equalization
from pykeras.layers.preprocessing.random_brightness import RandomBrightness
from pykeras.layers.preprocessing.random_color_degeneration import RandomColorDegeneration
from pykeras.layers.preprocessing.random_contrast import RandomContrast
from pykeras.layers.preprocessing.random_posterization import RandomPosterization
from pykeras.layers.preprocessing.random_rotation import RandomRotation
from pykeras.layers.preprocessing.random_sharpness import RandomSharpness
from pykeras.layers.preprocessing.random_shear import RandomShear
from pykeras.layers.preprocessing.random_translation import RandomTranslation
from pykeras.layers.preprocessing.solarization import Solarization

GEOMETRIC = ("random_shear", "random_translation", "random_rotation")


def make(
    name: str,
    factor: Any,
    value_range: Any,
    interpolation: str,
    seed: int | None,
    data_format: str | None,
) -> Layer:
    """The operation `name` (a Keras attribute name such as "random_shear")."""
    common: dict[str, Any] = {"data_format": data_format}
    seeded = dict(common, seed=seed)
    ranged = dict(seeded, value_range=value_range)
    if name == "random_shear":
        return RandomShear(x_factor=factor, y_factor=factor, interpolation=interpolation, **seeded)
    if name == "random_translation":
        return RandomTranslation(height_factor=factor, width_factor=factor,
                                 interpolation=interpolation, **seeded)  # fmt: skip
    if name == "random_rotation":
        return RandomRotation(factor=factor, interpolation=interpolation, **seeded)
    if name == "random_posterization":
        return RandomPosterization(factor=max(1, int(8 * factor[1])), **ranged)
    if name == "solarization":
        return Solarization(addition_factor=factor, threshold_factor=factor, **ranged)
    if name == "auto_contrast":
        return AutoContrast(value_range=value_range, **common)
    if name == "equalization":
        return Equalization(value_range=value_range, **common)
    makers = {
        "random_brightness": RandomBrightness,
        "random_color_degeneration": RandomColorDegeneration,
        "random_contrast": RandomContrast,
        "random_sharpness": RandomSharpness,
    }
    return makers[name](factor=factor, **ranged)
