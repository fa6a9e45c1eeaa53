"""The call of `MultiHeadAttention`: masks, projections, attention, output.

Kept apart from the layer's configuration and build (multi_head_attention.py)
so each file holds one concept. The order of operations is Keras 3's, so that
outputs, scores and gradients match it on the same weights: the fast path
(`ops.dot_product_attention`) where Keras takes it, the einsum path with a
masked softmax elsewhere (dropout, returned scores, ranks other than 3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from pykeras import ops
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.layers.attention import masks as M


def _split_call_args(layer_name: str, args: Any, kwargs: Any) -> Any:
    """(query, value, rest of kwargs) from Keras's ways of calling the layer."""
    args = list(args)
    kwargs = dict(kwargs)
    query = args.pop(0) if args else kwargs.pop("query", kwargs.pop("inputs", None))
    value = args.pop(0) if args else kwargs.pop("value", None)
    for name in ("key", "query_mask", "value_mask", "key_mask", "attention_mask"):
        if args:
            kwargs[name] = args.pop(0)
    if query is None or value is None or args:
        raise InvalidArgumentError(
            f"Layer '{layer_name}' expected to be called as layer(query, value, key=None, "
            f"attention_mask=None, ...). Received: {len(args)} extra positional arguments, "
            f"query given: {query is not None}, value given: {value is not None}"
        )
    return query, value, kwargs


if TYPE_CHECKING:
    from pykeras.layers.layer import Layer

    _Host = Layer
else:
    _Host = object


class MultiHeadAttentionCall(_Host):
    """`__call__`, `call` and the shapes of `MultiHeadAttention`."""

    # Set by `MultiHeadAttention.__init__` and `build`.
    _attention_axes: tuple[int, ...]
    _build_shapes: dict[str, Any]
    _combine_equation: str
    _dot_product_equation: str
    _dropout: float
    _dropout_layer: Any
    _gate_dense: Any
    _inverse_sqrt_key_dim: float
    _key_dense: Any
    _norm_axes: tuple[int, ...]
    _output_dense: Any
    _output_shape: Any
    _query_dense: Any
    _sliding_window: int | None
    _use_gate: bool
    _value_dense: Any

    if TYPE_CHECKING:

        def build(
            self, query_shape: Any, value_shape: Any = None, key_shape: Any = None
        ) -> None: ...

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        query, value, kwargs = _split_call_args(self.name, args, kwargs)
        key = kwargs.get("key")
        # Implicit masks of masked inputs (Embedding(mask_zero=True), Masking)
        # become the query/value/key masks, as Keras feeds them. Not in a
        # symbolic call: its masks are shape-only tensors that must not enter
        # the recorded node; the masks travel with the values when the model
        # runs. The output keeps the query's mask (`supports_masking`).
        symbolic = any(isinstance(t, KerasTensor) for t in (query, value, key))
        for name, tensor in (("query_mask", query), ("value_mask", value), ("key_mask", key)):
            if not symbolic and kwargs.get(name) is None and M.keras_mask(tensor) is not None:
                kwargs[name] = M.keras_mask(tensor)
        if not self.built:
            self.build(
                M.shape_of(query),
                M.shape_of(value),
                None if key is None else M.shape_of(key),
            )
        return super().__call__(query, value, **kwargs)

    def call(
        self,
        query: Any,
        value: Any,
        key: Any = None,
        query_mask: Any = None,
        value_mask: Any = None,
        key_mask: Any = None,
        attention_mask: Any = None,
        return_attention_scores: bool = False,
        training: bool | None = None,
        use_causal_mask: bool = False,
    ) -> Any:
        if key is None:
            key = value
        causal_only = (
            use_causal_mask
            and query_mask is None
            and value_mask is None
            and key_mask is None
            and attention_mask is None
            and self._sliding_window is None
        )
        if not causal_only:
            attention_mask = self._compute_attention_mask(
                query,
                value,
                query_mask=query_mask,
                value_mask=value_mask,
                key_mask=key_mask,
                attention_mask=attention_mask,
                use_causal_mask=use_causal_mask,
            )
        else:
            attention_mask = None
        gate = self._gate_dense(query) if self._use_gate else None
        query = self._query_dense(query)
        key = self._expand_heads(self._key_dense(key))
        value = self._expand_heads(self._value_dense(value))
        output, scores = self._compute_attention(
            query,
            key,
            value,
            attention_mask,
            training,
            return_attention_scores,
            use_causal_mask=causal_only,
        )
        if gate is not None:
            output = ops.multiply(output, gate)
        output = self._output_dense(output)
        if return_attention_scores:
            return output, scores
        return output

    def _expand_heads(self, projected: Any) -> Any:
        """The projected key or value with as many heads as the query (MHA: as is)."""
        return projected

    def _compute_attention_mask(
        self,
        query: Any,
        value: Any,
        query_mask: Any = None,
        value_mask: Any = None,
        key_mask: Any = None,
        attention_mask: Any = None,
        use_causal_mask: bool = False,
    ) -> Any:
        """The `(B, T, S)` 0/1 mask of the inputs' masks, the causal and window
        masks and `attention_mask`, or None when nothing is masked."""
        auto = None
        if query_mask is not None:
            auto = ops.expand_dims(M.as_float(query_mask), -1)  # (B, T, 1)
        if value_mask is not None:
            auto = M.combine(auto, ops.expand_dims(M.as_float(value_mask), -2))  # (B, 1, S)
        if key_mask is not None:
            auto = M.combine(auto, ops.expand_dims(M.as_float(key_mask), -2))
        if use_causal_mask:
            auto = M.combine(auto, self._compute_causal_mask(query, value))
        if self._sliding_window is not None:
            t, s = self._lengths(query, value)
            auto = M.combine(auto, M.sliding_window_mask(t, s, self._sliding_window))
        if attention_mask is not None:
            attention_mask = M.as_float(attention_mask)
        return M.combine(attention_mask, auto)

    def _lengths(self, query: Any, value: Any) -> Any:
        # A traced tensor may not know its shape: the build shapes do.
        q = M.shape_of(query) or tuple(self._build_shapes["query_shape"])
        v = M.shape_of(value) if value is not None else q
        v = v or tuple(self._build_shapes["value_shape"])
        return (
            M.static_length(self.name, q, 1, "query"),
            M.static_length(self.name, v, 1, "value"),
        )

    def _compute_causal_mask(self, query: Any, value: Any = None) -> Any:
        """(1, T, S) lower-triangular mask: query i attends to keys 0..i."""
        t, s = self._lengths(query, value)
        return M.causal_mask(t, s)

    def _scores_shape(self, query: Any, key: Any) -> Any:
        rank = len(self._build_shapes["query_shape"]) + 1  # projected: heads added
        q = M.shape_of(query) or (None,) * rank
        k = M.shape_of(key) or (None,) * rank
        batch = [i for i in range(rank) if i not in self._attention_axes and i != rank - 1]
        return tuple(
            [q[i] for i in batch]
            + [q[i] for i in self._attention_axes]
            + [k[i] for i in self._attention_axes]
        )

    def _expand_mask(self, mask: Any, rank: int) -> Any:
        """Inserts the head axis (and missing batch axes) into a mask, as Keras."""
        axis = -len(self._attention_axes) * 2 - 1
        mask_shape = M.shape_of(mask)
        mask_rank = len(mask_shape) if mask_shape is not None else rank - 1
        for _ in range(rank - mask_rank):
            mask = ops.expand_dims(mask, axis)
        return mask

    def _compute_attention(
        self,
        query: Any,
        key: Any,
        value: Any,
        attention_mask: Any = None,
        training: bool | None = None,
        return_attention_scores: bool = False,
        use_causal_mask: bool = False,
    ) -> Any:
        """Dot-product attention of the projected `(B, T, N, H)` query, key and
        value; returns `(output, scores or None)`."""
        scores_shape = self._scores_shape(query, key)
        if attention_mask is not None:
            attention_mask = self._expand_mask(attention_mask, len(scores_shape))
            mask_shape = cast("tuple[Any, ...]", M.shape_of(attention_mask))
            M.check_broadcast(self.name, mask_shape, scores_shape, "attention_mask")
        projected_rank = len(self._build_shapes["query_shape"]) + 1
        fast = not (self._dropout > 0.0 or return_attention_scores or projected_rank != 4)
        if fast:
            output = ops.dot_product_attention(
                query,
                key,
                value,
                mask=attention_mask,
                scale=self._inverse_sqrt_key_dim,
                is_causal=use_causal_mask,
            )
            return output, None
        if use_causal_mask:
            causal = self._compute_causal_mask(query, key)
            attention_mask = M.combine(attention_mask, self._expand_mask(causal, len(scores_shape)))
        query = ops.multiply(query, self._inverse_sqrt_key_dim)
        scores = ops.einsum(self._dot_product_equation, key, query)
        scores = M.masked_softmax(scores, attention_mask, self._norm_axes)
        dropped = self._dropout_layer(scores, training=training) if self._dropout > 0 else scores
        output = ops.einsum(self._combine_equation, dropped, value)
        return output, scores

    def compute_output_shape(
        self, query_shape: Any, value_shape: Any = None, key_shape: Any = None
    ) -> Any:
        query_shape = tuple(query_shape)
        value_shape = query_shape if value_shape is None else tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ShapeError(
                f"Layer '{self.name}': all dimensions of `value` and `key`, except the last "
                f"one, must be equal. Received: value_shape={value_shape} and "
                f"key_shape={key_shape}"
            )
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def compute_output_spec(  # type: ignore[override]  # Keras's (query, value, key) signature
        self, query: Any, value: Any, key: Any = None, **kwargs: Any
    ) -> Any:
        # Run the call on the symbolic tensors (shapes only): masks and their
        # shapes are checked there, and the scores get their true (B, N, T, S).
        outputs = self._spec_from_call(query, (value,), dict(kwargs, key=key))
        if isinstance(outputs, (tuple, list)):
            return tuple(KerasTensor(tuple(t.shape)) for t in outputs)
        return KerasTensor(tuple(outputs.shape))
