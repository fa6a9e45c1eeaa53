"""Normalization: shifts and scales inputs by a mean and variance, given or adapted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pykeras import ops
from pykeras.layers.layer import Layer

_EPSILON = 1e-7


class Normalization(Layer):
    """A preprocessing layer that normalizes continuous features.

    Computes `(inputs - mean) / sqrt(variance)` (the root floored at 1e-7),
    or its inverse with `invert=True`. The statistics are given, or computed
    by `adapt(data)`; adapted ones are the non-trainable weights `mean`,
    `variance` and `count`, as in Keras, and so are saved with the model.

    Args:
        axis: the axis or axes kept (one statistic per position along them);
            None for a single mean and variance. Default -1 (features).
        mean: the mean, broadcast against the kept axes; None to adapt.
        variance: the variance, given with `mean`.
        invert: apply the inverse transformation.

    Example:

    >>> layer = Normalization()
    >>> layer.adapt(np.array([[0.0], [2.0]]))
    >>> layer(np.array([[0.0], [2.0]]))
    array([[-1.],
           [ 1.]], dtype=float32)
    """

    def __init__(
        self,
        axis: int | Sequence[int] | None = -1,
        mean: Any = None,
        variance: Any = None,
        invert: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if axis is None:
            axes: Sequence[int] = ()
        elif isinstance(axis, int):
            axes = (axis,)
        else:
            axes = axis
        self.axis = tuple(int(a) for a in axes)
        if (mean is None) != (variance is None):
            raise ValueError(
                f"Layer '{self.name}': when setting values directly, both `mean` and "
                f"`variance` must be set. Received: mean={mean} and variance={variance}"
            )
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)

    def build(self, input_shape: Any) -> None:
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                f"Layer '{self.name}': all `axis` values must be in the range [-ndim, ndim). "
                f"Received inputs with ndim={ndim}, while axis={self.axis}"
            )
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(
                    f"Layer '{self.name}': all `axis` values to be kept must have a known "
                    f"shape. Received axis={self.axis}, inputs.shape={tuple(input_shape)}"
                )
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = [input_shape[d] if d in self._keep_axis else 1 for d in range(ndim)]
        shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(
                name="mean", shape=shape, initializer="zeros", trainable=False
            )
            self.adapt_variance = self.add_weight(
                name="variance", shape=shape, initializer="ones", trainable=False
            )
            self.count = self.add_weight(
                name="count", shape=(), initializer="zeros", trainable=False
            )
        else:
            self._fixed = tuple(
                self._broadcast(np.asarray(v, np.float32))
                for v in (self.input_mean, self.input_variance)
            )
        self.built = True

    def _broadcast(self, value: Any) -> Any:
        """`value` aligned right to left with the kept axes, then broadcast."""
        ndim = len(self._broadcast_shape)
        expanded = [1] * ndim
        for i in range(1, value.ndim + 1):
            expanded[self._keep_axis[-i]] = value.shape[-i]
        return np.broadcast_to(value.reshape(expanded), self._broadcast_shape).astype(np.float32)

    def adapt(self, data: Any) -> None:
        """Computes the mean and variance of `data` (an array, or an iterable
        of batches) per position along the kept axes.

        Args:
            data: a NumPy array, or an iterable of batches (arrays, or
                `(x, y)` tuples whose `x` is used).
        """
        if isinstance(data, np.ndarray) or hasattr(data, "__array__"):
            batches = [np.asarray(data, np.float64)]
        else:
            batches = [np.asarray(b[0] if isinstance(b, tuple) else b, np.float64) for b in data]
        if not batches:
            raise ValueError(f"Layer '{self.name}': adapt() received no data.")
        if not self.built:
            self.build((None, *batches[0].shape[1:]))
        if self.input_mean is not None:
            raise ValueError(
                f"Layer '{self.name}' was given `mean` and `variance`; it cannot be adapted."
            )
        total, mean, m2 = 0, 0.0, 0.0
        for batch in batches:
            n = int(np.prod([batch.shape[d] for d in self._reduce_axis]))
            b_mean = batch.mean(axis=self._reduce_axis)
            b_m2 = ((batch - batch.mean(axis=self._reduce_axis, keepdims=True)) ** 2).sum(
                axis=self._reduce_axis
            )
            # Chan et al.'s parallel update: batches of any sizes combine exactly.
            delta = b_mean - mean
            new_total = total + n
            mean = mean + delta * n / new_total
            m2 = m2 + b_m2 + delta**2 * total * n / new_total
            total = new_total
        self.adapt_mean.assign(np.asarray(mean, np.float32).reshape(self.adapt_mean.shape))
        self.adapt_variance.assign(
            np.asarray(m2 / total, np.float32).reshape(self.adapt_variance.shape)
        )
        self.count.assign(np.float32(total))

    def _statistics(self) -> Any:
        if self.input_mean is not None:
            return self._fixed
        shape = self._broadcast_shape
        return ops.reshape(self.adapt_mean, shape), ops.reshape(self.adapt_variance, shape)

    def call(self, inputs: Any) -> Any:
        mean, variance = self._statistics()
        std = ops.maximum(ops.sqrt(variance), _EPSILON)
        if self.invert:
            return ops.add(mean, ops.multiply(inputs, std))
        return ops.divide(ops.subtract(inputs, mean), std)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()

        def listed(v: Any) -> Any:
            return np.asarray(v).tolist() if v is not None else None

        config.update(
            {
                "axis": list(self.axis) if len(self.axis) != 1 else self.axis[0],
                "invert": self.invert,
                "mean": listed(self.input_mean),
                "variance": listed(self.input_variance),
            }
        )
        return config
