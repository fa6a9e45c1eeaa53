"""Random initializers, with Keras 3's formulas and defaults."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.initializers.initializer import Initializer, float_array
from pykeras.random import _stream as random

if TYPE_CHECKING:
    from pykeras.engine.typing import DTypeLike


def compute_fans(
    shape: Sequence[int],
    input_axes: Sequence[int] | None = None,
    output_axes: Sequence[int] | None = None,
) -> tuple[int, int]:
    """(fan_in, fan_out) as Keras computes them, conv kernels included.

    With both `input_axes` and `output_axes` given, the fans are the products
    of those axes' sizes.
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return (
            int(math.prod(shape[a] for a in input_axes)),
            int(math.prod(shape[a] for a in output_axes)),
        )
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class RandomInitializer(Initializer):
    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed

    def _rng(self) -> np.random.Generator:
        # A seeded initializer repeats its values on every call, as in Keras 3.
        return random.make_rng(self.seed)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}


def _truncated_normal(
    rng: np.random.Generator, mean: float, stddev: float, shape: tuple[int, ...]
) -> np.ndarray:
    """Normal values redrawn until within two standard deviations."""
    out = rng.normal(0.0, 1.0, size=shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.normal(0.0, 1.0, size=int(bad.sum()))
        bad = np.abs(out) > 2
    return mean + stddev * out


class RandomUniform(RandomInitializer):
    """Uniform in [minval, maxval)."""

    def __init__(
        self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None
    ) -> None:
        super().__init__(seed)
        self.minval, self.maxval = float(minval), float(maxval)

    def __call__(self, shape: Sequence[int], dtype: DTypeLike = None) -> np.ndarray:
        values = self._rng().uniform(self.minval, self.maxval, size=tuple(shape))
        return float_array(values, dtype)

    def get_config(self) -> dict[str, Any]:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class RandomNormal(RandomInitializer):
    """Normal with `mean` and `stddev`."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.mean, self.stddev = float(mean), float(stddev)

    def __call__(self, shape: Sequence[int], dtype: DTypeLike = None) -> np.ndarray:
        values = self._rng().normal(self.mean, self.stddev, size=tuple(shape))
        return float_array(values, dtype)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    """Normal with `mean` and `stddev`, values beyond 2 stddev redrawn."""

    def __call__(self, shape: Sequence[int], dtype: DTypeLike = None) -> np.ndarray:
        values = _truncated_normal(self._rng(), self.mean, self.stddev, tuple(shape))
        return float_array(values, dtype)


class VarianceScaling(RandomInitializer):
    """Scales its distribution to the kernel's fan: `scale / fan` is the variance.

    Args:
        scale: positive float.
        mode: "fan_in", "fan_out" or "fan_avg".
        distribution: "truncated_normal", "untruncated_normal" or "uniform".
        seed: optional int.
        input_axes: optional list of the axes whose sizes make the fan-in.
        output_axes: optional list of the axes whose sizes make the fan-out
            (both or neither: with one alone, Keras's default fans are used).
    """

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: int | None = None,
        input_axes: Sequence[int] | None = None,
        output_axes: Sequence[int] | None = None,
    ) -> None:
        super().__init__(seed)
        self.input_axes = input_axes
        self.output_axes = output_axes
        if scale <= 0:
            raise ValueError(f"VarianceScaling expected scale > 0. Received: scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(
                f"VarianceScaling expected mode 'fan_in', 'fan_out' or 'fan_avg'. "
                f"Received: mode={mode!r}"
            )
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(
                "VarianceScaling expected distribution 'truncated_normal', 'untruncated_normal' "
                f"or 'uniform'. Received: distribution={distribution!r}"
            )
        self.scale, self.mode, self.distribution = float(scale), mode, distribution

    def __call__(self, shape: Sequence[int], dtype: DTypeLike = None) -> np.ndarray:
        shape = tuple(shape)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}
        scale = self.scale / max(1.0, fan[self.mode])
        rng = self._rng()
        if self.distribution == "truncated_normal":
            # 0.8796... is the stddev of a unit normal truncated to [-2, 2].
            stddev = math.sqrt(scale) / 0.87962566103423978
            return float_array(_truncated_normal(rng, 0.0, stddev, shape), dtype)
        if self.distribution == "untruncated_normal":
            return float_array(rng.normal(0.0, math.sqrt(scale), size=shape), dtype)
        limit = math.sqrt(3.0 * scale)
        return float_array(rng.uniform(-limit, limit, size=shape), dtype)

    def get_config(self) -> dict[str, Any]:
        return {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "seed": self.seed,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


def _preset(
    name: str, scale: float, mode: str, distribution: str, doc: str
) -> type[VarianceScaling]:
    def __init__(
        self: VarianceScaling,
        seed: int | None = None,
        input_axes: Sequence[int] | None = None,
        output_axes: Sequence[int] | None = None,
    ) -> None:
        VarianceScaling.__init__(self, scale, mode, distribution, seed, input_axes, output_axes)

    def get_config(self: VarianceScaling) -> dict[str, Any]:
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                            "__doc__": doc})  # fmt: skip


GlorotUniform = _preset("GlorotUniform", 1.0, "fan_avg", "uniform", "Glorot (Xavier) uniform.")
GlorotNormal = _preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal", "Glorot normal.")
HeUniform = _preset("HeUniform", 2.0, "fan_in", "uniform", "He uniform.")
HeNormal = _preset("HeNormal", 2.0, "fan_in", "truncated_normal", "He normal.")
LecunUniform = _preset("LecunUniform", 1.0, "fan_in", "uniform", "LeCun uniform.")
LecunNormal = _preset("LecunNormal", 1.0, "fan_in", "truncated_normal", "LeCun normal.")


class Orthogonal(RandomInitializer):
    """A (semi-)orthogonal matrix times `gain`, from the QR of a normal matrix."""

    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        super().__init__(seed)
        self.gain = float(gain)

    def __call__(self, shape: Sequence[int], dtype: DTypeLike = None) -> np.ndarray:
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal initializer needs a shape of rank >= 2. Received: shape={shape}"
            )
        rows = math.prod(shape[:-1])
        cols = shape[-1]
        a = self._rng().normal(0.0, 1.0, size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return float_array((self.gain * q[:rows, :cols]).reshape(shape), dtype)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain, "seed": self.seed}
