"""Issue 21: data-parallel training and batch inference on Ray
(`pykeras.distribute`), on a local Ray cluster of 2 CPUs.

The Ray tests are skipped only when Ray (the `ray` extra) is not importable;
the error for a missing Ray and the sharding arithmetic are tested without it.
The training tests run on both all-reduce paths: PyTorch's gloo process group
(skipped when PyTorch is not installed: it is no extra's dependency) and the
Ray actor that needs nothing else.
"""

import importlib.util
import os
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pykeras as keras
from pykeras import distribute
from pykeras.distribute import gloo
from pykeras.distribute.sharding import shard_rows

HAS_RAY = importlib.util.find_spec("ray") is not None
needs_ray = pytest.mark.skipif(
    not HAS_RAY, reason='Ray is not installed (pip install "pykeras[ray]")'
)
HAS_TORCH = importlib.util.find_spec("torch") is not None
# Both ways of all-reducing gradients: every training test runs on each.
COLLECTIVES = [
    pytest.param(
        "gloo", marks=pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")
    ),
    "ray",
]

RNG = np.random.default_rng(0)
# 200 rows at a global batch of 32: six full batches and a last one of 8
# (4 rows per worker), so the uneven tail is part of the equivalence.
X = RNG.normal(size=(200, 8)).astype("float32")
Y = RNG.integers(0, 3, size=200)
VX = RNG.normal(size=(51, 8)).astype("float32")
VY = RNG.integers(0, 3, size=51)
# 8x8 RGB images in [0, 1] for the augmentation runs (the same 200 rows).
IMAGES = np.random.default_rng(5).uniform(size=(200, 8, 8, 3)).astype("float32")


def make_optimizer(name):
    if name == "sgd":
        return keras.optimizers.SGD(0.1, momentum=0.9)
    return keras.optimizers.Adam(0.01)


def build_model(optimizer="sgd"):
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=make_optimizer(optimizer),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def build_sgd():
    return build_model("sgd")


def build_dropout():
    keras.utils.set_random_seed(2)
    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer=make_optimizer("sgd"), loss="sparse_categorical_crossentropy")
    return model


def build_adam():
    return build_model("adam")


def build_augmented(optimizer):
    # Per-sample draws (flip, rotation, zoom, translation, contrast) and one
    # per-batch draw (the crop window) before Dense layers. The contrast's
    # value range holds every result: a clip to 0 would let a mean summed in
    # another order (32 rows against 16) make a pixel 0 in one run and 1e-9
    # in the other, which Adam turns into a 1e-5 step.
    keras.utils.set_random_seed(3)
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            layers.RandomCrop(6, 6, seed=1),
            layers.RandomFlip(seed=2),
            layers.RandomRotation(0.2, seed=3),
            layers.RandomZoom(0.2, seed=4),
            layers.RandomTranslation(0.1, 0.1, seed=5),
            layers.RandomContrast(0.4, value_range=(-1, 2), seed=6),
            layers.Flatten(),
            layers.Dense(16, activation="relu"),
            layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer=make_optimizer(optimizer), loss="sparse_categorical_crossentropy")
    return model


def build_augmented_sgd():
    return build_augmented("sgd")


def build_augmented_adam():
    return build_augmented("adam")


def one_process(build, epochs, validation=True):
    model = build()
    history = model.fit(
        X, Y, batch_size=32, epochs=epochs, shuffle=False, verbose=0,
        validation_data=(VX, VY) if validation else None,
    )  # fmt: skip
    return model, history.history


def assert_same_run(result, model, history, collective):
    assert result.collective == collective
    for t in result.timings:
        assert 0.0 <= t["idle"] <= t["collective"] <= t["total"]
    for got, want in zip(result.model.get_weights(), model.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert set(result.history.history) == set(history)
    for key, values in history.items():
        np.testing.assert_allclose(result.history.history[key], values, rtol=1e-5, err_msg=key)


class KillOnce(keras.callbacks.Callback):
    """Ends worker 1's process mid-epoch 1 on the run's first attempt."""

    def __init__(self, marker):
        super().__init__()
        self.marker = marker
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        import ray.train

        rank = ray.train.get_context().get_world_rank()
        if self.epoch == 1 and batch == 3 and rank == 1 and not os.path.exists(self.marker):
            open(self.marker, "w").close()
            os._exit(1)


DRIVER_PID = os.getpid()


def build_failing_in_workers():
    # The driver's check of build_model passes; the workers' builds fail.
    if os.getpid() != DRIVER_PID:
        raise RuntimeError("build_model fails in workers on purpose")
    return build_sgd()


@pytest.fixture(scope="module")
def ray_cluster():
    import ray
    import ray.cloudpickle

    # The workers cannot import this test module: its functions travel by value.
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@needs_ray
@pytest.mark.parametrize("collective", COLLECTIVES)
@pytest.mark.parametrize("build", [build_sgd, build_adam], ids=["sgd", "adam"])
def test_two_workers_at_16_match_one_process_at_32(ray_cluster, tmp_path, build, collective):
    result = distribute.fit(
        build, X, Y, num_workers=2, batch_size=16, epochs=3, validation_data=(VX, VY),
        storage_path=str(tmp_path), collective=collective,
    )  # fmt: skip
    model, history = one_process(build, 3)
    assert_same_run(result, model, history, collective)
    assert result.dropped_rows == 0
    assert len(result.timings) == 2
    assert os.path.isfile(os.path.join(result.checkpoint_path, "model.keras"))


@needs_ray
def test_dropout_masks_follow_the_samples_not_the_workers(ray_cluster, tmp_path):
    # 200 rows: the last global batch of 8 rows is split 4 + 4, so worker 1's
    # rows start at 4 of that step (16 in the others).
    result = distribute.fit(
        build_dropout, X, Y, num_workers=2, batch_size=16, epochs=2,
        storage_path=str(tmp_path),
    )  # fmt: skip
    model = build_dropout()
    model.fit(X, Y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    for got, want in zip(result.model.get_weights(), model.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@needs_ray
@pytest.mark.parametrize("build", [build_augmented_sgd, build_augmented_adam], ids=["sgd", "adam"])
def test_random_augmentation_follows_the_samples_not_the_workers(ray_cluster, tmp_path, build):
    # Each sample's flips, angles, zooms, shifts and contrast come from its
    # place in the global batch (the uneven last batch included); the crop
    # window, one per batch, is the same on both workers.
    result = distribute.fit(
        build, IMAGES, Y, num_workers=2, batch_size=16, epochs=2, storage_path=str(tmp_path),
        collective="ray",
    )  # fmt: skip
    model = build()
    model.fit(IMAGES, Y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    for got, want in zip(result.model.get_weights(), model.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@needs_ray
def test_training_on_a_ray_dataset_matches_the_arrays(ray_cluster, tmp_path):
    import ray.data

    rows = [{"features": X[i], "label": int(Y[i])} for i in range(len(X))]
    dataset = ray.data.from_items(rows).repartition(5)
    result = distribute.fit(
        build_sgd, dataset, "label", num_workers=2, batch_size=16, epochs=2,
        storage_path=str(tmp_path),
    )  # fmt: skip
    model, history = one_process(build_sgd, 2, validation=False)
    assert_same_run(result, model, history, "gloo" if HAS_TORCH else "ray")
    with pytest.raises(ValueError, match="label columns"):
        distribute.fit(build_sgd, dataset, "target", batch_size=16)


@needs_ray
@pytest.mark.parametrize("collective", COLLECTIVES)
def test_killed_worker_resumes_from_checkpoint(ray_cluster, tmp_path, collective):
    marker = str(tmp_path / "killed")
    result = distribute.fit(
        build_sgd, X, Y, num_workers=2, global_batch_size=32, epochs=3, max_failures=1,
        callbacks=[KillOnce(marker)], storage_path=str(tmp_path), collective=collective,
    )  # fmt: skip
    assert os.path.exists(marker), "the worker was not killed"
    model, history = one_process(build_sgd, 3, validation=False)
    assert_same_run(result, model, history, collective)


@needs_ray
@pytest.mark.parametrize("collective", COLLECTIVES)
def test_failure_beyond_max_failures_raises_the_worker_error(ray_cluster, tmp_path, collective):
    with pytest.raises(distribute.DistributedTrainingError, match="fails in workers") as caught:
        distribute.fit(
            build_failing_in_workers, X, Y, num_workers=2, batch_size=16, epochs=1,
            storage_path=str(tmp_path), collective=collective,
        )  # fmt: skip
    assert caught.value.checkpoint_path is None


@needs_ray
def test_predict_over_ray_dataset_equals_model_predict(ray_cluster, tmp_path):
    import ray.data

    model = build_sgd()
    x = RNG.normal(size=(1000, 8)).astype("float32")
    dataset = ray.data.from_numpy(x).repartition(7)
    got = distribute.predict(model, dataset, batch_size=64, num_actors=2, cpus_per_actor=0.5)
    np.testing.assert_allclose(got, model.predict(x, verbose=0), rtol=1e-6, atol=1e-7)
    path = str(tmp_path / "m.keras")
    model.save(path)
    again = distribute.predict(path, dataset, column="data", batch_size=100)
    np.testing.assert_allclose(again, got, rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="column"):
        distribute.predict(model, dataset, column="pixels")


@needs_ray
def test_bad_input_raises_before_any_worker_starts():
    def uncompiled():
        return keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])

    def unbuilt():
        model = keras.Sequential([keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        return model

    with pytest.raises(ValueError, match="compiled"):
        distribute.fit(uncompiled, X, Y, batch_size=16)
    with pytest.raises(ValueError, match="built"):
        distribute.fit(unbuilt, X, Y, batch_size=16)
    with pytest.raises(ValueError, match="same number of samples"):
        distribute.fit(build_sgd, X, Y[:-1], batch_size=16)
    with pytest.raises(ValueError, match="divisible by `num_workers`"):
        distribute.fit(build_sgd, X, Y, num_workers=3, global_batch_size=32)
    with pytest.raises(ValueError, match="checkpoint_every"):
        distribute.fit(build_sgd, X, Y, batch_size=16, checkpoint_every=0)
    with pytest.raises(ValueError, match="exactly one"):
        distribute.fit(build_sgd, X, Y, batch_size=16, global_batch_size=32)
    with pytest.raises(ValueError, match="validation_data"):
        distribute.fit(build_sgd, X, Y, batch_size=16, validation_data=VX)
    with pytest.raises(ValueError, match="validation sample per worker"):
        distribute.fit(build_sgd, X, Y, batch_size=16, validation_data=(VX[:1], VY[:1]))
    with pytest.raises(ValueError, match="ray.data.Dataset"):
        distribute.predict(build_sgd(), X)
    with pytest.raises(ValueError, match="`collective`"):
        distribute.fit(build_sgd, X, Y, batch_size=16, collective="nccl")


def test_auto_collective_is_gloo_when_torch_is_installed(monkeypatch):
    assert gloo.choose_collective("ray", 2) == "ray"
    assert gloo.choose_collective("auto", 1) == "ray", "one worker exchanges nothing"
    assert gloo.choose_collective("auto", 2) == ("gloo" if HAS_TORCH else "ray")
    # Without PyTorch: the Ray actor, and an error naming PyTorch if gloo is asked.
    monkeypatch.setitem(sys.modules, "torch", None)
    assert not gloo.torch_installed()
    assert gloo.choose_collective("auto", 4) == "ray"
    with pytest.raises(ImportError, match="PyTorch"):
        gloo.choose_collective("gloo", 2)


def test_missing_ray_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ImportError, match=r"pykeras\[ray\]"):
        distribute.fit(build_sgd, X, Y, batch_size=16)
    with pytest.raises(ImportError, match=r"pykeras\[ray\]"):
        distribute.predict(build_sgd(), None)


@settings(max_examples=60, deadline=None)
@given(count=st.integers(1, 300), local=st.integers(1, 9), world=st.integers(1, 5))
def test_shards_cover_each_global_batch_once(count, local, world):
    global_batch = local * world
    shards = [shard_rows(count, global_batch, world, r) for r in range(world)]
    steps = {len(s.weights) for s in shards}
    assert len(steps) == 1, "every worker runs the same number of steps"
    rows = np.sort(np.concatenate([s.rows for s in shards]))
    dropped = shards[0].dropped
    np.testing.assert_array_equal(rows, np.arange(count - dropped))
    assert dropped < world
    # Step k's rows of every worker are exactly global batch k, and the
    # gradient weights of a step add up to one.
    for k in range(steps.pop()):
        block = np.sort(np.concatenate([s.rows[k * local : (k + 1) * local] for s in shards]))
        start = k * global_batch
        np.testing.assert_array_equal(block, np.arange(start, start + len(block)))
        np.testing.assert_allclose(sum(s.weights[k] for s in shards), 1.0)
        # Each worker's offset is where its rows start in the global batch.
        for s in shards:
            mine = s.rows[k * local : (k + 1) * local]
            if len(mine):
                assert mine[0] == start + s.offsets[k]
