"""Layers of Keras 3.15 outside the vision, transformer and recurrent families:
adaptive pooling, Identity, Wrapper, SpectralNormalization,
ReversibleEmbedding and the audio spectrograms, gathered so `pykeras.layers`
imports them in one place."""

from __future__ import annotations

from pykeras.layers.audio.mel_spectrogram import MelSpectrogram
from pykeras.layers.audio.stft_spectrogram import STFTSpectrogram
from pykeras.layers.core.identity import Identity
from pykeras.layers.core.reversible_embedding import ReversibleEmbedding
from pykeras.layers.core.wrapper import Wrapper
from pykeras.layers.normalization.spectral_normalization import SpectralNormalization
from pykeras.layers.pooling.adaptive_average_pooling import (
    AdaptiveAveragePooling1D,
    AdaptiveAveragePooling2D,
    AdaptiveAveragePooling3D,
)
from pykeras.layers.pooling.adaptive_max_pooling import (
    AdaptiveMaxPooling1D,
    AdaptiveMaxPooling2D,
    AdaptiveMaxPooling3D,
)

__all__ = [
    "AdaptiveAveragePooling1D",
    "AdaptiveAveragePooling2D",
    "AdaptiveAveragePooling3D",
    "AdaptiveMaxPooling1D",
    "AdaptiveMaxPooling2D",
    "AdaptiveMaxPooling3D",
    "Identity",
    "MelSpectrogram",
    "ReversibleEmbedding",
    "STFTSpectrogram",
    "SpectralNormalization",
    "Wrapper",
]
