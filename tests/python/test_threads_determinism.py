"""Results are bit-identical whatever the thread count: kernels split work
over independent outputs, or over shape-fixed blocks of a reduction added
in order. Each case is run
forward and backward with 1, 2 and 3 threads and compared exactly. Sizes
are above the parallel threshold so the work is really split."""

import zlib

import numpy as np
import pytest

import pykeras._core as C

THREADS = [1, 2, 3]


@pytest.fixture
def restore_threads():
    before = C.get_num_threads()
    yield
    C.set_num_threads(before)


def _rng(seed=0):
    return np.random.default_rng(seed)


def _f32(rng, shape, low=-1.0, high=1.0):
    return rng.uniform(low, high, size=shape).astype(np.float32)


def _case(name):
    """(inputs, attrs, training, seed) for op `name`, large enough to split."""
    rng = _rng(zlib.crc32(name.encode()))
    if name == "matmul":
        return [_f32(rng, (300, 500)), _f32(rng, (500, 200))], None, False, 0
    if name == "matmul_batched":
        return [_f32(rng, (4, 120, 90)), np.swapaxes(_f32(rng, (4, 70, 90)), 1, 2)], None, False, 0
    if name == "matmul_rows":
        return [_f32(rng, (8, 64, 256)), _f32(rng, (256, 128))], None, False, 0
    if name == "matmul_narrow":
        # At most 16 output columns: the direct kernel (AVX-512), rows split.
        return [_f32(rng, (3000, 500)), _f32(rng, (500, 10))], None, False, 0
    if name == "matmul_vector":
        # One row of A: the direct kernel or the row loop, columns split.
        return [_f32(rng, (1, 2000)), _f32(rng, (2000, 700))], None, False, 0
    if name.partition(":")[0] in ("sum", "mean", "max"):
        _, _, axis = name.partition(":")
        attrs = None if axis == "" else {"axis": [int(a) for a in axis.split(",")]}
        return [_f32(rng, (64, 256, 130))], attrs, False, 0
    if name == "softmax_cross_entropy":
        logits = _f32(rng, (4096, 100), -5, 5)
        return [logits, rng.integers(0, 100, size=4096).astype(np.int64)], None, False, 0
    if name == "softmax_cross_entropy_dense":
        logits = _f32(rng, (2048, 100), -5, 5)
        p = rng.dirichlet(np.ones(100), size=2048).astype(np.float32)
        return [logits, p], None, False, 0
    if name == "softmax":
        return [_f32(rng, (512, 300), -5, 5)], {"axis": -1}, False, 0
    if name == "batch_norm":
        x = _f32(rng, (128, 16, 16, 32), -2, 3)
        c = 32
        params = [
            _f32(rng, (c,), 0.5, 2),
            _f32(rng, (c,)),
            _f32(rng, (c,)),
            _f32(rng, (c,), 0.5, 2),
        ]
        return [x, *params], {"axis": -1}, True, 0
    if name == "batch_norm_axis1":
        x = _f32(rng, (64, 24, 20, 20))
        c = 24
        params = [
            _f32(rng, (c,), 0.5, 2),
            _f32(rng, (c,)),
            _f32(rng, (c,)),
            _f32(rng, (c,), 0.5, 2),
        ]
        return [x, *params], {"axis": 1}, True, 0
    if name == "layer_norm":
        x = _f32(rng, (256, 64, 40))
        return [x, _f32(rng, (40,)), _f32(rng, (40,))], {"axis": -1}, False, 0
    if name == "dropout":
        return [_f32(rng, (512, 1024))], {"rate": 0.3, "seed": 17}, True, 12345
    if name == "embedding":
        ids = rng.integers(0, 500, size=(256, 64)).astype(np.int64)
        return [ids, _f32(rng, (500, 64))], None, False, 0
    if name == "add":
        return [_f32(rng, (256, 512)), _f32(rng, (512,))], None, False, 0
    if name == "gelu":
        return [_f32(rng, (512, 512), -4, 4)], {"approximate": False}, False, 0
    if name == "conv2d":
        x = _f32(rng, (8, 32, 32, 16))
        k = _f32(rng, (3, 3, 16, 32))
        return [x, k], {"padding": "same", "strides": [1, 1]}, False, 0
    if name == "conv2d_strided":
        x = _f32(rng, (6, 33, 31, 8))
        k = _f32(rng, (5, 3, 8, 16))
        return [x, k], {"padding": "valid", "strides": [2, 1], "dilation_rate": [1, 2]}, False, 0
    if name == "conv1d":
        x = _f32(rng, (16, 500, 12))
        k = _f32(rng, (7, 12, 24))
        return [x, k], {"padding": "same", "dilation_rate": 2}, False, 0
    if name in ("max_pool2d", "avg_pool2d"):
        x = _f32(rng, (16, 40, 40, 16))
        return [x], {"pool_size": 3, "strides": 2, "padding": "same"}, False, 0
    if name in ("global_avg_pool2d", "global_max_pool2d"):
        return [_f32(rng, (32, 30, 30, 16))], None, False, 0
    raise KeyError(name)


CASES = [
    "matmul",
    "matmul_batched",
    "matmul_rows",
    "matmul_narrow",
    "matmul_vector",
    "sum",
    "sum:0",
    "sum:1",
    "sum:2",
    "sum:0,2",
    "mean",
    "mean:0",
    "mean:1,2",
    "max:0",
    "max:2",
    "softmax_cross_entropy",
    "softmax_cross_entropy_dense",
    "softmax",
    "batch_norm",
    "batch_norm_axis1",
    "layer_norm",
    "dropout",
    "embedding",
    "add",
    "gelu",
    "conv2d",
    "conv2d_strided",
    "conv1d",
    "max_pool2d",
    "avg_pool2d",
    "global_avg_pool2d",
    "global_max_pool2d",
]


def _op_name(case):
    name = case.partition(":")[0]
    for suffix in ("_batched", "_rows", "_narrow", "_vector", "_dense", "_axis1", "_strided"):
        name = name.removesuffix(suffix)
    return name


@pytest.mark.parametrize("case", CASES)
def test_bit_identical_across_thread_counts(case, restore_threads):
    name = _op_name(case)
    inputs, attrs, training, seed = _case(case)
    results = []
    for n in THREADS:
        C.set_num_threads(n)
        assert C.get_num_threads() == n
        out = C.op(name, inputs, attrs, training=training, seed=seed)
        g = _f32(_rng(1), out.shape)
        grads = C.op_grad(name, inputs, g, attrs, training=training, seed=seed)
        results.append((out, grads))
    out0, grads0 = results[0]
    assert np.all(np.isfinite(out0))
    for n, (out, grads) in zip(THREADS[1:], results[1:]):
        assert out.tobytes() == out0.tobytes(), f"{case}: output differs with {n} threads"
        for i, (a, b) in enumerate(zip(grads0, grads)):
            if a is None:
                assert b is None
                continue
            assert a.tobytes() == b.tobytes(), f"{case}: gradient {i} differs with {n} threads"


def test_dropout_mask_is_the_same_for_every_thread_count(restore_threads):
    x = np.ones((1 << 20,), np.float32)
    masks = []
    for n in THREADS:
        C.set_num_threads(n)
        masks.append(C.op("dropout", [x], {"rate": 0.5, "seed": 3}, training=True, seed=9))
    for m in masks[1:]:
        np.testing.assert_array_equal(m, masks[0])


def test_set_num_threads_rejects_zero(restore_threads):
    from pykeras.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError):
        C.set_num_threads(0)


def _train_cnn(seed):
    """A small CNN (fused conv+bias+relu, conv tasks) trained two epochs."""
    import pykeras as keras

    layers = keras.layers
    rng = np.random.default_rng(seed)
    x = rng.random((96, 12, 12, 1), dtype=np.float32)
    y = rng.integers(0, 4, size=96)
    model = keras.Sequential(
        [
            keras.Input(shape=(12, 12, 1)),
            layers.Conv2D(
                8,
                3,
                padding="same",
                activation="relu",
                kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
            ),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(
                4,
                activation="softmax",
                kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 1),
            ),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    return history.history["loss"], [w.copy() for w in model.get_weights()]


def test_fits_from_several_python_threads_finish_and_match(restore_threads):
    """Pool threads poll for work while a call runs; calls from several
    Python threads at once must still all finish, with the results they
    give alone."""
    import threading

    C.set_num_threads(2)
    alone = [_train_cnn(seed) for seed in range(4)]
    results = [None] * 4
    errors = []

    def work(i):
        try:
            results[i] = _train_cnn(i)
        except BaseException as e:  # reported below, with the thread's index
            errors.append((i, e))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a concurrent fit did not finish"
    assert not errors, errors
    for (loss_a, w_a), (loss_b, w_b) in zip(alone, results):
        assert loss_a == loss_b
        for a, b in zip(w_a, w_b):
            assert a.tobytes() == b.tobytes()
