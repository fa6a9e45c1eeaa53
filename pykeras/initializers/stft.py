"""The STFT initializer: the real or imaginary part of DFT kernels, windowed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.initializers.initializer import Initializer

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike


def _get_window(window: Any, length: int, periodic: bool) -> np.ndarray:
    try:
        import scipy.signal  # optional dependency: only named windows need it
    except ImportError as e:  # scipy provides the window functions, as in Keras
        raise ImportError(
            "The STFT initializer needs SciPy for named windows (`pip install scipy`), "
            f"as Keras does. Received: window={window!r}"
        ) from e
    return np.asarray(scipy.signal.get_window(window, length, periodic), np.float64)


class STFT(Initializer):
    """Initializer of Short-Time Fourier Transform kernels.

    Makes a kernel of shape `(T, 1, F // 2 + 1)`: the real (cosine) or
    imaginary (sine) part of the DFT basis for a frame of length `T` and `F`
    frequency bands, multiplied by a window and divided by its scaling, for a
    1D convolution to compute an STFT.

    Args:
        side: `"real"` (cosine kernels) or `"imag"` (sine kernels).
        window: a window name SciPy knows (`"hann"`, `"hamming"`, ...), a 1D
            array of length `T`, or None for no window.
        scaling: `"density"` (divide by the window's L2 norm), `"spectrum"`
            (divide by its sum) or None.
        periodic: whether a named window is periodic (for spectral analysis)
            rather than symmetric.

    Example:

    >>> kernel = pykeras.initializers.STFT("real", "hann")((64, 1, 33))
    """

    def __init__(
        self,
        side: str = "real",
        window: str | Sequence[float] | np.ndarray = "hann",
        scaling: str = "density",
        periodic: bool = False,
    ) -> None:
        if side not in ("real", "imag"):
            raise ValueError(f"side should be 'real' or 'imag', not {side}")
        if isinstance(window, str):
            _get_window(window, 1, periodic)  # an unknown name fails now
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(
                "Scaling is invalid, it must be `None`, 'density' or 'spectrum'. "
                f"Received scaling={scaling}"
            )
        self.side = side
        self.window = window
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape: Sequence[int], dtype: DTypeLike = None) -> np.ndarray:
        shape = tuple(shape)
        if len(shape) != 3:
            raise ValueError(
                "The STFT initializer makes kernels of shape (frame_length, input_channels, "
                f"fft_bins). Received: shape={shape}"
            )
        frame_length, _, fft_length = shape
        win = None
        scaling = np.float32(1.0)
        if self.window is not None:
            win = self.window
            if isinstance(win, str):
                win = _get_window(win, frame_length, self.periodic)
            win = np.asarray(win, np.float32)
            if win.ndim != 1 or win.shape[-1] != frame_length:
                raise ValueError(
                    "The shape of `window` must be equal to [frame_length]."
                    f"Received: window shape={win.shape}"
                )
            win = win.reshape(frame_length, 1, 1)
            if self.scaling == "density":
                scaling = np.sqrt(np.sum(np.square(win)))
            elif self.scaling == "spectrum":
                scaling = np.sum(np.abs(win))
        # Computed in float32 step by step, as Keras's ops do.
        full = np.float32((fft_length - 1) * 2)
        freq = np.arange(fft_length, dtype=np.float32).reshape(1, 1, fft_length) / full
        time = np.arange(frame_length, dtype=np.float32).reshape(frame_length, 1, 1)
        args = (np.float32(-2) * time) * freq * np.arccos(np.float32(-1))
        kernel = np.cos(args) if self.side == "real" else np.sin(args)
        if win is not None:
            kernel = (kernel * win) / scaling
        return kernel.astype(np.float32)

    def get_config(self) -> dict[str, Any]:
        window = self.window
        if isinstance(window, np.ndarray):
            window = window.tolist()
        return {
            "side": self.side,
            "window": window,
            "periodic": self.periodic,
            "scaling": self.scaling,
        }
