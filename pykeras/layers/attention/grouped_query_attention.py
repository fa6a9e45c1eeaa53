"""GroupedQueryAttention: query heads share fewer key/value heads (GQA)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pykeras import constraints, initializers, ops, regularizers
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.layers.attention.equations import attention_equations
from pykeras.layers.attention.mha_call import MultiHeadAttentionCall
from pykeras.layers.core.einsum_dense import EinsumDense
from pykeras.layers.layer import Layer
from pykeras.layers.regularization.dropout import Dropout

if TYPE_CHECKING:
    from pykeras.constraints import ConstraintLike
    from pykeras.initializers.initializer import InitializerLike
    from pykeras.regularizers import RegularizerLike


class GroupedQueryAttention(MultiHeadAttentionCall, Layer):
    """Grouped Query Attention layer (Ainslie et al., 2023).

    `num_query_heads` query heads attend with `num_key_value_heads` key and
    value heads, each shared by `num_query_heads // num_key_value_heads`
    query heads; with as many key/value heads as query heads this is
    multi-head attention, with one it is multi-query attention.

    Args:
        head_dim: Size of each attention head.
        num_query_heads: Number of query attention heads.
        num_key_value_heads: Number of key and value attention heads; must
            divide `num_query_heads`.
        dropout: Dropout probability on the attention probabilities.
        use_bias: Whether the dense layers use bias vectors/matrices.
        sliding_window: Optional positive integer: each query attends only
            to keys within `sliding_window - 1` positions of itself.
        flash_attention: pykeras has no flash kernel; `True` raises.
        kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint,
        bias_constraint: for the dense projections.
        use_gate: Whether to gate the attention output by a sigmoid
            projection of the query.
        seed: Optional integer to seed the dropout layer.

    Call arguments: as `MultiHeadAttention`: `query` `(B, T, dim)`, `value`
        `(B, S, dim)`, optional `key`, `attention_mask` `(B, T, S)`,
        `return_attention_scores`, `training`, `use_causal_mask`.

    Returns:
        The output `(B, T, dim)`, and the scores `(B, num_query_heads, T, S)`
        if asked for.

    Example:

    >>> layer = GroupedQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)
    >>> layer(np.ones((1, 3, 8)), np.ones((1, 5, 8))).shape
    (1, 3, 8)
    """

    # Keras exports this class as keras.layers.GroupQueryAttention and writes
    # that name in its files.
    _keras_export_name = "GroupQueryAttention"

    def __init__(
        self,
        head_dim: int,
        num_query_heads: int,
        num_key_value_heads: int,
        dropout: float = 0.0,
        use_bias: bool = True,
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
        super().__init__(**kwargs)
        for arg, value in (
            ("head_dim", head_dim),
            ("num_query_heads", num_query_heads),
            ("num_key_value_heads", num_key_value_heads),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise InvalidArgumentError(
                    f"Layer '{self.name}' expected `{arg}` to be a positive integer. "
                    f"Received: {arg}={value!r}"
                )
        if num_query_heads % num_key_value_heads != 0:
            raise InvalidArgumentError(
                f"Layer '{self.name}': `num_query_heads` must be divisible by "
                f"`num_key_value_heads`. Received: num_query_heads={num_query_heads}, "
                f"num_key_value_heads={num_key_value_heads}"
            )
        if sliding_window is not None and (
            not isinstance(sliding_window, int) or sliding_window <= 0
        ):
            raise InvalidArgumentError(
                f"Layer '{self.name}': `sliding_window` must be `None` or a positive integer. "
                f"Received: sliding_window={sliding_window!r}"
            )
        if flash_attention:
            raise InvalidArgumentError(
                f"Layer '{self.name}': pykeras has no flash attention kernel. "
                "Received: flash_attention=True"
            )
        self.supports_masking = True
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = self._dropout = float(dropout)
        self.use_bias = use_bias
        self.use_gate = self._use_gate = use_gate
        self.sliding_window = self._sliding_window = sliding_window
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._activity = regularizers.get(activity_regularizer)
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(head_dim))
        self._output_shape = None

    def _dense(
        self,
        equation: str,
        output_shape: Any,
        bias_axes: str | None,
        name: str | None,
        activation: str | Callable[..., Any] | None = None,
    ) -> Any:
        def clone(init: Any) -> Any:
            return (
                type(init).from_config(init.get_config()) if hasattr(init, "get_config") else init
            )

        return EinsumDense(
            equation,
            output_shape=output_shape,
            bias_axes=bias_axes if self.use_bias else None,
            activation=activation,
            name=name,
            kernel_initializer=clone(self.kernel_initializer),
            bias_initializer=clone(self.bias_initializer),
            kernel_regularizer=self.kernel_regularizer,
            bias_regularizer=self.bias_regularizer,
            activity_regularizer=self._activity,
            kernel_constraint=self.kernel_constraint,
            bias_constraint=self.bias_constraint,
        )

    def build(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> None:
        """Creates the projections for inputs of these shapes."""
        query_shape = tuple(query_shape)
        value_shape = query_shape if value_shape is None else tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        self._check_gqa_shapes(query_shape, value_shape, key_shape)
        self.feature_dim = query_shape[-1]
        q_heads, kv_heads, h = self.num_query_heads, self.num_key_value_heads, self.head_dim
        self._query_dense = self._dense("bqm,muh->bquh", (None, q_heads, h), "uh", "query")
        self._query_dense.build(query_shape)
        self._key_dense = self._dense("bkm,mvh->bkvh", (None, kv_heads, h), "vh", "key")
        self._key_dense.build(key_shape)
        if self.use_gate:
            self._gate_dense = self._dense(
                "bqm,muh->bquh", (None, q_heads, h), "uh", "gate", activation="sigmoid"
            )
            self._gate_dense.build(query_shape)
        self._value_dense = self._dense("bkm,mvh->bkvh", (None, kv_heads, h), "vh", "value")
        self._value_dense.build(value_shape)
        self._dropout_layer = Dropout(rate=self.dropout, seed=self.seed)
        self._attention_axes = (1,)
        self._dot_product_equation, self._combine_equation, _ = attention_equations(4, (1,))
        self._norm_axes = (-1,)
        self._output_dense = self._dense(
            "bquh,uhm->bqm", (None, self.feature_dim), "m", "attention_output"
        )
        self._output_dense.build((None, None, q_heads, h))
        self._build_shapes = {"query_shape": list(query_shape), "value_shape": list(value_shape)}
        if key_shape != value_shape:
            self._build_shapes["key_shape"] = list(key_shape)
        self.built = True

    def _check_gqa_shapes(self, query_shape: Any, value_shape: Any, key_shape: Any) -> None:
        if len(query_shape) != 3 or len(value_shape) != 3 or len(key_shape) != 3:
            raise ShapeError(
                f"Layer '{self.name}' expected `query`, `value` and `key` of rank 3 "
                f"(batch, sequence, features). Received: query_shape={query_shape}, "
                f"value_shape={value_shape}, key_shape={key_shape}"
            )
        if query_shape[-1] != value_shape[-1]:
            raise ShapeError(
                f"Layer '{self.name}': the last dimension of `query_shape` and `value_shape` "
                f"must be equal, but are {query_shape[-1]}, {value_shape[-1]}. Received: "
                f"query_shape={query_shape}, value_shape={value_shape}"
            )
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ShapeError(
                f"Layer '{self.name}': all dimensions of `value` and `key`, except the last "
                f"one, must be equal. Received: value_shape={value_shape} and "
                f"key_shape={key_shape}"
            )
        for a, b in ((query_shape[0], value_shape[0]), (value_shape[0], key_shape[0])):
            if a is not None and b is not None and a != b:
                raise ShapeError(
                    f"Layer '{self.name}' expected `query`, `value` and `key` with the same "
                    f"batch size. Received: query_shape={query_shape}, value_shape="
                    f"{value_shape}, key_shape={key_shape}"
                )

    def _expand_heads(self, projected: Any) -> Any:
        if self.num_repeats == 1:
            return projected
        return ops.repeat(projected, self.num_repeats, axis=2)

    def get_build_config(self) -> dict[str, Any] | None:
        """Keras's build config: the shapes of the first call, by argument name."""
        return {"shapes_dict": dict(self._build_shapes)} if self.built else None

    def build_from_config(self, config: dict[str, Any]) -> None:
        """Builds from `get_build_config()`'s dict (also Keras's files)."""
        shapes = config.get("shapes_dict") or {}
        if "query_shape" in shapes:
            self.build(shapes["query_shape"], shapes.get("value_shape"), shapes.get("key_shape"))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "head_dim": self.head_dim,
                "num_query_heads": self.num_query_heads,
                "num_key_value_heads": self.num_key_value_heads,
                "use_bias": self.use_bias,
                "use_gate": self.use_gate,
                "sliding_window": self.sliding_window,
                "dropout": self.dropout,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self._activity),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "seed": self.seed,
            }
        )
        return config
