"""`keras.ops.nn.dot_product_attention`, composed from the core's matmul,
softmax and where primitives: eager, in Functional models and traced, with
gradients to query, key, value and bias."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import _composite as C
from pykeras.ops._dispatch import integer_positions, run
from pykeras.ops.core import cast

if TYPE_CHECKING:
    from pykeras.engine.typing import Tensor, TensorLike

__all__ = ["dot_product_attention"]


def _fused(
    query: Any,
    key: Any,
    value: Any,
    shapes: Any,
    bias: Any,
    mask: Any,
    scale: Any,
    is_causal: Any,
    soft_cap: Any,
) -> Any:
    """The fused primitive (rust/ops/attention.rs: one pass per head, no
    transposes, probabilities recomputed in the backward pass) where it
    applies: no bias or soft cap, and a mask, if any, whose last two axes are
    the full (query, key) lengths. None elsewhere (the composite runs)."""
    if bias is not None or soft_cap is not None:
        return None
    inputs = [query, key, value]
    if mask is not None:
        mask_shape = C.shape_of("dot_product_attention", mask)
        full = (shapes[0][1], shapes[1][1])
        if len(mask_shape) > 4 or len(mask_shape) < 2 or tuple(mask_shape[-2:]) != full:
            return None
        if None in full:
            return None
        dims = [1] * (4 - len(mask_shape)) + list(mask_shape)
        mask = C.reshape("dot_product_attention", cast(mask, "float32"), dims)
        inputs.append(mask)
    return run("dot_product_attention", inputs, scale=scale, is_causal=bool(is_causal))


def dot_product_attention(
    query: TensorLike,
    key: TensorLike,
    value: TensorLike,
    bias: TensorLike | None = None,
    mask: TensorLike | None = None,
    scale: float | None = None,
    is_causal: bool = False,
    flash_attention: bool | None = None,
    attn_logits_soft_cap: float | None = None,
) -> Tensor:
    """Scaled dot product attention function.

    Computes the attention function on Q (`query`), K (`key`), and V(`value`):
    `attention(Q, K, V) = softmax(Q * K / sqrt(d)) * V`. If we define `logits`
    as the output of `Q * K` and the `probs` as the output of `softmax`.

    Throughout this function, we utilize the following notation to represent
    the shape of array:
    - B: batch size
    - S: length of the key/value
    - T: length of the query
    - N: number of attention heads
    - H: dimensions of each attention head

    Args:
        query: The query array with the shape of `(B, T, N, H)`.
        key: The key array with the shape of `(B, S, N, H)`.
        value: The value array with the same shape of `key`.
        bias: Optional bias array to be added to logits. The shape must be
            broadcastable to `(B, N, T, S)`.
        mask: Optional mask array used to filter out logits. It is a boolean
            mask where `True` indicates the element should take part in
            attention. The shape must be broadcastable to `(B, N, T, S)`.
        scale: Optional scale for the logits. If `None`, the scale will be set
            to `1.0 / sqrt(H)`.
        is_causal: Whether to apply causal mask.
        flash_attention: Whether to use flash attention; pykeras has no flash
            kernel, so `True` raises an `InvalidArgumentError`.
        attn_logits_soft_cap: The value limit for maximum value of the
            attention logits before the softmax function is applied:
            `logits = logits / (1.0 + abs(logits) / attn_logits_soft_cap)`.

    Returns:
        An array of the attention output with the same shape of `query`
        (float32).

    Example:

    >>> query = keras.random.normal((2, 4, 8, 16))
    >>> key = keras.random.normal((2, 6, 8, 16))
    >>> value = keras.random.normal((2, 6, 8, 16))
    >>> keras.ops.nn.dot_product_attention(query, key, value).shape
    (2, 4, 8, 16)
    """
    op = "dot_product_attention"
    if flash_attention:
        raise InvalidArgumentError(
            f"Op '{op}': pykeras has no flash attention kernel. Received: flash_attention=True"
        )
    shapes = [C.shape_of(op, t) for t in (query, key, value)]
    if any(len(s) != 4 for s in shapes) or shapes[0][2:3] != shapes[1][2:3]:
        raise ShapeError(
            f"Op '{op}' supports 4D inputs (batch, time, heads, depth) with the same number "
            f"of heads. Received: query.shape={C.dims_text(shapes[0])}, key.shape="
            f"{C.dims_text(shapes[1])}, value.shape={C.dims_text(shapes[2])}"
        )
    depth = C.static_size(op, shapes[0], 3)
    scale = 1.0 / float(np.sqrt(depth)) if scale is None else float(scale)
    fused = _fused(query, key, value, shapes, bias, mask, scale, is_causal, attn_logits_soft_cap)
    if fused is not None:
        return fused
    # (B, N, T, H) @ (B, N, H, S) -> logits (B, N, T, S).
    q = C.transpose(query, [0, 2, 1, 3])
    k = C.transpose(key, [0, 2, 3, 1])
    logits = run("mul", [run("matmul", [q, k]), scale])
    if bias is not None:
        logits = run("add", [logits, bias])
    if attn_logits_soft_cap is not None:
        cap = float(attn_logits_soft_cap)
        soft = run("add", [run("div", [run("abs", [logits]), cap]), 1.0])
        logits = run("div", [logits, soft])
    if is_causal:
        t = C.static_size(op, shapes[0], 1)
        s = C.static_size(op, shapes[1], 1)
        causal = np.tril(np.ones((t, s), np.float32))
        mask = causal if mask is None else run("mul", [run("not_equal", [mask, 0.0]), causal])
    if mask is not None:
        # As Keras: masked logits become a large negative number, not -inf,
        # so a fully masked row attends uniformly instead of giving NaN.
        large_negative = float(-0.7 * np.finfo(np.float32).max)
        inputs = [mask, logits, large_negative]
        logits = run("where", inputs, integer_positions(inputs, (0,)))
    probs = run("softmax", [logits], axis=-1)
    out = run("matmul", [probs, C.transpose(value, [0, 2, 1, 3])])
    return C.transpose(out, [0, 2, 1, 3])
