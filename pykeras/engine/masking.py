"""Keras masks on tensors: `x._keras_mask`, as Keras 3 keeps them.

A layer that makes or passes on a mask (`Embedding(mask_zero=True)`,
`Masking`, any layer with `supports_masking`) attaches it to its outputs;
the next layer whose `call` takes `mask=` receives it. Symbolic
(`KerasTensor`) and traced (`GraphTensor`) tensors take the attribute
directly; an eager NumPy result is returned as a `MaskedArray` view (an
`ndarray` subclass, so it behaves as the array it is) that can carry it.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class MaskedArray(np.ndarray):
    """An `ndarray` carrying a Keras mask in `_keras_mask` (None when it has
    none). Results computed from it get no mask: only layers attach one."""

    def __array_finalize__(self, obj: Any) -> None:
        self._keras_mask = None


def get_keras_mask(x: object) -> Any:
    """The mask attached to `x`, or None."""
    return getattr(x, "_keras_mask", None)


def set_keras_mask(x: Any, mask: Any) -> Any:
    """Attaches `mask` to `x` and returns the tensor that carries it (`x`
    itself, or a `MaskedArray` view of a NumPy array)."""
    if isinstance(x, np.ndarray) and not isinstance(x, MaskedArray):
        if mask is None:
            return x
        x = x.view(MaskedArray)
    try:
        x._keras_mask = mask
    except AttributeError:
        # Objects without a __dict__ (Python numbers) cannot carry one.
        pass
    return x
