"""`keras.ops`'s Fourier transforms on (real, imaginary) pairs
(`pykeras/ops/spectral.py`): fft, fft2, ifft2, rfft, irfft, stft, istft.

Checked against `numpy.fft` over hypothesis-drawn shapes and lengths,
against what Keras 3 returned (tests/reference/data/spectral.json, from
tests/reference/make_spectral_reference.py: the windows, centring and
scalings of stft/istft), through traced subclassed models (values and the
gradient `fit` applies), in Functional models with an unknown batch, and on
bad input.
"""

import json
import pathlib

import numpy as np
import pytest
from composite_check import WeightedOp, assert_matches_record, decode, keras_params, our_params
from hypothesis import given
from hypothesis import strategies as st
from op_check import FEW, rng_for, seeds
from test_composite_reductions import numeric_gradient

import pykeras as keras
from pykeras import ops
from pykeras.errors import InvalidArgumentError, ShapeError

# Composites claim no primitive (see test_ops_coverage.py).
OPS = set()

NAMES = ["fft", "fft2", "ifft2", "irfft", "istft", "rfft", "stft"]
REFERENCE = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data" / "spectral.json"


def _cases():
    cases = []
    for i, case in enumerate(json.loads(REFERENCE.read_text())["cases"]):
        if case["family"] == "spectral":
            kwargs = {k: decode(v) for k, v in case["kwargs"].items()}
            cases.append((f"{case['op']}-{i}", case["op"], decode(case["args"]), kwargs, case))
    return cases


CASES = _cases()


def test_signatures_match_keras():
    from pykeras.ops import spectral

    assert sorted(spectral.__all__) == NAMES
    for name in NAMES:
        assert our_params(getattr(ops, name)) == keras_params(name), name


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(case):
    _, name, args, kwargs, raw = case
    got = getattr(ops, name)(*args, **kwargs)
    # float32 DFTs by matmul against XLA's FFT: agreement to ~1e-6 of the scale.
    assert_matches_record(got, raw["result"], rtol=2e-5)


def complex_pair(rng, shape):
    return (
        rng.uniform(-1, 1, shape).astype(np.float32),
        rng.uniform(-1, 1, shape).astype(np.float32),
    )


def assert_complex(got, want, scale):
    assert isinstance(got, tuple) and len(got) == 2
    for part, ref in zip(got, (want.real, want.imag)):
        assert part.shape == ref.shape and part.dtype == np.float32
        np.testing.assert_allclose(part, ref, rtol=1e-4, atol=1e-5 * scale)


@FEW
@given(seeds, st.lists(st.integers(1, 9), min_size=1, max_size=3))
def test_fft_family_against_numpy(seed, shape):
    rng = rng_for(seed)
    re, im = complex_pair(rng, shape)
    z = re.astype(np.float64) + 1j * im
    assert_complex(ops.fft((re, im)), np.fft.fft(z), shape[-1])
    if len(shape) >= 2:
        scale = shape[-1] * shape[-2]
        assert_complex(ops.fft2([re, im]), np.fft.fft2(z), scale)
        assert_complex(ops.ifft2((re, im)), np.fft.ifft2(z), 1)


@FEW
@given(seeds, st.lists(st.integers(1, 9), min_size=1, max_size=2), st.integers(0, 12))
def test_rfft_and_irfft_against_numpy(seed, shape, length):
    rng = rng_for(seed)
    x = rng.uniform(-1, 1, shape).astype(np.float32)
    n = length or None
    assert_complex(ops.rfft(x, n), np.fft.rfft(x.astype(np.float64), n), shape[-1])
    re, im = complex_pair(rng, shape)
    if n is None and shape[-1] == 1:
        return  # fft_length would be 0
    got = ops.irfft((re, im), n)
    want = np.fft.irfft(re.astype(np.float64) + 1j * im, n)
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def np_stft(x, length, stride, n, window, center):
    """Frames of the (reflect-padded) signal times the window, then rfft."""
    if window is None:
        win = np.ones(n)
    else:
        win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(length) / length)
        win = np.pad(win, ((n - length) // 2, n - length - (n - length) // 2))
    if center:
        x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(n // 2, n // 2)], mode="reflect")
    count = 1 + (x.shape[-1] - n) // stride
    frames = np.stack([x[..., f * stride : f * stride + n] for f in range(count)], -2)
    return np.fft.rfft(frames * win, axis=-1)


@FEW
@given(seeds, st.integers(2, 8), st.integers(1, 4), st.integers(0, 3), st.booleans(), st.data())
def test_stft_against_numpy_and_istft_inverts_it(seed, length, stride, extra, center, data):
    n = length + extra
    stride = min(stride, length)
    window = data.draw(st.sampled_from(["hann", None]))
    size = data.draw(st.integers(n, n + 12))
    x = rng_for(seed).uniform(-1, 1, (2, size)).astype(np.float32)
    want = np_stft(x.astype(np.float64), length, stride, n, window, center)
    got = ops.stft(x, length, stride, n, window, center)
    assert_complex(got, want, n)
    frames = got[0].shape[-2]
    if window is None or stride * frames < n:
        return
    # A hann window with stride <= length / 2 covers every inner sample.
    back = ops.istft(got, length, stride, n, size, window, center)
    assert back.shape == (2, min(size, (frames - 1) * stride + n - (n // 2 if center else 0)))
    if center and 2 * stride <= length:
        inner = slice(0, back.shape[-1] - n)
        np.testing.assert_allclose(back[:, inner], x[:, inner], rtol=1e-4, atol=1e-4)


# ------------------------------------------------ traced models: values and gradients


def np_istft(re, im, length, stride, n):
    """Frames by irfft times the window, overlap-added, over the summed
    squared window (hann, centred)."""
    win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(length) / length)
    win = np.pad(win, ((n - length) // 2, n - length - (n - length) // 2))
    frames = np.fft.irfft(re + 1j * im, n, axis=-1) * win
    count = frames.shape[-2]
    total = n + stride * (count - 1)
    out = np.zeros(frames.shape[:-2] + (total,))
    norm = np.zeros(total)
    for f in range(count):
        out[..., f * stride : f * stride + n] += frames[..., f, :]
        norm[f * stride : f * stride + n] += win**2
    out = out / np.where(norm > 1e-10, norm, 1.0)
    return out[..., n // 2 : total - n // 2]


MODEL_CASES = [
    ("rfft", lambda t: ops.rfft(t)[1], lambda t: np.fft.rfft(t).imag, (6,)),
    ("fft", lambda t: ops.fft((t, t * 0.5))[0], lambda t: np.fft.fft(t + 0.5j * t).real, (5,)),
    (
        "fft2",
        lambda t: ops.fft2((t, t))[1],
        lambda t: np.fft.fft2(t + 1j * t).imag,
        (3, 4),
    ),
    (
        "ifft2",
        lambda t: ops.ifft2((t, -t))[0],
        lambda t: np.fft.ifft2(t - 1j * t).real,
        (2, 3),
    ),
    (
        "irfft",
        lambda t: ops.irfft((t, t), 7),
        lambda t: np.fft.irfft(t + 1j * t, 7),
        (4,),
    ),
    (
        "stft",
        lambda t: ops.stft(t, 4, 2, 6)[0],
        lambda t: np_stft(t, 4, 2, 6, "hann", True).real,
        (9,),
    ),
    (
        "istft",
        lambda t: ops.istft((t, t * 0.25), 4, 2, 6),
        lambda t: np_istft(t, t * 0.25, 4, 2, 6),
        (5, 4),
    ),
]


@pytest.mark.parametrize("name,ours,reference,shape", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_traced_model_values_and_gradient(name, ours, reference, shape):
    model = WeightedOp(ours, shape, seed=5)
    w0 = model.w.numpy().astype(np.float64)
    x = np.ones((1, *shape), np.float32)
    y = model.predict(x, verbose=0)
    np.testing.assert_allclose(y, reference(w0[None]), rtol=1e-5, atol=1e-5)
    lr = 0.5
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    model.fit(x, np.zeros_like(y), batch_size=1, epochs=1, shuffle=False, verbose=0)
    grad = numeric_gradient(reference, w0[None])[0]
    np.testing.assert_allclose(model.w.numpy(), w0 - lr * grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name,ours,reference,shape", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_functional_model_with_unknown_batch(name, ours, reference, shape):
    inputs = keras.Input(shape)
    outputs = ours(inputs)
    x = rng_for(2).uniform(-1, 1, (3, *shape)).astype(np.float32)
    want = reference(x.astype(np.float64)).astype(np.float32)
    assert tuple(outputs.shape) == (None, *want.shape[1:])
    model = keras.Model(inputs, outputs)
    np.testing.assert_allclose(model.predict(x, batch_size=2, verbose=0), want, 1e-5, 1e-5)


def test_symbolic_pairs_have_keras_shapes():
    x = keras.Input((16,))
    re, im = ops.stft(x, 8, 4, 8)
    assert tuple(re.shape) == tuple(im.shape) == (None, 5, 5)
    assert tuple(ops.istft((re, im), 8, 4, 8).shape) == (None, 16)
    assert tuple(ops.istft((re, im), 8, 4, 8, length=10).shape) == (None, 10)
    assert tuple(ops.rfft(x, 10)[0].shape) == (None, 6)
    assert tuple(ops.irfft(ops.rfft(x)).shape) == (None, 16)


# ---------------------------------------------------------------- bad input

P = (np.ones((2, 4), np.float32), np.ones((2, 4), np.float32))
BAD = [
    ("fft", lambda: ops.fft(np.ones(4)), InvalidArgumentError),
    ("fft", lambda: ops.fft((np.ones(4), np.ones(3))), ShapeError),
    ("fft2", lambda: ops.fft2((np.ones(4), np.ones(4))), ShapeError),
    ("ifft2", lambda: ops.ifft2((np.ones(4),)), InvalidArgumentError),
    ("rfft", lambda: ops.rfft(np.ones(4), 0), InvalidArgumentError),
    ("rfft", lambda: ops.rfft(np.float32(1.0)), ShapeError),
    ("irfft", lambda: ops.irfft((np.ones(1), np.ones(1))), ShapeError),
    ("irfft", lambda: ops.irfft(P, 2.5), InvalidArgumentError),
    ("stft", lambda: ops.stft(np.ones(8), 4, 0, 4), InvalidArgumentError),
    ("stft", lambda: ops.stft(np.ones(8), 4, 2, 3), InvalidArgumentError),
    ("stft", lambda: ops.stft(np.ones(8), 4, 2, 4, window="boxcar"), InvalidArgumentError),
    ("stft", lambda: ops.stft(np.ones(8), 4, 2, 4, window=np.ones(3)), ShapeError),
    ("stft", lambda: ops.stft(np.ones(3), 4, 2, 4, center=False), ShapeError),
    ("stft", lambda: ops.stft(keras.Input((None,)), 4, 2, 4), ShapeError),
    ("istft", lambda: ops.istft((np.ones(3), np.ones(3)), 4, 2, 4), ShapeError),
    ("istft", lambda: ops.istft(P, 4, 2, 4, length=-1), InvalidArgumentError),
]


@pytest.mark.parametrize("name,call,error", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_raises_naming_the_op(name, call, error):
    with pytest.raises(error, match=f"'{name}'"):
        call()
    assert issubclass(error, ValueError)
