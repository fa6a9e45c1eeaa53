"""pykeras: Keras's way of building and training neural networks, with a Rust core.

`import pykeras as keras` and write the Keras code you know.
"""

from __future__ import annotations

import sys as _sys

# The wheel's abi3 floor (requires-python): a clear message, not an error deep in a
# module, when an older Python imports it anyway (e.g. from a copied site-packages).
if _sys.version_info < (3, 9):  # noqa: UP036
    raise ImportError(
        "pykeras needs Python 3.9 or newer; this is Python "
        f"{_sys.version_info[0]}.{_sys.version_info[1]}. Install it into a Python 3.9+ "
        "environment."
    )

from pykeras import (
    activations,
    applications,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    dtype_policies,
    errors,
    export,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    ops,
    optimizers,
    preprocessing,
    quantizers,
    random,
    regularizers,
    saving,
    tree,
    utils,
)
from pykeras._version import __version__
from pykeras.backend.device import device
from pykeras.backend.function import Function
from pykeras.backend.name_scope import name_scope
from pykeras.backend.operation import Operation
from pykeras.backend.variable import Variable
from pykeras.config import get_num_threads, set_num_threads
from pykeras.dtype_policies import DTypePolicy, FloatDTypePolicy
from pykeras.engine.keras_tensor import KerasTensor
from pykeras.engine.remat import RematScope, remat
from pykeras.engine.stateless_scope import StatelessScope
from pykeras.engine.symbolic_scope import SymbolicScope
from pykeras.engine.tape import GradientTape
from pykeras.initializers import Initializer
from pykeras.layers import Input, InputLayer, InputSpec, Layer
from pykeras.losses import Loss
from pykeras.metrics import Metric
from pykeras.models import Model, Sequential
from pykeras.optimizers import Optimizer
from pykeras.quantizers import Quantizer
from pykeras.regularizers import Regularizer
from pykeras.saving import function_serialization as _function_serialization

# Layers are Keras operations (`isinstance(layer, keras.Operation)`), though
# pykeras's Layer does not inherit Operation's symbolic call.
Operation.register(Layer)

# Lambdas loaded from configs see this package as `keras` and `pykeras`.
_function_serialization.set_lambda_package(_sys.modules[__name__])


def version() -> str:
    """pykeras's version string (Keras's `keras.version()`)."""
    return __version__


__all__ = [
    "DTypePolicy",
    "FloatDTypePolicy",
    "Function",
    "GradientTape",
    "Initializer",
    "InputSpec",
    "KerasTensor",
    "Loss",
    "Metric",
    "Operation",
    "Optimizer",
    "Quantizer",
    "Regularizer",
    "RematScope",
    "StatelessScope",
    "SymbolicScope",
    "Variable",
    "name_scope",
    "Input",
    "InputLayer",
    "Layer",
    "Model",
    "Sequential",
    "__version__",
    "activations",
    "applications",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "device",
    "remat",
    "dtype_policies",
    "errors",
    "export",
    "get_num_threads",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "mixed_precision",
    "models",
    "ops",
    "optimizers",
    "preprocessing",
    "quantizers",
    "random",
    "regularizers",
    "saving",
    "set_num_threads",
    "tree",
    "utils",
    "version",
]
