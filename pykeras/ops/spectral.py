"""Fourier transforms on (real, imaginary) pairs: fft, rfft, stft and their inverses.

pykeras has no complex dtype; as in Keras, a complex tensor is a tuple
`(real, imag)` of two float tensors of the same shape. Each transform is a
discrete Fourier transform written as products with constant cosine and
sine matrices (the short-time transforms as a strided convolution and an
overlap-add), so it runs eagerly, in Functional models and in traced
graphs, and is differentiable through the core's matmul/conv1d rules.

The matrices are built in float64 and rounded to float32 once; a transform
of length n costs O(n^2) per row (not O(n log n)) and holds n x n constants,
which suits the lengths of audio frames and feature maps (up to a few
thousand), not very long signals. Results agree with `numpy.fft` to about
1e-6 relative to the signal's magnitude for such lengths.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.backend.variable import Variable
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__ = ["fft", "fft2", "ifft2", "irfft", "istft", "rfft", "stft"]


# ---------------------------------------------------------------- helpers


def _pair(op: str, x: Any, min_rank: int) -> tuple[Any, Any, tuple]:
    """The real and imaginary parts of a complex pair, and their shape."""
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise InvalidArgumentError(
            f"Op '{op}' expected x to be a tuple of two tensors, the real and imaginary "
            f"parts. Received: x={x!r}"
        )
    real, imag = x
    rs, ims = C.shape_of(op, real), C.shape_of(op, imag)
    if rs != ims:
        raise ShapeError(
            f"Op '{op}' expected the real and imaginary parts to have the same shape. "
            f"Received: x[0].shape={C.dims_text(rs)}, x[1].shape={C.dims_text(ims)}"
        )
    _check_rank(op, rs, min_rank)
    return real, imag, rs


def _check_rank(op: str, shape: tuple, min_rank: int) -> None:
    if len(shape) < min_rank:
        raise ShapeError(
            f"Op '{op}' expected an input of rank >= {min_rank}. "
            f"Received: input.shape={C.dims_text(shape)}"
        )
    for axis in range(len(shape) - min_rank, len(shape)):
        C.static_size(op, shape, axis)


def _length(op: str, name: str, value: Any, low: int = 1) -> int:
    return C.check_int(op, name, value, low=low)


@functools.lru_cache(maxsize=32)
def _cos_sin(rows: int, cols: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """cos and sin of 2*pi*j*k/n for j < rows, k < cols (float32); the
    product j*k is reduced modulo n first, so large angles stay exact."""
    jk = np.outer(np.arange(rows), np.arange(cols)) % n
    angle = 2.0 * np.pi * jk / n
    # Quarter turns give exact zeros (sin(pi) is 1.2e-16 in float64).
    cos, sin = (np.where(np.abs(v) < 1e-12, 0.0, v) for v in (np.cos(angle), np.sin(angle)))
    return cos.astype(np.float32), sin.astype(np.float32)


def _right(x: Any, m: np.ndarray) -> Any:
    """`x @ m` along the last axis, for x of any rank >= 1."""
    shape = C.shape_of("matmul", x)
    if len(shape) >= 2:
        return run("matmul", [x, m])
    y = run("matmul", [run("reshape", [x], shape=[1, -1]), m])
    return run("reshape", [y], shape=[m.shape[1]])


def _dft_last(op: str, real: Any, imag: Any, inverse: bool) -> tuple[Any, Any]:
    """The DFT (or inverse DFT) of `real + i imag` along the last axis."""
    n = C.shape_of(op, real)[-1]
    cos, sin = _cos_sin(n, n, n)
    if inverse:
        cos, sin = cos / np.float32(n), sin / np.float32(n)
        # (a + ib)(cos + i sin) / n
        out_r = run("sub", [_right(real, cos), _right(imag, sin)])
        out_i = run("add", [_right(imag, cos), _right(real, sin)])
    else:
        # (a + ib)(cos - i sin)
        out_r = run("add", [_right(real, cos), _right(imag, sin)])
        out_i = run("sub", [_right(imag, cos), _right(real, sin)])
    return out_r, out_i


def _dft_rows(op: str, real: Any, imag: Any, inverse: bool) -> tuple[Any, Any]:
    """The DFT (or inverse) along axis -2, as products from the left."""
    m = C.shape_of(op, real)[-2]
    cos, sin = _cos_sin(m, m, m)
    if inverse:
        cos, sin = cos / np.float32(m), sin / np.float32(m)

    def left(mat: Any, v: Any) -> Any:
        return run("matmul", [mat, v])

    if inverse:
        out_r = run("sub", [left(cos, real), left(sin, imag)])
        out_i = run("add", [left(cos, imag), left(sin, real)])
    else:
        out_r = run("add", [left(cos, real), left(sin, imag)])
        out_i = run("sub", [left(cos, imag), left(sin, real)])
    return out_r, out_i


# ---------------------------------------------------------------- fft family


def fft(x: tuple[Any, Any]) -> tuple[Any, Any]:
    """Computes the Fast Fourier Transform along last axis of input.

    Args:
        x: Tuple of the real and imaginary parts of the input tensor. Both
            tensors in the tuple should be of floating type.

    Returns:
        A tuple containing two tensors - the real and imaginary parts of the
        output tensor.

    Example:

    >>> x = (np.array([1.0, 2.0]), np.array([0.0, 1.0]))
    >>> keras.ops.fft(x)
    (array([ 3., -1.]), array([ 1., -1.]))
    """
    real, imag, _ = _pair("fft", x, 1)
    return _dft_last("fft", real, imag, inverse=False)


def fft2(x: tuple[Any, Any]) -> tuple[Any, Any]:
    """Computes the 2D Fast Fourier Transform along the last two axes of input.

    Args:
        x: Tuple of the real and imaginary parts of the input tensor. Both
            tensors in the tuple should be of floating type, of rank >= 2.

    Returns:
        A tuple containing two tensors - the real and imaginary parts of the
        output.

    Example:

    >>> x = (np.array([[1.0, 2.0], [2.0, 1.0]]), np.array([[0.0, 1.0], [1.0, 0.0]]))
    >>> keras.ops.fft2(x)[0]
    array([[ 6.,  0.],
           [ 0., -2.]])
    """
    real, imag, _ = _pair("fft2", x, 2)
    real, imag = _dft_last("fft2", real, imag, inverse=False)
    return _dft_rows("fft2", real, imag, inverse=False)


def ifft2(x: tuple[Any, Any]) -> tuple[Any, Any]:
    """Computes the 2D Inverse Fast Fourier Transform along the last two axes of
    input.

    Args:
        x: Tuple of the real and imaginary parts of the input tensor. Both
            tensors in the tuple should be of floating type, of rank >= 2.

    Returns:
        A tuple containing two tensors - the real and imaginary parts of the
        output.

    Example:

    >>> x = (np.array([[6.0, 0.0], [0.0, -2.0]]), np.array([[2.0, 0.0], [0.0, -2.0]]))
    >>> keras.ops.ifft2(x)[0]
    array([[1., 2.],
           [2., 1.]])
    """
    real, imag, _ = _pair("ifft2", x, 2)
    real, imag = _dft_last("ifft2", real, imag, inverse=True)
    return _dft_rows("ifft2", real, imag, inverse=True)


def rfft(x: TensorLike, fft_length: int | None = None) -> tuple[Any, Any]:
    """Real-valued Fast Fourier Transform along the last axis of the input.

    Computes the 1D Discrete Fourier Transform of a real-valued signal over the
    inner-most dimension of input.

    Since the Discrete Fourier Transform of a real-valued signal is
    Hermitian-symmetric, RFFT only returns the `fft_length / 2 + 1` unique
    components of the FFT: the zero-frequency term, followed by the
    `fft_length / 2` positive-frequency terms.

    Along the axis RFFT is computed on, if `fft_length` is smaller than the
    corresponding dimension of the input, the dimension is cropped. If it is
    larger, the dimension is padded with zeros.

    Args:
        x: Input tensor (its last axis must be known before run time).
        fft_length: An integer representing the number of the fft length. If not
            specified, it is inferred from the length of the last axis of `x`.
            Defaults to `None`.

    Returns:
        A tuple containing two tensors - the real and imaginary parts of the
        output.

    Example:

    >>> real, imag = keras.ops.rfft(np.array([0.0, 1.0, 2.0, 3.0, 4.0]), 3)
    >>> real.round(4), np.abs(imag).round(4)
    (array([ 3. , -1.5]), array([0.   , 0.866]))
    """
    shape = C.shape_of("rfft", x)
    _check_rank("rfft", shape, 1)
    length = shape[-1]
    n = length if fft_length is None else _length("rfft", "fft_length", fft_length)
    if n < 1:
        raise ShapeError(
            f"Op 'rfft' needs a non-empty last axis. Received: x.shape={C.dims_text(shape)}"
        )
    # Rows past `n` are zero (cropping); a shorter input is implicitly
    # zero-padded, so one product covers both.
    cos, sin = _cos_sin(length, n // 2 + 1, n)
    keep = (np.arange(length) < n)[:, None].astype(np.float32)
    return _right(x, cos * keep), _right(x, -sin * keep)


def irfft(x: tuple[Any, Any], fft_length: int | None = None) -> Tensor:
    """Inverse real-valued Fast Fourier transform along the last axis.

    Computes the inverse 1D Discrete Fourier Transform of a real-valued signal
    over the inner-most dimension of input.

    The inner-most dimension of the input is assumed to be the result of RFFT:
    the `fft_length / 2 + 1` unique components of the DFT of a real-valued
    signal. If `fft_length` is not provided, it is computed from the size of the
    inner-most dimension of the input `(fft_length = 2 * (inner - 1))`. If the
    FFT length used to compute is odd, it should be provided since it cannot
    be inferred properly.

    Along the axis IRFFT is computed on, if `fft_length / 2 + 1` is smaller than
    the corresponding dimension of the input, the dimension is cropped. If it is
    larger, the dimension is padded with zeros. The imaginary parts of the
    zero-frequency (and, for an even length, the Nyquist) term are ignored,
    as by `numpy.fft.irfft`.

    Args:
        x: Tuple of the real and imaginary parts of the input tensor. Both
            tensors in the tuple should be of floating type.
        fft_length: An integer representing the number of the fft length. If not
            specified, it is inferred from the length of the last axis of `x`.
            Defaults to `None`.

    Returns:
        A tensor containing the inverse real-valued Fast Fourier Transform
        along the last axis of `x`.

    Example:

    >>> x = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    >>> np.allclose(keras.ops.irfft(keras.ops.rfft(x, 5), 5), x, atol=1e-5)
    True
    """
    real, imag, shape = _pair("irfft", x, 1)
    bins = shape[-1]
    if fft_length is None:
        n = 2 * (bins - 1)
        if n < 1:
            raise ShapeError(
                f"Op 'irfft' cannot infer fft_length from a last axis of size {bins}; pass "
                f"fft_length. Received: x[0].shape={C.dims_text(shape)}"
            )
    else:
        n = _length("irfft", "fft_length", fft_length)
    m_real, m_imag = _irfft_matrices(bins, n)
    return run("add", [_right(real, m_real), _right(imag, m_imag)])


@functools.lru_cache(maxsize=32)
def _irfft_matrices(bins: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(bins, n) matrices taking the one-sided spectrum's real and imaginary
    parts to the signal: each inner bin counts twice (its mirror image)."""
    used = min(bins, n // 2 + 1)
    k = np.arange(bins)
    weight = np.where((k == 0) | ((n % 2 == 0) & (k == n // 2)), 1.0, 2.0)
    weight = np.where(k < used, weight, 0.0)[:, None] / n
    angle = 2.0 * np.pi * (np.outer(k, np.arange(n)) % n) / n
    return (
        (weight * np.cos(angle)).astype(np.float32),
        (-weight * np.sin(angle)).astype(np.float32),
    )


# ---------------------------------------------------------------- short-time transforms


def _window(op: str, window: Any, sequence_length: int, fft_length: int) -> np.ndarray:
    """The window (float64) padded to `fft_length` as Keras centres it
    (ones over the whole frame for `None`)."""
    if window is None:
        # Keras's "no window" spans the whole FFT frame, not just
        # sequence_length samples.
        return np.ones(fft_length)
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise InvalidArgumentError(
                f"Op '{op}': a string window must be 'hann' or 'hamming'. "
                f"Received: window={window!r}"
            )
        # scipy.signal.get_window's periodic ("fftbins") forms.
        # A window of one sample is [1.0], as scipy's.
        phase = 2.0 * np.pi * np.arange(sequence_length) / sequence_length
        a = 0.5 if window == "hann" else 0.54
        win = a - (1.0 - a) * np.cos(phase) if sequence_length > 1 else np.ones(1)
    else:
        if C.any_symbolic([window]):
            raise InvalidArgumentError(
                f"Op '{op}' needs the window's values before run time (a constant array). "
                f"Received: window={window!r}"
            )
        win = np.asarray(window.numpy() if isinstance(window, Variable) else window, np.float64)
        if win.shape != (sequence_length,):
            raise ShapeError(
                f"Op '{op}' expected a window of shape ({sequence_length},) (sequence_length). "
                f"Received: window.shape={C.dims_text(win.shape)}"
            )
    left = (fft_length - sequence_length) // 2
    return np.pad(win, (left, fft_length - sequence_length - left))


def _frame_args(op: str, sequence_length: int, sequence_stride: int, fft_length: int) -> Any:
    length = _length(op, "sequence_length", sequence_length)
    stride = _length(op, "sequence_stride", sequence_stride)
    n = _length(op, "fft_length", fft_length)
    if n < length:
        raise InvalidArgumentError(
            f"Op '{op}': fft_length must be at least sequence_length. Received: "
            f"sequence_length={sequence_length}, fft_length={fft_length}"
        )
    return length, stride, n


def _reflect_pad(x: Any, length: int, pad: int) -> Any:
    """`x` (batch, length) padded by `pad` on both sides, mirrored about the
    end elements as `numpy.pad(mode="reflect")`: slices times 0/1 matrices."""
    source = np.pad(np.arange(length), pad, mode="reflect")
    pieces = []
    for idx in (source[:pad], source[-pad:]):
        start, stop = int(idx.min()), int(idx.max()) + 1
        pick = np.zeros((stop - start, pad), np.float32)
        pick[idx - start, np.arange(pad)] = 1.0
        part = run("slice", [x], start_indices=[0, start], shape=[-1, stop - start])
        pieces.append(run("matmul", [part, pick]))
    return run("concat", [pieces[0], x, pieces[1]], axis=1)


def stft(
    x: TensorLike,
    sequence_length: int,
    sequence_stride: int,
    fft_length: int,
    window: Any = "hann",
    center: bool = True,
) -> tuple[Any, Any]:
    """Short-Time Fourier Transform along the last axis of the input.

    The STFT computes the Fourier transform of short overlapping windows of the
    input. This giving frequency components of the signal as they change over
    time. Computed as one strided convolution whose kernel holds the windowed
    cosines and sines.

    Args:
        x: Input tensor (its last axis must be known before run time).
        sequence_length: An integer representing the sequence length.
        sequence_stride: An integer representing the sequence hop size.
        fft_length: An integer representing the size of the FFT to apply
            (at least `sequence_length`).
        window: A string, a tensor of the window or `None`. If `window` is a
            string, available values are `"hann"` and `"hamming"`. If `window`
            is a tensor, it will be used directly as the window and its length
            must be `sequence_length`. If `window` is `None`, no windowing is
            used. Defaults to `"hann"`.
        center: Whether to pad `x` on both sides so that the t-th sequence is
            centered at time `t * sequence_stride`. Otherwise, the t-th sequence
            begins at time `t * sequence_stride`. Defaults to `True`.

    Returns:
        A tuple containing two tensors - the real and imaginary parts of the
        STFT output, of shape `x.shape[:-1] + (num_sequences, fft_length // 2 + 1)`.

    Example:

    >>> x = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    >>> keras.ops.stft(x, 3, 2, 3)[0]
    array([[ 0.75 , -0.375],
           [ 3.75 , -1.875],
           [ 5.25 , -2.625]])
    """
    op = "stft"
    length, stride, n = _frame_args(op, sequence_length, sequence_stride, fft_length)
    win = _window(op, window, length, n)
    shape = C.shape_of(op, x)
    _check_rank(op, shape, 1)
    size = shape[-1]
    pad = n // 2 if center else 0
    if size + 2 * pad < n:
        raise ShapeError(
            f"Op '{op}' needs a signal of at least fft_length ({n}) samples"
            f"{' after centring' if center else ''}. Received: x.shape={C.dims_text(shape)}"
        )
    lead = shape[:-1]
    rows = None if None in lead else int(np.prod(lead, dtype=np.int64))
    flat = C.reshape(op, x, [rows, size], shape)
    if pad:
        flat = _reflect_pad(flat, size, pad)
    frames = 1 + (size + 2 * pad - n) // stride
    bins = n // 2 + 1
    cos, sin = _cos_sin(n, bins, n)
    kernel = np.concatenate([cos * win[:, None], -sin * win[:, None]], axis=1)
    signal = run("reshape", [flat], shape=[-1, size + 2 * pad, 1])
    out = run(
        "conv1d",
        [signal, kernel.astype(np.float32)[:, None, :]],
        strides=[stride],
        padding="valid",
    )
    parts = []
    for start in (0, bins):
        part = run("slice", [out], start_indices=[0, 0, start], shape=[-1, frames, bins])
        parts.append(C.reshape(op, part, [*lead, frames, bins]))
    return parts[0], parts[1]


def istft(
    x: tuple[Any, Any],
    sequence_length: int,
    sequence_stride: int,
    fft_length: int,
    length: int | None = None,
    window: Any = "hann",
    center: bool = True,
) -> Tensor:
    """Inverse Short-Time Fourier Transform along the last axis of the input.

    To reconstruct an original waveform, the parameters should be the same in
    `stft`. Each frame's inverse DFT is a product with constant matrices
    (the window folded in); the frames are then overlap-added and divided by
    the overlap-added squared window, as `scipy.signal.istft` does.

    The output length is the one Keras's symbolic shape rule states. (Keras
    3.15.1 on JAX returns an empty tensor for `fft_length=1` with
    `center=True`, and hops of `fft_length // 2` when
    `sequence_stride == fft_length`, and truncates the overlap-add when
    `num_sequences * sequence_stride < fft_length`; pykeras does not copy
    those slips.)

    Args:
        x: Tuple of the real and imaginary parts of the input tensor. Both
            tensors in the tuple should be of floating type, of rank >= 2
            (`(..., num_sequences, bins)`, both sizes known before run time).
        sequence_length: An integer representing the sequence length.
        sequence_stride: An integer representing the sequence hop size.
        fft_length: An integer representing the size of the FFT that produced
            `stft`.
        length: An integer representing the output is clipped to exactly length.
            If not specified, no padding or clipping take place. Defaults to
            `None`.
        window: A string, a tensor of the window or `None`. If `window` is a
            string, available values are `"hann"` and `"hamming"`. If `window`
            is a tensor, it will be used directly as the window and its length
            must be `sequence_length`. If `window` is `None`, no windowing is
            used. Defaults to `"hann"`.
        center: Whether `x` was padded on both sides so that the t-th sequence
            is centered at time `t * sequence_stride`. Defaults to `True`.

    Returns:
        A tensor containing the inverse Short-Time Fourier Transform along the
        last axis of `x`.

    Example:

    >>> x = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
    >>> keras.ops.istft(keras.ops.stft(x, 4, 2, 4), 4, 2, 4).round(4)
    array([0., 1., 2., 3., 4., 5., 6., 7.])
    """
    op = "istft"
    real, imag, shape = _pair(op, x, 2)
    seq, stride, n = _frame_args(op, sequence_length, sequence_stride, fft_length)
    if length is not None:
        length = _length(op, "length", length, low=0)
    win = _window(op, window, seq, n)
    frames, bins = shape[-2], shape[-1]
    lead = shape[:-2]
    rows = None if None in lead else int(np.prod(lead, dtype=np.int64))

    # Each frame's inverse DFT times the window (scipy scales the frames
    # by the window's sum and Keras divides it back out, or by the hop).
    m_real, m_imag = _irfft_matrices(bins, n)
    m_real = (m_real * win[None, :]).astype(np.float32)
    m_imag = (m_imag * win[None, :]).astype(np.float32)
    re = C.reshape(op, real, [rows, frames, bins], shape)
    im = C.reshape(op, imag, [rows, frames, bins], shape)
    pieces = run("add", [run("matmul", [re, m_real]), run("matmul", [im, m_imag])])
    total = n + stride * (frames - 1)
    signal = _overlap_add(pieces, frames, n, stride, total)

    norm = _overlap_add_np(np.broadcast_to(win**2, (frames, n)), stride, total)
    norm = np.where(norm > 1e-10, norm, 1.0)
    if window is None:
        # Keras divides by the hop here (and scipy multiplied by n).
        norm = norm * stride / n
    signal = run("mul", [signal, (1.0 / norm).astype(np.float32)])

    start = n // 2 if center else 0
    if length is not None:
        stop = min(start + length, total)
    else:
        stop = total - n // 2 if center else total
    size = max(stop - start, 0)
    if (start, size) != (0, total):
        signal = run("slice", [signal], start_indices=[0, start], shape=[-1, size])
    return C.reshape(op, signal, [*lead, size])


def _overlap_add(pieces: Any, frames: int, n: int, stride: int, total: int) -> Any:
    """(batch, frames, n) frames, frame f starting at f * stride, summed into
    (batch, total): split each frame into hop-long blocks and add block r of
    every frame, shifted by r hops, with pads and reshapes."""
    blocks = -(-n // stride)
    if blocks * stride != n:
        pieces = run("pad", [pieces], pad_width=[[0, 0], [0, 0], [0, blocks * stride - n]])
    pieces = run("reshape", [pieces], shape=[-1, frames, blocks, stride])
    out: Any = None
    for r in range(blocks):
        block = run("slice", [pieces], start_indices=[0, 0, r, 0], shape=[-1, frames, 1, stride])
        block = run("reshape", [block], shape=[-1, frames * stride])
        block = run("pad", [block], pad_width=[[0, 0], [r * stride, (blocks - 1 - r) * stride]])
        out = block if out is None else run("add", [out, block])
    full = (frames + blocks - 1) * stride
    if full != total:
        out = run("slice", [out], start_indices=[0, 0], shape=[-1, total])
    return out


def _overlap_add_np(pieces: np.ndarray, stride: int, total: int) -> np.ndarray:
    out = np.zeros(max(total, (len(pieces) - 1) * stride + pieces.shape[1]))
    for f, piece in enumerate(pieces):
        out[f * stride : f * stride + len(piece)] += piece
    return out[:total]
