"""MelSpectrogram: raw audio to (decibel) mel spectrograms."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras import ops
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.layers.audio.mel_scale import linear_to_mel_weight_matrix
from pykeras.layers.layer import Layer


class MelSpectrogram(Layer):
    """A preprocessing layer to convert raw audio signals to Mel spectrograms.

    The signal's short-time Fourier transform (frames centred on multiples of
    `sequence_stride`, reflect-padded) gives magnitudes raised to `mag_exp`,
    which HTK-style triangular filters map to `num_mel_bins` mel bands
    between `min_freq` and `max_freq`; with `power_to_db` the result is in
    decibels relative to `ref_power`, floored at `top_db` below the largest
    value of the whole batch (as Keras does). The layer has no weights.

    Args:
        fft_length: Integer, the size of each FFT window. Defaults to 2048.
        sequence_stride: Integer, the hop between frames. Defaults to 512.
        sequence_length: Integer, the window length; defaults to
            `fft_length`.
        window: `"hann"` (default), `"hamming"` or None.
        sampling_rate: Integer, the signal's sampling rate. Defaults to
            16000.
        num_mel_bins: Integer, the number of mel bands. Defaults to 128.
        min_freq: Float, the lowest band edge in Hz. Defaults to 20.0.
        max_freq: Float, the highest band edge in Hz; defaults to
            `sampling_rate / 2`.
        power_to_db: Boolean, whether to convert to decibels. Defaults to
            True.
        top_db: Float, the dynamic range kept below the maximum, in dB.
            Defaults to 80.0.
        mag_exp: Float, the exponent of the magnitudes (2.0: power).
        min_power: Float, the floor of the power before the logarithm.
            Defaults to 1e-10.
        ref_power: Float, the power of 0 dB. Defaults to 1.0.

    Input shape: `(samples,)` or `(batch, samples)`.
    Output shape: `(num_mel_bins, frames)` or `(batch, num_mel_bins, frames)`,
    with `frames = 1 + (samples + 2 * (fft_length // 2) - fft_length) //
    sequence_stride`.

    Example:

    >>> layer = MelSpectrogram(num_mel_bins=64, sampling_rate=8000)
    >>> layer(np.random.rand(2, 8000)).shape
    (2, 64, 16)
    """

    def __init__(
        self,
        fft_length: int = 2048,
        sequence_stride: int = 512,
        sequence_length: int | None = None,
        window: str | None = "hann",
        sampling_rate: int = 16000,
        num_mel_bins: int = 128,
        min_freq: float = 20.0,
        max_freq: float | None = None,
        power_to_db: bool = True,
        top_db: float = 80.0,
        mag_exp: float = 2.0,
        min_power: float = 1e-10,
        ref_power: float = 1.0,
        **kwargs: Any,
    ) -> None:
        self.fft_length = fft_length
        self.sequence_stride = sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise InvalidArgumentError(
                "`fft_length` must be greater than or equal to `sequence_length`. Received: "
                f"`sequence_length`={self.sequence_length}, `fft_length`={self.fft_length}."
            )
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        self.power_to_db = power_to_db
        self.top_db = top_db
        self.mag_exp = mag_exp
        self.min_power = min_power
        self.ref_power = ref_power
        super().__init__(**kwargs)
        self._mel_matrix = linear_to_mel_weight_matrix(
            num_mel_bins=self.num_mel_bins,
            num_spectrogram_bins=self.fft_length // 2 + 1,
            sampling_rate=self.sampling_rate,
            lower_edge_hertz=self.min_freq,
            upper_edge_hertz=self.max_freq,
        )

    def _frames(self, samples: int | None) -> int | None:
        if samples is None:
            return None
        pad = self.fft_length // 2
        return 1 + (samples + 2 * pad - self.fft_length) // self.sequence_stride

    def call(self, inputs: Any) -> Any:
        shape = tuple(inputs.shape)
        if len(shape) not in (1, 2):
            raise ShapeError(
                f"Layer '{self.name}' (MelSpectrogram) expected a 1D (unbatched) or 2D "
                f"(batched) signal. Received: inputs.shape={shape}"
            )
        real, imag = ops.stft(
            inputs,
            sequence_length=self.sequence_length,
            sequence_stride=self.sequence_stride,
            fft_length=self.fft_length,
            window=self.window,
            center=True,
        )
        spec = ops.sqrt(ops.add(ops.square(real), ops.square(imag)))
        spec = ops.power(spec, self.mag_exp)
        outputs = ops.tensordot(spec, self._mel_matrix, axes=1)
        if self.power_to_db:
            outputs = self._dbscale(outputs)
        return ops.swapaxes(outputs, -1, -2)

    def _dbscale(self, inputs: Any) -> Any:
        log_spec = ops.multiply(10.0, ops.log10(ops.maximum(inputs, self.min_power)))
        ref = max(abs(float(self.ref_power)), self.min_power)
        log_spec = ops.subtract(log_spec, np.float32(10.0 * np.log10(np.float32(ref))))
        # The floor follows the largest value of the whole batch, as in Keras.
        return ops.maximum(log_spec, ops.subtract(ops.max(log_spec), self.top_db))

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = tuple(input_shape)
        if len(shape) == 1:
            return (self.num_mel_bins, self._frames(shape[0]))
        return (shape[0], self.num_mel_bins, self._frames(shape[1]))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "fft_length": self.fft_length,
                "sequence_stride": self.sequence_stride,
                "sequence_length": self.sequence_length,
                "window": self.window,
                "sampling_rate": self.sampling_rate,
                "num_mel_bins": self.num_mel_bins,
                "min_freq": self.min_freq,
                "max_freq": self.max_freq,
                "power_to_db": self.power_to_db,
                "top_db": self.top_db,
                "mag_exp": self.mag_exp,
                "min_power": self.min_power,
                "ref_power": self.ref_power,
            }
        )
        return config
