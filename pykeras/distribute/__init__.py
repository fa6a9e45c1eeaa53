"""Training and inference across processes and machines, on Ray.

`pykeras.distribute.fit` trains a model data-parallel on Ray Train workers
(gradients all-reduced at every step, through PyTorch's gloo process group
when PyTorch is installed, else a Ray actor; metrics summed across workers,
`.keras` checkpoints, restarts from them); `pykeras.distribute.predict`
predicts over a Ray Dataset with actors that load the model once. Ray is an optional
dependency: `pip install "pykeras[ray]"` (see docs/distribute.md).

The name follows `tf.distribute`, what Keras users call this; Keras 3's
`keras.distribution` is a different API (JAX device meshes on one host's
accelerators), which this module does not imitate.
"""

from __future__ import annotations

from pykeras.distribute.inference import predict
from pykeras.distribute.sharding import Shard, shard_rows
from pykeras.distribute.trainer import DistributedTrainingError, FitResult, fit

__all__ = ["DistributedTrainingError", "FitResult", "Shard", "fit", "predict", "shard_rows"]
