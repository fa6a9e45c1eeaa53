"""Special functions, as `keras.ops` has them: erf, erfc, erfinv.

Each is a primitive of the core, computed in float64 and rounded once to
float32 (within an ulp or so of the exact value), with its derivative as
backward rule, so it works eagerly, in Functional models and in traced
graphs. `erfc` is its own primitive rather than `1 - erf(x)`, which would
round to 0 for x above about 4 where erfc(x) is still far above float32's
smallest value (erfc(9) ~ 4e-37).

Eagerly, integer inputs are converted to float32 (Keras on JAX refuses
them); every result is float32.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__ = ["erf", "erfc", "erfinv"]


def erf(x: TensorLike) -> Tensor:
    """Computes the error function of `x`, element-wise.

    Its gradient is `2 / sqrt(pi) * exp(-x**2)`.

    Args:
        x: Input tensor.

    Returns:
        A float32 tensor with the same shape as `x`.

    Example:

    >>> x = np.array([-3.0, -2.0, -1.0, 0.0, 1.0])
    >>> keras.ops.erf(x)
    array([-0.99997791, -0.99532227, -0.84270079,  0.        ,  0.84270079])
    """
    return run("erf", [x])


def erfc(x: TensorLike) -> Tensor:
    """Computes the complementary error function `1 - erf(x)`, element-wise.

    Accurate in relative terms for large `x`, where `1 - erf(x)` would
    cancel to 0. Its gradient is `-2 / sqrt(pi) * exp(-x**2)`.

    Args:
        x: Input tensor.

    Returns:
        A float32 tensor with the same shape as `x`.

    Example:

    >>> keras.ops.erfc(np.array([0.0, 1.0, 5.0]))
    array([1.00000000e+00, 1.57299207e-01, 1.53745979e-12])
    """
    return run("erfc", [x])


def erfinv(x: TensorLike) -> Tensor:
    """Computes the inverse error function of `x`, element-wise.

    `erfinv(1)` is `inf`, `erfinv(-1)` is `-inf`, and values outside
    `[-1, 1]` give NaN. Its gradient is `sqrt(pi) / 2 * exp(erfinv(x)**2)`.

    Args:
        x: Input tensor.

    Returns:
        A float32 tensor with the same shape as `x`.

    Example:

    >>> x = np.array([-0.5, -0.2, -0.1, 0.0, 0.3])
    >>> keras.ops.erfinv(x)
    array([-0.47693628, -0.17914345, -0.08885599,  0.        ,  0.27246271])
    """
    return run("erfinv", [x])
