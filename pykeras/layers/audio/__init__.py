"""Audio layers: STFT and mel spectrograms (Keras files them under preprocessing)."""

from __future__ import annotations

from pykeras.layers.audio.mel_spectrogram import MelSpectrogram
from pykeras.layers.audio.stft_spectrogram import STFTSpectrogram

__all__ = ["MelSpectrogram", "STFTSpectrogram"]
