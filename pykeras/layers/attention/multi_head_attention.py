"""MultiHeadAttention: Keras 3's layer, with its weights, layouts and masks."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pykeras import constraints, initializers, regularizers
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.layers.attention.equations import (
    attention_equations,
    partial_output_shape,
    projection_equation,
)
from pykeras.layers.attention.mha_call import MultiHeadAttentionCall
from pykeras.layers.core.einsum_dense import EinsumDense
from pykeras.layers.layer import Layer
from pykeras.layers.regularization.dropout import Dropout

if TYPE_CHECKING:
    from pykeras.constraints import ConstraintLike
    from pykeras.initializers.initializer import InitializerLike
    from pykeras.regularizers import RegularizerLike


class MultiHeadAttention(MultiHeadAttentionCall, Layer):
    """MultiHeadAttention layer.

    An implementation of multi-headed attention as described in "Attention is
    all you Need" (Vaswani et al., 2017). If `query`, `key`, `value` are the
    same, this is self-attention. The layer projects `query`, `key` and
    `value` into `num_heads` heads, takes scaled dot products of queries and
    keys, softmaxes them into attention probabilities, mixes the values by
    them, concatenates the heads and projects the result.

    Args:
        num_heads: Number of attention heads.
        key_dim: Size of each attention head for query and key.
        value_dim: Size of each attention head for value (default `key_dim`).
        dropout: Dropout probability on the attention probabilities.
        use_bias: Whether the dense layers use bias vectors/matrices.
        output_shape: The expected shape of an output tensor, besides the
            batch and sequence dims. If not specified, projects back to the
            query feature dim (the query input's last dimension).
        attention_axes: axes over which the attention is applied. `None`
            means attention over all axes, but batch, heads, and features.
        sliding_window: Optional positive integer: each query attends only
            to keys within `sliding_window - 1` positions of itself.
        flash_attention: pykeras has no flash kernel; `True` raises.
        kernel_initializer: Initializer for dense layer kernels.
        bias_initializer: Initializer for dense layer biases.
        kernel_regularizer: Regularizer for dense layer kernels.
        bias_regularizer: Regularizer for dense layer biases.
        activity_regularizer: Regularizer for dense layer activity.
        kernel_constraint: Constraint for dense layer kernels.
        bias_constraint: Constraint for dense layer biases.
        use_gate: Whether to gate the attention output by a sigmoid
            projection of the query (Gated Attention).
        seed: Optional integer to seed the dropout layer.

    Call arguments:
        query: Query tensor of shape `(B, T, dim)`.
        value: Value tensor of shape `(B, S, dim)`.
        key: Optional key tensor of shape `(B, S, dim)`; `value` if not given.
        attention_mask: a boolean mask of shape `(B, T, S)`: 1 lets a query
            element attend to a key element, 0 prevents it. Broadcasting can
            happen for the missing batch dimensions and the head dimension.
        return_attention_scores: whether to return `(output, scores)`.
        training: whether dropout is active.
        use_causal_mask: whether each query may only attend to keys at its
            position or before (a decoder's self-attention).

    Returns:
        attention_output: shape `(B, T, E)`, `E` the query's last dimension
            unless `output_shape` is given; and, if asked for, the attention
            scores `(B, num_heads, T, S)`.

    Example:

    >>> layer = MultiHeadAttention(num_heads=2, key_dim=2)
    >>> target = np.ones((1, 8, 16), "float32")
    >>> source = np.ones((1, 4, 16), "float32")
    >>> output, weights = layer(target, source, return_attention_scores=True)
    >>> output.shape, weights.shape
    ((1, 8, 16), (1, 2, 8, 4))
    """

    def __init__(
        self,
        num_heads: int,
        key_dim: int,
        value_dim: int | None = None,
        dropout: float = 0.0,
        use_bias: bool = True,
        output_shape: Any = None,
        attention_axes: Any = None,
        sliding_window: int | None = None,
        flash_attention: bool | None = None,
        kernel_initializer: InitializerLike = "glorot_uniform",
        bias_initializer: InitializerLike = "zeros",
        kernel_regularizer: RegularizerLike = None,
        bias_regularizer: RegularizerLike = None,
        activity_regularizer: RegularizerLike = None,
        kernel_constraint: ConstraintLike = None,
        bias_constraint: ConstraintLike = None,
        use_gate: bool = False,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        for arg, value in (("num_heads", num_heads), ("key_dim", key_dim)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise InvalidArgumentError(
                    f"Received an invalid value for argument `{arg}`, expected a positive "
                    f"integer. Received: {arg}={value!r}"
                )
        if value_dim is not None and (not isinstance(value_dim, int) or value_dim <= 0):
            raise InvalidArgumentError(
                "Received an invalid value for argument `value_dim`, expected a positive "
                f"integer or `None`. Received: value_dim={value_dim!r}"
            )
        super().__init__(**kwargs)
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = float(dropout)
        self._use_bias = use_bias
        self._use_gate = use_gate
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            try:
                output_shape = tuple(output_shape)
            except TypeError:
                raise InvalidArgumentError(
                    f"Layer '{self.name}': invalid `output_shape`: {output_shape!r}. When "
                    "specified, the `output_shape` should be of type tuple, list, or int."
                ) from None
        self._output_shape = output_shape or None
        if flash_attention:
            raise InvalidArgumentError(
                f"Layer '{self.name}': pykeras has no flash attention kernel. "
                "Received: flash_attention=True"
            )
        self._flash_attention = False
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            raise InvalidArgumentError(
                f"Layer '{self.name}': `attention_axes` must be an int, list, or tuple. "
                f"Received: attention_axes={attention_axes!r}"
            )
        self._attention_axes: Any = None if attention_axes is None else tuple(attention_axes)
        if sliding_window is not None and (
            not isinstance(sliding_window, int) or sliding_window <= 0
        ):
            raise InvalidArgumentError(
                f"Layer '{self.name}': `sliding_window` must be `None` or a positive integer. "
                f"Received: sliding_window={sliding_window!r}"
            )
        self._sliding_window = sliding_window
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self._key_dim))

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    # Keras code reaches the projections by their private names too.
    _query_dense = property(lambda self: self.query_dense)
    _key_dense = property(lambda self: self.key_dense)
    _value_dense = property(lambda self: self.value_dense)
    _output_dense = property(lambda self: self.output_dense)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "num_heads": self._num_heads,
                "key_dim": self._key_dim,
                "value_dim": self._value_dim,
                "dropout": self._dropout,
                "use_bias": self._use_bias,
                "use_gate": self._use_gate,
                "output_shape": self._output_shape,
                "attention_axes": self._attention_axes,
                "sliding_window": self._sliding_window,
                "kernel_initializer": initializers.serialize(self._kernel_initializer),
                "bias_initializer": initializers.serialize(self._bias_initializer),
                "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self._bias_regularizer),
                "activity_regularizer": regularizers.serialize(self._activity_regularizer),
                "kernel_constraint": constraints.serialize(self._kernel_constraint),
                "bias_constraint": constraints.serialize(self._bias_constraint),
                "seed": self.seed,
            }
        )
        return config

    # ------------------------------------------------------------------ build

    def _sublayer_kwargs(self) -> Any:
        # A fresh initializer per projection, so that seeded ones do not give
        # four identical kernels (as Keras).
        def clone(init: Any) -> Any:
            return (
                type(init).from_config(init.get_config()) if hasattr(init, "get_config") else init
            )

        return dict(
            kernel_initializer=clone(self._kernel_initializer),
            bias_initializer=clone(self._bias_initializer),
            kernel_regularizer=self._kernel_regularizer,
            bias_regularizer=self._bias_regularizer,
            activity_regularizer=self._activity_regularizer,
            kernel_constraint=self._kernel_constraint,
            bias_constraint=self._bias_constraint,
        )

    def _projection(
        self,
        rank: int,
        heads_dim: Any,
        name: str | None,
        activation: str | Callable[..., Any] | None = None,
    ) -> Any:
        equation, bias_axes, out_rank = projection_equation(rank - 1, 1, 2)
        return EinsumDense(
            equation,
            output_shape=partial_output_shape(out_rank - 1, [self._num_heads, heads_dim]),
            bias_axes=bias_axes if self._use_bias else None,
            activation=activation,
            name=name,
            **self._sublayer_kwargs(),
        )

    def build(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> None:
        """Creates the projections for inputs of these shapes.

        Args:
            query_shape: Shape of the `query` tensor.
            value_shape: Shape of the `value` tensor (default `query_shape`).
            key_shape: Optional shape of the `key` tensor (default `value_shape`).
        """
        query_shape = tuple(query_shape)
        value_shape = query_shape if value_shape is None else tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        self._check_shapes(query_shape, value_shape, key_shape)
        self.query_dense = self._projection(len(query_shape), self._key_dim, "query")
        self.query_dense.build(query_shape)
        self.key_dense = self._projection(len(key_shape), self._key_dim, "key")
        self.key_dense.build(key_shape)
        if self._use_gate:
            self._gate_dense = self._projection(
                len(query_shape), self._value_dim, "gate", activation="sigmoid"
            )
            self._gate_dense.build(query_shape)
        self.value_dense = self._projection(len(value_shape), self._value_dim, "value")
        self.value_dense.build(value_shape)
        rank = len(query_shape) + 1
        self._build_attention(rank)
        out_shape = self._output_shape or [query_shape[-1]]
        equation, bias_axes, out_rank = projection_equation(len(query_shape) - 1, 2, len(out_shape))
        self.output_dense = EinsumDense(
            equation,
            output_shape=partial_output_shape(out_rank - 1, out_shape),
            bias_axes=bias_axes if self._use_bias else None,
            name="attention_output",
            **self._sublayer_kwargs(),
        )
        dense_in = list(self.query_dense.compute_output_shape(query_shape))
        dense_in[-1] = self._value_dim
        self.output_dense.build(tuple(dense_in))
        self._build_shapes = {"query_shape": list(query_shape), "value_shape": list(value_shape)}
        if key_shape is not value_shape and key_shape != value_shape:
            self._build_shapes["key_shape"] = list(key_shape)
        self.built = True

    def _check_shapes(self, query_shape: Any, value_shape: Any, key_shape: Any) -> None:
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ShapeError(
                f"Layer '{self.name}': all dimensions of `value` and `key`, except the last "
                f"one, must be equal. Received: value_shape={value_shape} and "
                f"key_shape={key_shape}"
            )
        if len(query_shape) < 3 or len(value_shape) != len(query_shape):
            raise ShapeError(
                f"Layer '{self.name}' expected `query` and `value` of the same rank, at least "
                f"3 (batch, sequence, features). Received: query_shape={query_shape}, "
                f"value_shape={value_shape}"
            )
        for a, b in ((query_shape[0], value_shape[0]), (value_shape[0], key_shape[0])):
            if a is not None and b is not None and a != b:
                raise ShapeError(
                    f"Layer '{self.name}' expected `query`, `value` and `key` with the same "
                    f"batch size. Received: query_shape={query_shape}, value_shape="
                    f"{value_shape}, key_shape={key_shape}"
                )
        for name, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if shape[-1] is None:
                raise ShapeError(
                    f"Layer '{self.name}' needs a known last dimension of `{name}`. "
                    f"Received: {name}_shape={shape}"
                )

    def _build_attention(self, rank: int) -> None:
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(
                a if a >= 0 else (rank - 1) + a for a in self._attention_axes
            )
        self._dot_product_equation, self._combine_equation, scores_rank = attention_equations(
            rank, self._attention_axes
        )
        n = len(self._attention_axes)
        self._norm_axes = tuple(range(scores_rank - n, scores_rank))
        self._dropout_layer = Dropout(rate=self._dropout, seed=self.seed)

    def get_build_config(self) -> dict[str, Any] | None:
        """Keras's build config: the shapes of the first call, by argument name."""
        if not self.built:
            return None
        return {"shapes_dict": dict(self._build_shapes)}

    def build_from_config(self, config: dict[str, Any]) -> None:
        """Builds from `get_build_config()`'s dict (also Keras's files)."""
        shapes = config.get("shapes_dict") or {}
        if "query_shape" in shapes:
            self.build(shapes["query_shape"], shapes.get("value_shape"), shapes.get("key_shape"))
        elif "input_shape" in config:
            self.build(config["input_shape"])
