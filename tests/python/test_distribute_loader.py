"""Issue 21: `pykeras.distribute.fit` over per-worker loaders (each worker
makes its own batches), on a local Ray cluster of 2 CPUs."""

import importlib.util
import sys

import numpy as np
import pytest

import pykeras as keras
from pykeras import distribute
from pykeras.distribute.loader import RowWeightedAverager

HAS_RAY = importlib.util.find_spec("ray") is not None
needs_ray = pytest.mark.skipif(
    not HAS_RAY, reason='Ray is not installed (pip install "pykeras[ray]")'
)

RNG = np.random.default_rng(3)
X = RNG.normal(size=(200, 8)).astype("float32")
Y = RNG.integers(0, 3, size=200)
GLOBAL = 32
# Worker 0 takes the first 20 rows of each global batch of 32, worker 1 the
# other 12 (the last batch of 8: 5 and 3): unequal shares, so the gradients
# must be weighted by rows to give the one-process update.
SHARE = 20 / 32


def split(rows, rank):
    cut = round(len(rows) * SHARE)
    return rows[:cut] if rank == 0 else rows[cut:]


class Halves(keras.utils.PyDataset):
    """Worker `rank`'s part of every global batch, by index."""

    def __init__(self, rank):
        super().__init__()
        self.rank = rank

    def __len__(self):
        return -(-len(X) // GLOBAL)

    def __getitem__(self, index):
        rows = split(np.arange(index * GLOBAL, min((index + 1) * GLOBAL, len(X))), self.rank)
        return X[rows], Y[rows]


def halves(rank, world):
    return Halves(rank)


def endless(rank, world):
    """A generator over the epochs' batches, one epoch after another."""
    while True:
        for index in range(len(Halves(rank))):
            yield Halves(rank)[index]


def uneven(rank, world):
    return [Halves(rank)[i] for i in range(7 if rank == 0 else 6)]


def build(optimizer="sgd"):
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    opt = keras.optimizers.SGD(0.1, momentum=0.9) if optimizer == "sgd" else "adam"
    model.compile(optimizer=opt, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def build_adam():
    return build("adam")


@pytest.fixture(scope="module")
def ray_cluster():
    import ray
    import ray.cloudpickle

    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def assert_same_weights(result, model):
    for got, want in zip(result.model.get_weights(), model.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@needs_ray
@pytest.mark.parametrize("builder", [build, build_adam], ids=["sgd", "adam"])
def test_loaders_with_unequal_batches_match_one_process(ray_cluster, tmp_path, builder):
    result = distribute.fit(
        builder, halves, num_workers=2, epochs=2, storage_path=str(tmp_path), collective="ray"
    )
    model = builder()
    history = model.fit(X, Y, batch_size=GLOBAL, epochs=2, shuffle=False, verbose=0).history
    assert_same_weights(result, model)
    np.testing.assert_allclose(result.history.history["loss"], history["loss"], rtol=1e-5)
    np.testing.assert_allclose(result.history.history["accuracy"], history["accuracy"])


@needs_ray
def test_a_generator_loader_runs_steps_per_epoch(ray_cluster, tmp_path):
    result = distribute.fit(
        build, endless, num_workers=2, epochs=2, steps_per_epoch=7,
        storage_path=str(tmp_path), collective="ray",
    )  # fmt: skip
    model = build()
    model.fit(X, Y, batch_size=GLOBAL, epochs=2, shuffle=False, verbose=0)
    assert_same_weights(result, model)


@needs_ray
def test_loaders_of_different_lengths_fail_naming_them(ray_cluster, tmp_path):
    with pytest.raises(distribute.DistributedTrainingError, match=r"\[7, 6\]"):
        distribute.fit(build, uneven, num_workers=2, storage_path=str(tmp_path))


@needs_ray
def test_a_loader_takes_no_targets_or_batch_sizes():
    with pytest.raises(ValueError, match="loader.*takes no y, batch_size"):
        distribute.fit(build, halves, Y, batch_size=16)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        distribute.fit(build, halves, steps_per_epoch=0)


class Sum:
    """An all-reduce over two workers whose other half is given."""

    def __init__(self, other):
        self.other = other

    def all_reduce(self, values):
        return values + self.other


class Batches:
    def __init__(self, rows):
        self.rows = rows


def test_gradients_are_weighted_by_each_workers_rows():
    # Worker 0: 3 rows with mean gradient g0; worker 1: 1 row with g1: the
    # global mean is (3 g0 + g1) / 4.
    g0, g1 = np.array([1.0, 2.0], np.float32), np.array([5.0, -2.0], np.float32)
    other = np.append(g1 * 1, np.float32(1))
    averaged = RowWeightedAverager(Sum(other), Batches(3))(0, g0)
    np.testing.assert_allclose(averaged, (3 * g0 + g1) / 4)
