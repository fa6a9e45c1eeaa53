"""LayerNormalization: normalises each sample over its feature axes."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras import constraints, initializers, ops, regularizers
from pykeras.layers.layer import Layer
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.constraints import ConstraintLike
    from pykeras.initializers.initializer import InitializerLike
    from pykeras.regularizers import RegularizerLike


class LayerNormalization(Layer):
    """Normalises each sample to zero mean and unit variance over `axis`,
    then scales by `gamma` and shifts by `beta`.

    Args:
        axis: an int or a list of ints, the axes to normalise (default -1).
        epsilon: added to the variance (default 1e-3).
        center: whether to add `beta`.
        scale: whether to multiply by `gamma`.
        beta_initializer, gamma_initializer: initializers of `beta` and `gamma`.
        beta_regularizer, gamma_regularizer: their optional regularizers.
        beta_constraint, gamma_constraint: their optional constraints.
        rms_scaling: (deprecated in Keras, kept for its files) divide by
            `sqrt(variance + epsilon)` without centering, then multiply by
            `gamma`; there is no `beta`. `RMSNormalization` is the true RMS
            normalization.

    Example:

    >>> LayerNormalization()(np.array([[1.0, 3.0]])).round(4)
    array([[-0.9995,  0.9995]], dtype=float32)
    """

    # Passes a Keras mask on unchanged, as in Keras.
    supports_masking = True

    def __init__(
        self,
        axis: int | Sequence[int] = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: InitializerLike = "zeros",
        gamma_initializer: InitializerLike = "ones",
        beta_regularizer: RegularizerLike = None,
        gamma_regularizer: RegularizerLike = None,
        beta_constraint: ConstraintLike = None,
        gamma_constraint: ConstraintLike = None,
        **kwargs: Any,
    ) -> None:
        rms_scaling = bool(kwargs.pop("rms_scaling", False))
        super().__init__(**kwargs)
        if rms_scaling:
            warnings.warn(
                "You passed `rms_scaling=True`, which is deprecated. This argument scales the "
                "input by the variance, not the root mean square. To use RMS Normalization, "
                "use `keras.layers.RMSNormalization` instead.",
                stacklevel=2,
            )
        self.rms_scaling = rms_scaling
        if not isinstance(axis, (int, list, tuple)) or isinstance(axis, bool):
            raise TypeError(
                f"Layer '{self.name}' expected an int or a list/tuple of ints for the argument "
                f"'axis'. Received: axis={axis!r}"
            )
        self.axis = [int(a) for a in axis] if isinstance(axis, (list, tuple)) else int(axis)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def _axes(self, rank: int) -> Any:
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        for a in axes:
            if not -rank <= a < rank:
                raise ValueError(
                    f"Layer '{self.name}' got axis={self.axis}, out of range for inputs of rank "
                    f"{rank}."
                )
        return sorted(a % rank for a in axes)

    def build(self, input_shape: Any) -> None:
        axes = self._axes(len(input_shape))
        shape = tuple(input_shape[a] for a in axes)
        if any(d is None for d in shape):
            raise ValueError(
                f"Layer '{self.name}' needs known sizes on the normalised axes. "
                f"Received: input_shape={tuple(input_shape)}"
            )
        self._param_shape = shape
        self._rank = len(input_shape)
        # Variables, or None when `scale` / `center` is off.
        self.gamma: Any = None
        self.beta: Any = None
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                name="gamma",
            )
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                name="beta",
            )
        self.built = True

    def call(self, inputs: Any) -> Any:
        if self.rms_scaling:
            axes = self._axes(self._rank)
            variance = ops.var(inputs, axis=axes, keepdims=True)
            out = ops.multiply(inputs, ops.rsqrt(ops.add(variance, self.epsilon)))
            return ops.multiply(out, self._broadcast(self.gamma, self._rank))
        gamma = self.gamma if self.scale else np.ones(self._param_shape, np.float32)
        beta = self.beta if self.center else np.zeros(self._param_shape, np.float32)
        return run("layer_norm", [inputs, gamma, beta], axis=self.axis, epsilon=self.epsilon)

    def _broadcast(self, weight: Any, rank: int) -> Any:
        axes = self._axes(rank)
        if axes == [rank - 1]:
            return weight
        shape = [1] * rank
        for a, size in zip(axes, self._param_shape):
            shape[a] = size
        return ops.reshape(weight, shape)

    def compute_output_shape(self, input_shape: Any) -> Any:
        self._axes(len(input_shape))
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "axis": self.axis,
                "epsilon": self.epsilon,
                "center": self.center,
                "scale": self.scale,
                "rms_scaling": self.rms_scaling,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint),
            }
        )
        return config
