"""Type aliases of pykeras's public API, for annotations.

pykeras's modules import them under `typing.TYPE_CHECKING` (with `from
__future__ import annotations`), so they cost nothing at import time; they
are valid at run time too, for code that uses them in its own hints.

- `Tensor`: what an op returns: a NumPy array when run eagerly, a
  `KerasTensor` on symbolic inputs (a Functional model being defined), a
  `GraphTensor` inside a traced graph (a `TapeTensor` under a recording
  `GradientTape` is one).
- `TensorLike`: what an op takes: a `Tensor`, a `Variable`, or anything NumPy
  converts (arrays, nested lists, scalars).
- `Shape`: a static shape, `None` for a size known only at run time.
- `ShapeLike`: a shape as the API accepts it (a list or tuple).
- `DTypeLike`: a dtype name (`"float32"`), a NumPy dtype or type, or None.
- `Axis`: one axis, several, or None for all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional, Union

import numpy as np
import numpy.typing as npt

from pykeras.engine.dtypes import DTypeLike
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.tracing import GraphTensor
from pykeras.engine.variable_base import VariableBase

__all__ = ["Axis", "DTypeLike", "Shape", "ShapeLike", "Tensor", "TensorLike"]

Tensor = Union[np.ndarray, KerasTensor, GraphTensor]
TensorLike = Union[np.ndarray, KerasTensor, GraphTensor, VariableBase, npt.ArrayLike]
Shape = tuple[Optional[int], ...]
ShapeLike = Sequence[Optional[int]]
Axis = Union[int, Sequence[int], None]
