"""The data of one fit/evaluate call, checked and converted."""

import numpy as np

from pykeras.trainers import data as data_utils


class PreparedData:
    """Checked, converted data for one fit/evaluate call."""

    def __init__(self, structure, x, specs, output_shapes, names, losses, targets, weights, count):
        self.structure = structure
        self.x = x
        self.specs = specs
        self.output_shapes = output_shapes
        self.names = names
        self.losses = losses
        self.targets = targets
        self.weights = weights
        self.count = count

    def arrays(self):
        return list(self.x) + list(self.targets) + list(self.weights or [])

    def with_arrays(self, arrays):
        nx, nt = len(self.x), len(self.targets)
        weights = arrays[nx + nt :] if self.weights is not None else None
        count = data_utils.sample_count(
            [a for a in arrays if a is not None], ["data"] * len(arrays)
        )
        return PreparedData(
            self.structure,
            [np.ascontiguousarray(a) for a in arrays[:nx]],
            self.specs,
            self.output_shapes,
            self.names,
            self.losses,
            [None if a is None else np.ascontiguousarray(a) for a in arrays[nx : nx + nt]],
            None
            if weights is None
            else [None if w is None else np.ascontiguousarray(w) for w in weights],
            count,
        )
