"""pykeras.mixed_precision: Keras 3's legacy `keras.mixed_precision` names.

pykeras computes in float32 only, so the one policy these names can set or
return is `"float32"`; `set_global_policy("mixed_float16")` (or
`"mixed_bfloat16"`) raises a ValueError saying so rather than training in
float32 behind the user's back. `LossScaleOptimizer` is the optimizer wrapper
of `keras.optimizers` (in float32 its loss scaling changes no update).
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
