"""BatchNormalization: normalises each channel by batch (training) or moving
(inference) statistics, then scales and shifts it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras import constraints, initializers, ops, regularizers
from pykeras.engine.tracing import GraphTensor
from pykeras.layers.layer import Layer
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.constraints import ConstraintLike
    from pykeras.initializers.initializer import InitializerLike
    from pykeras.regularizers import RegularizerLike


class BatchNormalization(Layer):
    """Normalises its inputs along `axis`.

    During training it uses the batch's mean and variance and updates the
    moving averages `moving = moving * momentum + batch * (1 - momentum)`;
    at inference it uses the moving averages.

    Args:
        axis: the channel axis (default -1).
        momentum: the moving averages' momentum (default 0.99).
        epsilon: added to the variance (default 1e-3).
        center: whether to add the learned offset `beta`.
        scale: whether to multiply by the learned `gamma`.
        beta_initializer, gamma_initializer: initializers of `beta` and `gamma`.
        moving_mean_initializer, moving_variance_initializer: initializers of
            the moving statistics.
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint:
            optional regularizers and constraints.
    """

    # Passes a Keras mask on unchanged, as in Keras.
    supports_masking = True

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: InitializerLike = "zeros",
        gamma_initializer: InitializerLike = "ones",
        moving_mean_initializer: InitializerLike = "zeros",
        moving_variance_initializer: InitializerLike = "ones",
        beta_regularizer: RegularizerLike = None,
        gamma_regularizer: RegularizerLike = None,
        beta_constraint: ConstraintLike = None,
        gamma_constraint: ConstraintLike = None,
        synchronized: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.synchronized = synchronized

    def build(self, input_shape: Any) -> None:
        rank = len(input_shape)
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"Layer '{self.name}' got axis={self.axis}, out of range for inputs of rank "
                f"{rank}. Received: input_shape={tuple(input_shape)}"
            )
        channels = input_shape[self.axis]
        if channels is None:
            raise ValueError(
                f"Layer '{self.name}' needs a known size on axis {self.axis}. "
                f"Received: input_shape={tuple(input_shape)}"
            )
        shape = (channels,)
        # Variables, or None when `scale` / `center` is off.
        self.gamma: Any = None
        self.beta: Any = None
        if self.scale:
            self.gamma = self.add_weight(
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                name="gamma",
            )
        if self.center:
            self.beta = self.add_weight(
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                name="beta",
            )
        self.moving_mean = self.add_weight(
            shape=shape, initializer=self.moving_mean_initializer, trainable=False,
            name="moving_mean",
        )  # fmt: skip
        self.moving_variance = self.add_weight(
            shape=shape, initializer=self.moving_variance_initializer, trainable=False,
            name="moving_variance",
        )  # fmt: skip
        self._channels = channels
        self.built = True

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        gamma = self.gamma if self.scale else np.ones(self._channels, np.float32)
        beta = self.beta if self.center else np.zeros(self._channels, np.float32)
        training = bool(training) and self.trainable
        if training and isinstance(inputs, np.ndarray):
            self._update_moving_stats(inputs)
        elif training and isinstance(inputs, GraphTensor):
            self._graph_moving_stats(inputs)
        return run(
            "batch_norm",
            [inputs, gamma, beta, self.moving_mean, self.moving_variance],
            axis=self.axis,
            epsilon=self.epsilon,
            training=training,
        )

    def _update_moving_stats(self, x: Any) -> None:
        """Eager training step: fold this batch's statistics into the moving averages."""
        axes = tuple(i for i in range(x.ndim) if i != self.axis % x.ndim)
        mean = x.mean(axis=axes)
        var = x.var(axis=axes)
        m = self.momentum
        self.moving_mean.assign(self.moving_mean.numpy() * m + mean * (1 - m))
        self.moving_variance.assign(self.moving_variance.numpy() * m + var * (1 - m))

    def _graph_moving_stats(self, x: Any) -> None:
        """Training graph: the moving averages take this batch's statistics after each step."""
        # One primitive for both statistics, computed as batch_norm computes
        # them (one pass over x; a mean-subtract-square-mean composite made
        # two full-size temporaries per layer and step).
        stats = run("batch_moments", [x], axis=self.axis)
        mean, variance = stats[0], stats[1]
        m = self.momentum
        tracer = x.tracer
        for variable, batch_value in ((self.moving_mean, mean), (self.moving_variance, variance)):
            moving = tracer.variable_tensor(variable)
            updated = ops.add(ops.multiply(moving, m), ops.multiply(batch_value, 1 - m))
            tracer.add_update(variable, updated)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "axis": self.axis,
                "momentum": self.momentum,
                "epsilon": self.epsilon,
                "center": self.center,
                "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": initializers.serialize(
                    self.moving_variance_initializer
                ),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint),
                "synchronized": self.synchronized,
            }
        )
        return config
