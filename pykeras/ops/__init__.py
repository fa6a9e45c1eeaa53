"""pykeras.ops: the Python face of the Rust core's primitive ops.

Each function takes array-likes, converts them by pykeras's dtype rules
(see `pykeras._convert`), runs the op in Rust with the GIL released, and
returns a numpy array.
"""

from __future__ import annotations

import sys as _sys

from pykeras.engine import tensor_operators as _tensor_operators

# Each family module lists its public functions in `__all__`; a new op's
# function is added there and nowhere else (docs/adding-an-op.md).
from pykeras.ops import (
    _dispatch,
    arrays,
    autodiff,
    bitwise,
    compare,
    control_flow,
    core,
    creation,
    ctc,
    indexing,
    layout,
    linalg,
    losses,
    math,
    nn,
    nn_attention,
    nn_composite,
    nn_spatial,
    norms,
    numeric,
    patches,
    predicates,
    products,
    reductions,
    reordering,
    reshaping,
    scans,
    segments,
    sorting,
    special,
    spectral,
    statistics,
    tensors,
    windows,
)
from pykeras.ops.arrays import *  # noqa: F403
from pykeras.ops.autodiff import *  # noqa: F403
from pykeras.ops.bitwise import *  # noqa: F403
from pykeras.ops.compare import *  # noqa: F403
from pykeras.ops.control_flow import *  # noqa: F403
from pykeras.ops.core import *  # noqa: F403
from pykeras.ops.creation import *  # noqa: F403
from pykeras.ops.ctc import *  # noqa: F403
from pykeras.ops.indexing import *  # noqa: F403
from pykeras.ops.layout import *  # noqa: F403
from pykeras.ops.linalg import *  # noqa: F403
from pykeras.ops.losses import *  # noqa: F403
from pykeras.ops.math import *  # noqa: F403
from pykeras.ops.nn import *  # noqa: F403
from pykeras.ops.nn_attention import *  # noqa: F403
from pykeras.ops.nn_composite import *  # noqa: F403
from pykeras.ops.nn_spatial import *  # noqa: F403
from pykeras.ops.norms import *  # noqa: F403
from pykeras.ops.numeric import *  # noqa: F403
from pykeras.ops.patches import *  # noqa: F403
from pykeras.ops.predicates import *  # noqa: F403
from pykeras.ops.products import *  # noqa: F403
from pykeras.ops.reductions import *  # noqa: F403
from pykeras.ops.reordering import *  # noqa: F403
from pykeras.ops.reshaping import *  # noqa: F403
from pykeras.ops.scans import *  # noqa: F403
from pykeras.ops.segments import *  # noqa: F403
from pykeras.ops.sorting import *  # noqa: F403
from pykeras.ops.special import *  # noqa: F403
from pykeras.ops.spectral import *  # noqa: F403
from pykeras.ops.statistics import *  # noqa: F403
from pykeras.ops.tensors import *  # noqa: F403
from pykeras.ops.windows import *  # noqa: F403

__all__ = [
    *arrays.__all__,
    *autodiff.__all__,
    *bitwise.__all__,
    *compare.__all__,
    *control_flow.__all__,
    *core.__all__,
    *creation.__all__,
    *ctc.__all__,
    *indexing.__all__,
    *layout.__all__,
    *linalg.__all__,
    *losses.__all__,
    *math.__all__,
    *nn.__all__,
    *nn_attention.__all__,
    *nn_composite.__all__,
    *nn_spatial.__all__,
    *norms.__all__,
    *numeric.__all__,
    *patches.__all__,
    *products.__all__,
    *predicates.__all__,
    *reductions.__all__,
    *reordering.__all__,
    *reshaping.__all__,
    *scans.__all__,
    *segments.__all__,
    *sorting.__all__,
    *special.__all__,
    *spectral.__all__,
    *statistics.__all__,
    *tensors.__all__,
    *windows.__all__,
]

# `keras.ops.numpy`'s and `keras.ops.image`'s namespaces, submodules only (not
# star-imported): the family modules' absolute `import numpy as np` still gets NumPy.
from pykeras.ops import image, numpy  # noqa: E402, F401

# Tensor operators (`x + y`, `x[i]`) and variables' `assign_add` in the engine,
# a layer below, forward to this namespace.
_tensor_operators.bind_ops(_sys.modules[__name__], _dispatch.run)
