"""ELU: the exponential linear unit as a layer."""

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

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)
        self.built = True

    def call(self, inputs):
        return run("elu", [inputs], alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config
