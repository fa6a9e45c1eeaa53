"""The transformer layers (issue 17): attention, EinsumDense, the newer
normalizations and PReLU, listed here and re-exported by `pykeras.layers`."""

from __future__ import annotations

from pykeras.layers.activations.prelu import PReLU
from pykeras.layers.attention.additive_attention import AdditiveAttention
from pykeras.layers.attention.attention import Attention
from pykeras.layers.attention.grouped_query_attention import GroupedQueryAttention
from pykeras.layers.attention.multi_head_attention import MultiHeadAttention
from pykeras.layers.core.einsum_dense import EinsumDense
from pykeras.layers.normalization.group_normalization import GroupNormalization
from pykeras.layers.normalization.rms_normalization import RMSNormalization
from pykeras.layers.normalization.unit_normalization import UnitNormalization

# Keras exports the class under this name.
GroupQueryAttention = GroupedQueryAttention

__all__ = [
    "AdditiveAttention",
    "Attention",
    "EinsumDense",
    "GroupNormalization",
    "GroupQueryAttention",
    "MultiHeadAttention",
    "PReLU",
    "RMSNormalization",
    "UnitNormalization",
]
