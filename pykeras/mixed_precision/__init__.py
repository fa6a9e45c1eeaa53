"""pykeras.mixed_precision: Keras 3's legacy `keras.mixed_precision` names.

The policies these names can set or return are `"float32"` and
`"mixed_bfloat16"` (bf16 matrix products with float32 accumulation and float32
weights, docs/mixed-precision.md); `set_global_policy("mixed_float16")` raises
a ValueError rather than training in float32 behind the user's back.
`LossScaleOptimizer` is the optimizer wrapper of `keras.optimizers` (bfloat16
has float32's exponent range, so the policies pykeras has need no loss scaling,
and in float32 its scaling changes no update).
"""

from __future__ import annotations

from pykeras.dtype_policies import DTypePolicy, dtype_policy, set_dtype_policy
from pykeras.optimizers import LossScaleOptimizer

# Keras 2's names for the same class and functions.
Policy = DTypePolicy
global_policy = dtype_policy
set_global_policy = set_dtype_policy

__all__ = [
    "DTypePolicy",
    "LossScaleOptimizer",
    "Policy",
    "dtype_policy",
    "global_policy",
    "set_dtype_policy",
    "set_global_policy",
]
