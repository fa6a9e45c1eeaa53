"""The HTK mel filterbank matrix, computed as Keras's MelSpectrogram computes it."""

from __future__ import annotations

import numpy as np

# HTK's mel scale: mel(f) = 1127 * ln(1 + f / 700).
_MEL_BREAK_FREQUENCY_HERTZ = np.float32(700.0)
_MEL_HIGH_FREQUENCY_Q = np.float32(1127.0)


def hertz_to_mel(frequencies_hertz: np.ndarray) -> np.ndarray:
    """Frequencies in Hertz on the mel scale (float32)."""
    f = np.asarray(frequencies_hertz, np.float32)
    return (
        _MEL_HIGH_FREQUENCY_Q * np.log(np.float32(1.0) + f / _MEL_BREAK_FREQUENCY_HERTZ)
    ).astype(np.float32)


def linear_to_mel_weight_matrix(
    num_mel_bins: int,
    num_spectrogram_bins: int,
    sampling_rate: float,
    lower_edge_hertz: float,
    upper_edge_hertz: float,
) -> np.ndarray:
    """A `(num_spectrogram_bins, num_mel_bins)` matrix mapping a linear
    spectrum on `[0, sampling_rate / 2]` to triangular mel bands on
    `[lower_edge_hertz, upper_edge_hertz]`, each peaking at 1.0; the DC bin
    maps to nothing. Float32 step by step, as Keras computes it."""
    f32 = np.float32
    nyquist = f32(sampling_rate) / f32(2.0)
    linear = np.linspace(f32(0.0), nyquist, num_spectrogram_bins, dtype=np.float32)[1:]
    bins_mel = hertz_to_mel(linear)[:, None]
    edges = np.linspace(
        hertz_to_mel(np.float32(lower_edge_hertz)),
        hertz_to_mel(np.float32(upper_edge_hertz)),
        num_mel_bins + 2,
        dtype=np.float32,
    )
    lower, center, upper = (edges[i : i + num_mel_bins][None, :] for i in range(3))
    with np.errstate(divide="ignore", invalid="ignore"):
        lower_slopes = (bins_mel - lower) / (center - lower)
        upper_slopes = (upper - bins_mel) / (upper - center)
    weights = np.maximum(f32(0.0), np.minimum(lower_slopes, upper_slopes))
    return np.pad(weights, [[1, 0], [0, 0]]).astype(np.float32)
