"""STFTSpectrogram: spectrograms of 1D signals by convolution with DFT kernels."""

from __future__ import annotations

import math
import warnings
from typing import Any, cast

import numpy as np

from pykeras import config, initializers, ops
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.layers.input_spec import InputSpec
from pykeras.layers.layer import Layer

_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")


def _conv_output_length(length: int | None, frame_length: int, step: int, padding: str) -> Any:
    if length is None:
        return None
    if padding == "same":
        return -(-length // step)
    return (length - frame_length) // step + 1


class STFTSpectrogram(Layer):
    """Layer to compute the Short-Time Fourier Transform (STFT) on a 1D signal.

    The spectrogram is computed by a strided 1D convolution of each channel
    with windowed cosine and sine kernels (`real_kernel`, `imag_kernel`, of
    shape `(frame_length, 1, fft_length // 2 + 1)`, made by
    `keras.initializers.STFT`), so the kernels can be trained. The output
    is the log magnitude, magnitude, power spectral density, real or
    imaginary part, phase, or both parts (`mode="stft"`).

    Args:
        mode: String, the output type of the spectrogram: `"log"`,
            `"magnitude"`, `"psd"`, `"real"`, `"imag"`, `"angle"` or `"stft"`.
            Defaults to `"log"`.
        frame_length: Integer, the length of each frame (window) in samples.
            Defaults to 256.
        frame_step: Integer, the hop between consecutive frames; defaults to
            `frame_length // 2`.
        fft_length: Integer, the FFT size (at least `frame_length`); defaults
            to the smallest power of two not below `frame_length`.
        window: `"hann"` (default), `"hamming"` (any name SciPy knows), or a
            custom window as an array of length `frame_length`.
        periodic: Boolean, whether the window is periodic. Defaults to
            `False`.
        scaling: `"density"` (default), `"spectrum"` or None: the window's
            scaling.
        padding: `"valid"` (default) or `"same"`.
        expand_dims: Boolean, whether to keep channels on their own axis
            (an image-like output). Defaults to `False`.
        data_format: `"channels_last"` (inputs `(batch, time, channels)`) or
            `"channels_first"` (inputs `(batch, channels, time)`).

    Input shape:
        `(batch_size, time_length, input_channels)` (channels_last) or
        `(batch_size, input_channels, time_length)` (channels_first).

    Output shape:
        channels_last: `(batch_size, new_time_length, input_channels *
        freq_channels)`, or with `expand_dims` `(batch_size, new_time_length,
        freq_channels, input_channels)`; channels_first: `(batch_size,
        input_channels * freq_channels, new_time_length)`, or with
        `expand_dims` `(batch_size, input_channels, new_time_length,
        freq_channels)`; `freq_channels` is `fft_length // 2 + 1` (twice that
        for `mode="stft"`).

    Example:

    >>> layer = STFTSpectrogram(frame_length=256, frame_step=128, fft_length=512)
    >>> layer(np.random.rand(3, 16000, 1)).shape
    (3, 124, 257)
    """

    def __init__(
        self,
        mode: str = "log",
        frame_length: int = 256,
        frame_step: int | None = None,
        fft_length: int | None = None,
        window: Any = "hann",
        periodic: bool = False,
        scaling: str | None = "density",
        padding: str = "valid",
        expand_dims: bool = False,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(frame_length, bool) or not isinstance(frame_length, int) or frame_length < 1:
            raise InvalidArgumentError(
                "`frame_length` should be a positive integer. "
                f"Received: frame_length={frame_length!r}"
            )
        if frame_step is not None and (frame_step > frame_length or frame_step < 1):
            raise InvalidArgumentError(
                "`frame_step` should be a positive integer not greater than `frame_length`. "
                f"Received frame_step={frame_step}, frame_length={frame_length}"
            )
        if fft_length is not None and fft_length < frame_length:
            raise InvalidArgumentError(
                "`fft_length` should be not less than `frame_length`. "
                f"Received fft_length={fft_length}, frame_length={frame_length}"
            )
        if fft_length is not None and (fft_length & -fft_length) != fft_length:
            warnings.warn(
                "`fft_length` is recommended to be a power of two. "
                f"Received fft_length={fft_length}",
                stacklevel=2,
            )
        if mode not in _MODES:
            raise InvalidArgumentError(
                f"Output mode is invalid, it must be one of {', '.join(_MODES)}. "
                f"Received: mode={mode}"
            )
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise InvalidArgumentError(
                "Scaling is invalid, it must be `None`, 'density' or 'spectrum'. "
                f"Received scaling={scaling}"
            )
        if padding not in ("valid", "same"):
            raise InvalidArgumentError(
                f"Padding is invalid, it should be 'valid', 'same'. Received: padding={padding}"
            )
        # Checks a window name now (SciPy's names), as Keras does. (The STFT
        # initializer takes scaling=None too, whatever its annotation says.)
        initializers.STFT("real", window, cast(str, scaling), periodic)
        super().__init__(**kwargs)
        self.mode = mode
        self.frame_length = frame_length
        self.frame_step = frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window = window.tolist() if isinstance(window, np.ndarray) else window
        self.periodic = periodic
        self.scaling = scaling
        self.padding = padding
        self.expand_dims = expand_dims
        self.data_format = config.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape: Any) -> None:
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        if self.mode != "imag":
            self.real_kernel = self.add_weight(
                name="real_kernel",
                shape=shape,
                initializer=initializers.STFT(
                    "real", self.window, cast(str, self.scaling), self.periodic
                ),
            )
        if self.mode != "real":
            self.imag_kernel = self.add_weight(
                name="imag_kernel",
                shape=shape,
                initializer=initializers.STFT(
                    "imag", self.window, cast(str, self.scaling), self.periodic
                ),
            )
        self.built = True

    def _dims(self, inputs: Any) -> tuple[int, int]:
        shape = tuple(inputs.shape)
        time, channels = (
            (shape[1], shape[2]) if self.data_format == "channels_last" else shape[2:0:-1]
        )
        if time is None or channels is None:
            raise ShapeError(
                f"Layer '{self.name}' (STFTSpectrogram) needs the time length and the number "
                f"of channels before run time. Received: inputs.shape={shape}"
            )
        if self.padding == "valid" and time < self.frame_length:
            raise ShapeError(
                f"Layer '{self.name}' (STFTSpectrogram) needs signals of at least "
                f"frame_length={self.frame_length} samples with padding='valid'. Received: "
                f"inputs.shape={shape}"
            )
        return time, channels

    def _apply_conv(self, inputs: Any, kernel: Any, time: int, channels: int) -> Any:
        # Each channel is filtered on its own: channels are folded into the batch.
        if self.data_format == "channels_last":
            signal = ops.reshape(ops.transpose(inputs, [0, 2, 1]), [-1, time, 1])
        else:
            signal = ops.reshape(inputs, [-1, 1, time])
        out = ops.conv(
            signal,
            kernel,
            strides=self._frame_step,
            padding=self.padding,
            data_format=self.data_format,
        )
        if self.data_format == "channels_last":
            out = ops.transpose(out, [0, 2, 1])
        steps = _conv_output_length(time, self.frame_length, self._frame_step, self.padding)
        return ops.reshape(out, [-1, channels, self._fft_length // 2 + 1, steps])

    def _adjust_shapes(self, outputs: Any, channels: int, freq: int, steps: int) -> Any:
        # outputs: (batch, channels, freq, time).
        if self.data_format == "channels_last":
            if self.expand_dims:
                return ops.transpose(outputs, [0, 3, 2, 1])
            outputs = ops.reshape(outputs, [-1, channels * freq, steps])
            return ops.transpose(outputs, [0, 2, 1])
        if self.expand_dims:
            return ops.transpose(outputs, [0, 1, 3, 2])
        return ops.reshape(outputs, [-1, channels * freq, steps])

    def call(self, inputs: Any) -> Any:
        time, channels = self._dims(inputs)
        freq = self._fft_length // 2 + 1
        steps = _conv_output_length(time, self.frame_length, self._frame_step, self.padding)

        def adjust(x: Any, bins: int = freq) -> Any:
            return self._adjust_shapes(x, channels, bins, steps)

        real: Any = None
        imag: Any = None
        if self.mode != "imag":
            real = self._apply_conv(inputs, self.real_kernel, time, channels)
        if self.mode != "real":
            imag = self._apply_conv(inputs, self.imag_kernel, time, channels)
        if self.mode == "real":
            return adjust(real)
        if self.mode == "imag":
            return adjust(imag)
        if self.mode == "angle":
            return adjust(ops.arctan2(imag, real))
        if self.mode == "stft":
            return adjust(ops.concatenate([real, imag], axis=2), 2 * freq)
        power = ops.add(ops.square(real), ops.square(imag))
        if self.mode == "psd":
            # One-sided density: every bin but DC and Nyquist counts twice.
            inner = ops.pad(power[:, :, 1:-1, :], [[0, 0], [0, 0], [1, 1], [0, 0]])
            return adjust(ops.add(power, inner))
        linear = adjust(ops.sqrt(ops.maximum(power, config.epsilon())))
        if self.mode == "magnitude":
            return linear
        return ops.log(ops.maximum(linear, config.epsilon()))

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = tuple(input_shape)
        if self.data_format == "channels_last":
            time, channels = shape[1], shape[2]
        else:
            channels, time = shape[1], shape[2]
        freq = self._fft_length // 2 + 1
        if self.mode == "stft":
            freq *= 2
        steps = _conv_output_length(time, self.frame_length, self._frame_step, self.padding)
        if self.expand_dims:
            if self.data_format == "channels_last":
                return (shape[0], steps, freq, channels)
            return (shape[0], channels, steps, freq)
        flat = None if channels is None else channels * freq
        if self.data_format == "channels_last":
            return (shape[0], steps, flat)
        return (shape[0], flat, steps)

    def get_config(self) -> dict[str, Any]:
        config_dict = super().get_config()
        config_dict.update(
            {
                "mode": self.mode,
                "frame_length": self.frame_length,
                "frame_step": self.frame_step,
                "fft_length": self.fft_length,
                "window": self.window,
                "periodic": self.periodic,
                "scaling": self.scaling,
                "padding": self.padding,
                "data_format": self.data_format,
                "expand_dims": self.expand_dims,
            }
        )
        return config_dict
