"""pykeras.ops: the Python face of the Rust core's primitive ops.

Each function takes array-likes, converts them by pykeras's dtype rules
(see `pykeras._convert`), runs the op in Rust with the GIL released, and
returns a numpy array.
"""

# Each family module lists its public functions in `__all__`; a new op's
# function is added there and nowhere else (docs/adding-an-op.md).
from pykeras.ops import (
    arrays,
    compare,
    core,
    creation,
    losses,
    math,
    nn,
    nn_attention,
    nn_composite,
    nn_spatial,
    reductions,
    reshaping,
)
from pykeras.ops.arrays import *  # noqa: F403
from pykeras.ops.compare import *  # noqa: F403
from pykeras.ops.core import *  # noqa: F403
from pykeras.ops.creation import *  # noqa: F403
from pykeras.ops.losses import *  # noqa: F403
from pykeras.ops.math import *  # noqa: F403
from pykeras.ops.nn import *  # noqa: F403
from pykeras.ops.nn_attention import *  # noqa: F403
from pykeras.ops.nn_composite import *  # noqa: F403
from pykeras.ops.nn_spatial import *  # noqa: F403
from pykeras.ops.reductions import *  # noqa: F403
from pykeras.ops.reshaping import *  # noqa: F403

__all__ = [
    *arrays.__all__,
    *compare.__all__,
    *core.__all__,
    *creation.__all__,
    *losses.__all__,
    *math.__all__,
    *nn.__all__,
    *nn_attention.__all__,
    *nn_composite.__all__,
    *nn_spatial.__all__,
    *reductions.__all__,
    *reshaping.__all__,
]

# `keras.ops.numpy`'s namespace, a submodule only (not star-imported): the
# family modules' absolute `import numpy as np` still gets NumPy.
from pykeras.ops import numpy  # noqa: E402, F401
