"""AdditiveAttention: Bahdanau-style attention over `[query, value, key]`."""

from __future__ import annotations

from typing import Any

from pykeras import ops
from pykeras.layers.attention.attention import Attention


class AdditiveAttention(Attention):
    """Additive attention layer, a.k.a. Bahdanau-style attention.

    Inputs are a list `[query, value]` or `[query, value, key]` of shapes
    `(batch_size, Tq, dim)`, `(batch_size, Tv, dim)` and `(batch_size, Tv,
    dim)`. The scores are `sum(scale * tanh(query + key), axis=-1)`,
    softmaxed over `Tv`, and mix the values.

    Args:
        use_scale: If `True`, creates a variable `scale` of shape `(dim,)`
            that weighs the summed terms.
        dropout: Fraction of the attention scores to drop (while training).

    Call arguments: as `Attention`'s.

    Returns:
        The attention outputs `(batch_size, Tq, dim)`, and the scores
        `(batch_size, Tq, Tv)` if asked for.

    Example:

    >>> q, v = np.ones((2, 3, 4)), np.ones((2, 5, 4))
    >>> AdditiveAttention()([q, v]).shape
    (2, 3, 4)
    """

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, **kwargs: Any) -> None:
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape: Any) -> None:
        self._validate_inputs(input_shape)
        dim = tuple(input_shape[0])[-1]
        # Variables, or None when unused.
        self.scale: Any = None
        self.concat_score_weight: Any = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(dim,), initializer="glorot_uniform")
        self.built = True

    def _calculate_scores(self, query: Any, key: Any) -> Any:
        q = ops.expand_dims(query, -2)
        k = ops.expand_dims(key, -3)
        terms = ops.tanh(ops.add(q, k))
        if self.use_scale:
            terms = ops.multiply(self.scale, terms)
        return ops.sum(terms, axis=-1)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["score_mode"]
        return config
