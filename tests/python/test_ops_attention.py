"""The fused `dot_product_attention` primitive (rust/ops/attention.rs)
against numpy (forward) and central differences (backward) over
hypothesis-drawn shapes, with and without causal and explicit masks, and its
bad input. Keras's outputs through MultiHeadAttention are checked in
test_layers_attention.py."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from op_check import C, ShapeError, check_forward, check_gradient, rng_for

OPS = {"dot_product_attention"}


def np_attention(q, k, v, mask=None, scale=1.0, is_causal=False):
    logits = np.einsum("btnh,bsnh->bnts", q.astype(np.float64), k.astype(np.float64)) * scale
    keep = np.ones(logits.shape, bool)
    if is_causal:
        keep &= np.tril(np.ones(logits.shape[-2:], bool))
    if mask is not None:
        keep &= mask != 0
    logits = np.where(keep, logits, -0.7 * np.finfo(np.float32).max)
    logits -= logits.max(-1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(-1, keepdims=True)
    return np.einsum("bnts,bsnh->btnh", p, v.astype(np.float64))


dims = st.integers(1, 4)


@settings(max_examples=25, deadline=None)
@given(b=dims, t=dims, s=dims, n=st.integers(1, 3), h=dims, hv=dims, causal=st.booleans(),
       with_mask=st.booleans(), seed=st.integers(0, 2**16))  # fmt: skip
def test_forward_and_gradient(b, t, s, n, h, hv, causal, with_mask, seed):
    rng = rng_for(seed)
    q = rng.uniform(-1, 1, (b, t, n, h)).astype(np.float32)
    k = rng.uniform(-1, 1, (b, s, n, h)).astype(np.float32)
    v = rng.uniform(-1, 1, (b, s, n, hv)).astype(np.float32)
    inputs = [q, k, v]
    mask = None
    if with_mask:
        mask = (rng.uniform(size=(b, 1, t, s)) < 0.7).astype(np.float32)
        inputs.append(mask)
    attrs = {"scale": 0.7, "is_causal": causal}
    check_forward(
        "dot_product_attention",
        inputs,
        attrs,
        reference=lambda *a: np_attention(q, k, v, mask, 0.7, causal),
        atol=1e-5,
    )
    check_gradient("dot_product_attention", inputs, attrs, wrt=[0, 1, 2])


def test_fully_masked_row_attends_uniformly_as_jax():
    q = np.ones((1, 2, 1, 2), np.float32)
    v = np.arange(6, dtype=np.float32).reshape(1, 3, 1, 2)
    mask = np.array([[[[1, 0, 1], [0, 0, 0]]]], np.float32)
    out = C.op("dot_product_attention", [q, v, v, mask], {"scale": 1.0})
    np.testing.assert_allclose(out[0, 1, 0], v[0, :, 0].mean(0), rtol=1e-6)


@pytest.mark.parametrize(
    "shapes, match",
    [
        ([(2, 3, 2, 4), (2, 5, 2, 3), (2, 5, 2, 4)], "depths"),
        ([(2, 3, 2, 4), (2, 5, 3, 4), (2, 5, 3, 4)], "heads"),
        ([(2, 3, 2, 4), (2, 5, 2, 4), (2, 6, 2, 4)], "lengths"),
        ([(2, 3, 4), (2, 5, 4), (2, 5, 4)], "4D"),
        ([(2, 3, 2, 4), (2, 5, 2, 4), (2, 5, 2, 4), (2, 1, 3, 4)], "mask"),
    ],
)
def test_bad_shapes_name_the_op(shapes, match):
    inputs = [np.zeros(s, np.float32) for s in shapes]
    with pytest.raises(ShapeError, match=match) as info:
        C.op("dot_product_attention", inputs, {})
    assert "dot_product_attention" in str(info.value)
