"""ELU: the exponential linear unit as a layer."""

from __future__ import annotations

from typing import Any

from pykeras.layers.layer import Layer
from pykeras.ops._dispatch import run


class ELU(Layer):
    """x if x > 0, else alpha * (exp(x) - 1).

    Args:
        alpha: the scale for the negative part (default 1.0).

    Example:

    >>> ELU()(np.array([1.0])).tolist()
    [1.0]
    """

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha = float(alpha)
        self.built = True

    def call(self, inputs: Any) -> Any:
        return run("elu", [inputs], alpha=self.alpha)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["alpha"] = self.alpha
        return config
