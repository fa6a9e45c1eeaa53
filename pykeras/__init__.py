"""pykeras: Keras's way of building and training neural networks, with a Rust core.

`import pykeras as keras` and write the Keras code you know.
"""

from pykeras import (
    activations,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    errors,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    random,
    regularizers,
    saving,
    tree,
    utils,
)
from pykeras.backend.variable import Variable
from pykeras.config import get_num_threads, set_num_threads
from pykeras.engine.tape import GradientTape
from pykeras.layers import Input, InputLayer, Layer
from pykeras.models import Model, Sequential

__version__ = "0.1.0"

__all__ = [
    "GradientTape",
    "Variable",
    "Input",
    "InputLayer",
    "Layer",
    "Model",
    "Sequential",
    "__version__",
    "activations",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "errors",
    "get_num_threads",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "ops",
    "optimizers",
    "random",
    "regularizers",
    "saving",
    "set_num_threads",
    "tree",
    "utils",
]
