"""ReversibleEmbedding: an embedding that can also project back to the vocabulary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras import ops
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.layers.core.embedding import Embedding

if TYPE_CHECKING:
    from pykeras.constraints import ConstraintLike
    from pykeras.initializers.initializer import InitializerLike
    from pykeras.regularizers import RegularizerLike


class ReversibleEmbedding(Embedding):
    """An embedding layer which can project backwards to the input dim.

    This layer is an extension of `keras.layers.Embedding` for language
    models. Called with `reverse=True`, it projects linearly from
    `output_dim` back to `input_dim`: by the transpose of `embeddings` when
    the weights are tied (the default), else by a separate trainable
    `reverse_embeddings` matrix of shape `(output_dim, input_dim)`. It has
    no bias terms.

    Args:
        input_dim: Integer. Size of the vocabulary, i.e. maximum integer
            index + 1.
        output_dim: Integer. Dimension of the dense embedding.
        tie_weights: Boolean, whether the matrix for embedding and the
            matrix for the `reverse` projection share the same weights.
        embeddings_initializer: Initializer for the `embeddings` matrix (and
            `reverse_embeddings`).
        embeddings_regularizer: Regularizer applied to `embeddings`.
        embeddings_constraint: Constraint applied to `embeddings`.
        mask_zero: Boolean, whether the input value 0 is a special "padding"
            value to mask out (forward calls only).
        reverse_dtype: The dtype of the reverse projection; defaults to the
            layer's compute dtype.
        logit_soft_cap: If set, reverse outputs are
            `tanh(logits / logit_soft_cap) * logit_soft_cap`.
        **kwargs: other arguments of `Embedding` (`name`, `trainable`, ...).

    Call arguments:
        inputs: integer ids, or (with `reverse=True`) hidden states whose
            last axis has size `output_dim`.
        reverse: Boolean; `True` projects to `input_dim` instead of embedding.

    Example:

    >>> embedding = ReversibleEmbedding(100, 32)
    >>> hidden = embedding(np.random.randint(100, size=(16, 50)))
    >>> embedding(hidden, reverse=True).shape
    (16, 50, 100)
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        tie_weights: bool = True,
        embeddings_initializer: InitializerLike = "uniform",
        embeddings_regularizer: RegularizerLike = None,
        embeddings_constraint: ConstraintLike = None,
        mask_zero: bool = False,
        reverse_dtype: str | None = None,
        logit_soft_cap: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            input_dim,
            output_dim,
            embeddings_initializer=embeddings_initializer,
            embeddings_regularizer=embeddings_regularizer,
            embeddings_constraint=embeddings_constraint,
            mask_zero=mask_zero,
            **kwargs,
        )
        self.tie_weights = bool(tie_weights)
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap
        # Whether the call in progress is a reverse one (for compute_mask).
        self._reverse_call = False

    def build(self, input_shape: Any = None) -> None:
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                shape=(self.output_dim, self.input_dim),
                initializer=self.embeddings_initializer,
                name="reverse_embeddings",
                trainable=True,
            )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        previous = self._reverse_call
        self._reverse_call = bool(kwargs.get("reverse", False))
        try:
            return super().__call__(*args, **kwargs)
        finally:
            self._reverse_call = previous

    def call(self, inputs: Any, reverse: bool = False) -> Any:
        if not reverse:
            return super().call(inputs)
        last = tuple(inputs.shape)[-1] if hasattr(inputs, "shape") else None
        if last is not None and last != self.output_dim:
            raise ValueError(
                f"Layer '{self.name}' (ReversibleEmbedding) expected inputs of a reverse call "
                f"to have a last axis of size output_dim={self.output_dim}. Received: "
                f"inputs.shape={tuple(inputs.shape)}"
            )
        kernel = ops.transpose(self.embeddings) if self.tie_weights else self.reverse_embeddings
        if self.reverse_dtype is not None:
            inputs = ops.cast(inputs, self.reverse_dtype)
            kernel = ops.cast(kernel, self.reverse_dtype)
        elif isinstance(inputs, np.ndarray) and inputs.dtype != np.float32:
            # Eager arrays skip the layer's float32 conversion (ids must stay ids).
            inputs = inputs.astype(np.float32)
        logits = ops.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            cap = self.logit_soft_cap
            logits = ops.multiply(ops.tanh(ops.divide(logits, cap)), cap)
        return logits

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        # Only a forward call masks (ids equal to 0); logits carry no mask.
        if self._reverse_call:
            return None
        return super().compute_mask(inputs, mask)

    def compute_output_shape(self, input_shape: Any, reverse: bool = False) -> Any:
        shape = list(input_shape)
        if reverse:
            shape[-1] = self.input_dim
        else:
            shape.append(self.output_dim)
        return tuple(shape)

    def compute_output_spec(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        reverse = bool(args[0]) if args else bool(kwargs.get("reverse", False))
        return KerasTensor(self.compute_output_shape(inputs.shape, reverse), dtype="float32")

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "tie_weights": self.tie_weights,
                "reverse_dtype": self.reverse_dtype,
                "logit_soft_cap": self.logit_soft_cap,
            }
        )
        return config
