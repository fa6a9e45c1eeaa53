"""Attention: dot-product (Luong-style) attention over `[query, value, key]`."""

from __future__ import annotations

from typing import Any, cast

from pykeras import ops
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.layers.attention import masks as M
from pykeras.layers.layer import Layer
from pykeras.layers.regularization.dropout import Dropout


class Attention(Layer):
    """Dot-product attention layer, a.k.a. Luong-style attention.

    Inputs are a list `[query, value]` or `[query, value, key]` of shapes
    `(batch_size, Tq, dim)`, `(batch_size, Tv, dim)` and `(batch_size, Tv,
    dim)` (`key` defaults to `value`). The scores `query @ key^T` (or, with
    `score_mode="concat"`, `sum(tanh(query + key))`) are softmaxed over `Tv`
    and mix the values.

    Args:
        use_scale: If `True`, creates a scalar variable `scale` that
            multiplies the scores.
        score_mode: `"dot"` or `"concat"`.
        dropout: Fraction of the attention scores to drop (while training).
        seed: An integer to seed the dropout.

    Call arguments:
        inputs: `[query, value]` or `[query, value, key]`.
        mask: optional list `[query_mask, value_mask]` of boolean tensors of
            shapes `(batch_size, Tq)` and `(batch_size, Tv)`; the inputs'
            implicit masks are used when it is not given.
        return_attention_scores: whether to also return the scores.
        training: whether dropout is active.
        use_causal_mask: whether query `i` may only attend to values `<= i`.

    Returns:
        The attention outputs `(batch_size, Tq, dim)`, and the scores after
        masking and softmax `(batch_size, Tq, Tv)` if asked for.

    Example:

    >>> q, v = np.ones((2, 3, 4)), np.ones((2, 5, 4))
    >>> Attention()([q, v]).shape
    (2, 3, 4)
    """

    def __init__(
        self,
        use_scale: bool = False,
        score_mode: str = "dot",
        dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self.seed = seed
        self.supports_masking = True
        if score_mode not in ("dot", "concat"):
            raise InvalidArgumentError(
                f"Layer '{self.name}': invalid value for argument score_mode. Expected one of "
                f"{{'dot', 'concat'}}. Received: score_mode={score_mode!r}"
            )
        self._dropout_layer = Dropout(self.dropout, seed=seed) if self.dropout > 0 else None

    def build(self, input_shape: Any) -> None:
        self._validate_inputs(input_shape)
        # Variables, or None when unused.
        self.scale: Any = None
        self.concat_score_weight: Any = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(
                name="concat_score_weight", shape=(), initializer="ones"
            )
        self.built = True

    def _calculate_scores(self, query: Any, key: Any) -> Any:
        """(batch_size, Tq, Tv) scores of `query` against `key`."""
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -2, -1))
            if self.scale is not None:
                scores = ops.multiply(scores, self.scale)
            return scores
        q = ops.expand_dims(query, -2)
        k = ops.expand_dims(key, -3)
        summed = ops.add(q, k)
        if self.scale is not None:
            summed = ops.multiply(self.scale, summed)
        return ops.multiply(self.concat_score_weight, ops.sum(ops.tanh(summed), axis=-1))

    def _apply_scores(
        self, scores: Any, value: Any, scores_mask: Any = None, training: bool | None = False
    ) -> Any:
        """Softmax of the (masked) scores, and their mix of the values."""
        if scores_mask is not None:
            if len(cast("tuple[Any, ...]", M.shape_of(scores_mask))) == 2:
                scores_mask = ops.expand_dims(scores_mask, -2)
            # As Keras: padding positions get 1e9 subtracted, not -inf.
            scores = ops.subtract(scores, ops.multiply(ops.subtract(1.0, scores_mask), 1.0e9))
        weights = ops.softmax(scores, axis=-1)
        if training and self._dropout_layer is not None:
            weights = self._dropout_layer(weights, training=True)
        return ops.matmul(weights, value), weights

    def _calculate_score_mask(self, scores: Any, v_mask: Any, use_causal_mask: bool) -> Any:
        if not use_causal_mask:
            return v_mask
        shape = cast("tuple[Any, ...]", M.shape_of(scores))
        t = M.static_length(self.name, shape, len(shape) - 2, "query")
        s = M.static_length(self.name, shape, len(shape) - 1, "value")
        causal = M.causal_mask(t, s)
        if v_mask is None:
            return causal
        return ops.multiply(ops.expand_dims(v_mask, -2), causal)

    def call(
        self,
        inputs: Any,
        mask: Any = None,
        training: bool | None = False,
        return_attention_scores: bool = False,
        use_causal_mask: bool = False,
    ) -> Any:
        self._validate_inputs(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        if mask is None:
            implicit = [M.keras_mask(t) for t in inputs]
            mask = implicit if any(m is not None for m in implicit) else None
        q_mask = M.as_float(mask[0]) if mask and mask[0] is not None else None
        v_mask = M.as_float(mask[1]) if mask and mask[1] is not None else None
        scores = self._calculate_scores(q, k)
        scores_mask = self._calculate_score_mask(scores, v_mask, use_causal_mask)
        output, weights = self._apply_scores(scores, v, scores_mask, training)
        if q_mask is not None:
            output = ops.multiply(output, ops.expand_dims(q_mask, -1))
        if return_attention_scores:
            return output, weights
        return output

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The query's mask, which the output keeps."""
        self._validate_inputs(inputs, mask)
        if mask is None or mask[0] is None:
            return None
        return mask[0]

    def compute_output_shape(self, input_shape: Any) -> Any:
        self._validate_inputs(input_shape)
        return (*tuple(input_shape[0])[:-1], tuple(input_shape[1])[-1])

    def compute_output_spec(
        self, inputs: Any, mask: Any = None, return_attention_scores: bool = False, **kwargs: Any
    ) -> Any:
        self._validate_inputs(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        out = KerasTensor(tuple(q.shape[:-1]) + (v.shape[-1],))
        if return_attention_scores:
            return out, KerasTensor(tuple(q.shape[:-1]) + (k.shape[-2],))
        return out

    def _validate_inputs(self, inputs: Any, mask: Any = None) -> None:
        kind = type(self).__name__
        if not isinstance(inputs, (list, tuple)) or isinstance(inputs[0], (int, type(None))):
            raise InvalidArgumentError(
                f"{kind} layer '{self.name}' must be called on a list of inputs, namely "
                f"[query, value] or [query, value, key]. Received: inputs={inputs!r:.200}"
            )
        if not 2 <= len(inputs) <= 3:
            raise InvalidArgumentError(
                f"{kind} layer '{self.name}' accepts inputs list of length 2 or 3, namely "
                f"[query, value] or [query, value, key]. Received length: {len(inputs)}."
            )
        if mask is not None and (not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3):
            raise InvalidArgumentError(
                f"{kind} layer '{self.name}' mask must be a list [query_mask, value_mask]. "
                f"Received: mask={mask!r:.200}"
            )
        shapes = [
            cast("tuple[Any, ...]", M.shape_of(t)) if not isinstance(t, tuple) else t
            for t in inputs
        ]
        if any(len(s) < 2 for s in shapes):
            raise ShapeError(
                f"{kind} layer '{self.name}' expected inputs of rank >= 2. Received shapes: "
                f"{shapes}"
            )
        q, v = shapes[0], shapes[1]
        k = shapes[2] if len(shapes) > 2 else v
        checks = (
            [(q[-1], k[-1], "query and key last dimensions")] if self._needs_equal_dims() else []
        )
        checks += [(v[-2], k[-2], "value and key lengths"), (q[0], v[0], "batch sizes")]
        for a, b, what in checks:
            if a is not None and b is not None and a != b:
                raise ShapeError(
                    f"{kind} layer '{self.name}': the {what} must match. Received: "
                    f"query.shape={q}, value.shape={v}, key.shape={k}"
                )

    def _needs_equal_dims(self) -> Any:
        return True

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "use_scale": self.use_scale,
                "score_mode": self.score_mode,
                "dropout": self.dropout,
                "seed": self.seed,
            }
        )
        return config
