"""Embedding: turns integer ids into dense vectors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pykeras import constraints, initializers, ops, regularizers
from pykeras.layers.layer import Layer
from pykeras.layers.validation import positive_int
from pykeras.ops._dispatch import run

if TYPE_CHECKING:
    from pykeras.constraints import ConstraintLike
    from pykeras.initializers.initializer import InitializerLike
    from pykeras.regularizers import RegularizerLike


class Embedding(Layer):
    """Maps each id in `[0, input_dim)` to a learned vector of `output_dim`.

    Args:
        input_dim: the vocabulary size (largest id + 1).
        output_dim: the size of each vector.
        embeddings_initializer: initializer of the table (default "uniform").
        embeddings_regularizer: optional regularizer of the table.
        embeddings_constraint: optional constraint on the table.
        mask_zero: whether id 0 is padding: the layer then attaches a mask
            (`ids != 0`) to its output, which recurrent layers and other
            mask-aware layers downstream use to skip those steps.
        input_length: accepted for Keras 2 code; ignored.

    Input shape: `(batch, ...)` of ids. Output shape: `(batch, ..., output_dim)`.

    Example:

    >>> Embedding(10, 4)(np.array([[1, 2, 3]])).shape
    (1, 3, 4)
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: InitializerLike = "uniform",
        embeddings_regularizer: RegularizerLike = None,
        embeddings_constraint: ConstraintLike = None,
        mask_zero: bool = False,
        input_length: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input_dim = positive_int(input_dim, "input_dim", self.name)
        self.output_dim = positive_int(output_dim, "output_dim", self.name)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.input_length = input_length
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)

    def build(self, input_shape: Any = None) -> None:
        self.embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
            name="embeddings",
        )
        self.built = True

    def _eager_call(self, inputs: Any, args: Any, kwargs: Any, training: bool | None) -> Any:
        # Ids must stay integers: skip the float conversion other layers apply.
        self._maybe_build(inputs)
        return self._call_with_training(inputs, args, kwargs, training)

    def call(self, inputs: Any) -> Any:
        return run("embedding", [inputs, self.embeddings], index_inputs=(0,))

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape) + (self.output_dim,)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                "mask_zero": self.mask_zero,
            }
        )
        return config
