"""SpectralNormalization: divides a layer's kernel by its largest singular value."""

from __future__ import annotations

from typing import Any

import numpy as np

from pykeras import initializers, ops
from pykeras.engine.tape import recording
from pykeras.engine.tracing import current_trace
from pykeras.errors import InvalidArgumentError
from pykeras.layers.core.wrapper import Wrapper
from pykeras.layers.input_spec import InputSpec
from pykeras.layers.layer import Layer


class SpectralNormalization(Wrapper):
    """Performs spectral normalization on the weights of a target layer.

    This wrapper controls the Lipschitz constant of the weights of a layer
    by constraining their spectral norm, which can stabilize the training of
    GANs. The largest singular value `sigma` of the kernel (reshaped to
    `(-1, kernel.shape[-1])`) is estimated by `power_iterations` steps of the
    power method from the non-trainable `vector_u` of shape
    `(1, kernel.shape[-1])`.

    With `training=True` the layer runs on `kernel / sigma`, gradients flowing
    through `sigma` (not through the power iteration's vectors), and
    `vector_u` keeps the new estimate. Called eagerly with `training=True`,
    the kernel variable is also assigned `kernel / sigma`, as in Keras. In a
    compiled training step (`fit`, `train_on_batch`) only `vector_u` is kept
    and the optimizer updates the raw kernel, as Keras does on JAX (the
    oracle of this port). With `training=False` the wrapped layer runs on
    its kernel as it is. An all-zero kernel is left unchanged.

    Args:
        layer: A `keras.layers.Layer` instance that has either a `kernel`
            (e.g. `Conv2D`, `Dense`...) or an `embeddings` attribute
            (`Embedding` layer).
        power_iterations: int, the number of iterations during
            normalization.
        **kwargs: Base wrapper keyword arguments.

    Example:

    >>> SpectralNormalization(keras.layers.Conv2D(2, 2))(np.random.rand(1, 10, 10, 1)).shape
    (1, 9, 9, 2)

    Reference:

    - [Spectral Normalization for GAN](https://arxiv.org/abs/1802.05957).
    """

    def __init__(self, layer: Layer, power_iterations: int = 1, **kwargs: Any) -> None:
        super().__init__(layer, **kwargs)
        if (
            isinstance(power_iterations, bool)
            or not isinstance(power_iterations, int)
            or power_iterations <= 0
        ):
            raise InvalidArgumentError(
                "`power_iterations` should be greater than zero. Received: "
                f"`power_iterations={power_iterations}`"
            )
        self.power_iterations = power_iterations

    def build(self, input_shape: Any) -> None:
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: tuple(input_shape)[-1]})
        kernel = getattr(self.layer, "kernel", None)
        if kernel is None:
            kernel = getattr(self.layer, "embeddings", None)
        if kernel is None:
            raise ValueError(
                f"{type(self.layer).__name__} object has no attribute 'kernel' nor "
                f"'embeddings' (layer '{self.name}' normalizes one of them)."
            )
        self.kernel = kernel
        self.kernel_shape = tuple(kernel.shape)
        # Keras tracks the wrapped kernel as this layer's own variable too: it is
        # the first entry of this layer's weights and of its store in a file.
        self._own_weights.append(kernel)
        self.vector_u = self.add_weight(
            shape=(1, self.kernel_shape[-1]),
            initializer=initializers.TruncatedNormal(stddev=0.02),
            trainable=False,
            name="vector_u",
        )
        self.built = True

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training:
            return self.layer(inputs)
        tape = recording()
        if tape is not None:
            return self._taped_training_call(tape, inputs)
        new_vector_u, new_kernel = self.normalized_weights()
        self.vector_u.assign(new_vector_u)
        self.kernel.assign(new_kernel)
        tracer = current_trace()
        if tracer is not None:
            # The rest of this step reads `kernel / sigma`, but the step keeps
            # only the optimizer's update of the kernel (Keras on JAX drops
            # assignments to trainable variables in its stateless step).
            node = tracer._variable_node(self.kernel)
            tracer.updates = [(v, n) for v, n in tracer.updates if v != node]
        return self.layer(inputs)

    def _taped_training_call(self, tape: Any, inputs: Any) -> Any:
        """A training call under a `GradientTape`: the wrapped layer reads
        `kernel / sigma` as a recorded tensor, so the kernel's gradient goes
        through the normalization (as JAX's does); the variables then take
        the new values, as in an eager call."""
        raw = tape.variable_node(self.kernel)
        new_vector_u, new_kernel = self.normalized_weights()
        # A tape reads a variable through one leaf; point it at the normalized
        # kernel for the wrapped layer's call only.
        tape._variable_leaves[id(self.kernel)] = (new_kernel.node, self.kernel)
        try:
            outputs = self.layer(inputs)
        finally:
            tape._variable_leaves[id(self.kernel)] = (raw, self.kernel)
        self.vector_u.assign(np.asarray(new_vector_u))
        self.kernel.assign(np.asarray(new_kernel))
        return outputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return self.layer.compute_output_shape(input_shape)

    def normalized_weights(self) -> tuple[Any, Any]:
        """Generate spectral normalized weights.

        Returns:
            `(vector_u, kernel)`: the new estimate of the first right singular
            vector and the kernel divided by its spectral norm (both unchanged
            for an all-zero kernel).
        """
        weights = ops.reshape(self.kernel, [-1, self.kernel_shape[-1]])
        vector_u: Any = self.vector_u
        vector_v: Any = None
        # The vectors are single rows: normalizing their last axis is Keras's
        # normalization over all of them (axis=None).
        for _ in range(self.power_iterations):
            vector_v = ops.normalize(ops.matmul(vector_u, ops.transpose(weights)), axis=-1)
            vector_u = ops.normalize(ops.matmul(vector_v, weights), axis=-1)
        vector_u = ops.stop_gradient(vector_u)
        vector_v = ops.stop_gradient(vector_v)
        sigma = ops.matmul(ops.matmul(vector_v, weights), ops.transpose(vector_u))
        # Keras skips the update for an all-zero kernel (sigma is 0 there).
        all_zero = ops.all(ops.equal(self.kernel, 0))
        sigma = ops.where(all_zero, 1.0, sigma)
        vector_u = ops.where(all_zero, self.vector_u, vector_u)
        kernel = ops.reshape(ops.divide(self.kernel, sigma), self.kernel_shape)
        return vector_u, kernel

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["power_iterations"] = self.power_iterations
        return config
