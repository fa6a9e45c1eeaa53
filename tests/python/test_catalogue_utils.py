"""pykeras.utils: Keras 3's helpers, against recorded Keras values where Keras
can run here (tests/reference/make_catalogue_reference.py) and NumPy otherwise."""

import json
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pykeras as keras
from pykeras import utils

DATA = os.path.join(os.path.dirname(__file__), "..", "reference", "data")
ARRAYS = dict(np.load(os.path.join(DATA, "catalogue.npz")))


@pytest.mark.parametrize("axis, order", [(-1, 2), (1, 1), (-1, 3)])
def test_normalize_matches_keras(axis, order):
    got = utils.normalize(ARRAYS["normalize/x"], axis, order)
    np.testing.assert_allclose(got, ARRAYS[f"normalize/axis{axis}_order{order}"], rtol=1e-12)


def test_normalize_tensor_input():
    x = np.array([[3.0, 4.0], [0.0, 2.0]], np.float32)
    got = utils.normalize(keras.ops.convert_to_tensor(x))
    np.testing.assert_allclose(np.asarray(got), [[0.6, 0.8], [0.0, 1.0]], rtol=1e-6)


def test_pack_and_unpack():
    assert utils.pack_x_y_sample_weight(1) == 1
    assert utils.pack_x_y_sample_weight((1, 2)) == ((1, 2),)
    assert utils.pack_x_y_sample_weight(1, 2) == (1, 2)
    assert utils.pack_x_y_sample_weight(1, 2, 3) == (1, 2, 3)
    assert utils.unpack_x_y_sample_weight(1) == (1, None, None)
    assert utils.unpack_x_y_sample_weight([1, 2]) == (1, 2, None)
    assert utils.unpack_x_y_sample_weight((1, 2, 3)) == (1, 2, 3)
    with pytest.raises(ValueError, match="format"):
        utils.unpack_x_y_sample_weight((1, 2, 3, 4))


def numpy_windows(data, targets, length, stride, rate, start, end):
    """The windows Keras's docstring defines, written out in NumPy."""
    start = start or 0
    end = len(data) if end is None else end
    count = end - start - (length - 1) * rate
    if targets is not None:
        count = min(count, len(targets))
    xs = [data[start + s + np.arange(length) * rate] for s in range(0, count, stride)]
    ys = None if targets is None else [targets[start + s] for s in range(0, count, stride)]
    return xs, ys


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(8, 40),
    length=st.integers(1, 5),
    stride=st.integers(1, 3),
    rate=st.integers(1, 3),
    batch=st.integers(1, 6),
    with_targets=st.booleans(),
    start=st.sampled_from([None, 0, 2]),
)
def test_timeseries_windows_match_numpy(n, length, stride, rate, batch, with_targets, start):
    data = np.arange(n * 2).reshape(n, 2)
    targets = np.arange(100, 100 + n) if with_targets else None
    ds = utils.timeseries_dataset_from_array(
        data, targets, length, sequence_stride=stride, sampling_rate=rate, batch_size=batch,
        start_index=start,
    )  # fmt: skip
    xs, ys = numpy_windows(data, targets, length, stride, rate, start, None)
    got_x, got_y = [], []
    for item in ds:
        if with_targets:
            got_x.extend(item[0])
            got_y.extend(item[1])
        else:
            got_x.extend(item)
    assert len(got_x) == len(xs)
    for a, b in zip(got_x, xs):
        np.testing.assert_array_equal(a, b)
    if with_targets:
        np.testing.assert_array_equal(got_y, ys)


def test_timeseries_unbatched_shuffled_and_end_index():
    data = np.arange(20)
    ds = utils.timeseries_dataset_from_array(
        data, data * 10, 3, batch_size=None, shuffle=True, seed=4, end_index=12
    )
    windows = [tuple(x) for x, _ in ds]
    expected = [tuple(range(s, s + 3)) for s in range(10)]
    assert sorted(windows) == expected and windows != expected
    for x, y in ds:
        assert y == x[0] * 10


def test_timeseries_trains_with_fit():
    rng = np.random.RandomState(0)
    series = rng.randn(60, 2).astype(np.float32)
    ds = utils.timeseries_dataset_from_array(series, series[4:, 0], 4, batch_size=8)
    model = keras.Sequential([keras.Input((4, 2)), keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sampling_rate": 0}, "sampling_rate"),
        ({"sequence_stride": 0}, "sequence_stride"),
        ({"start_index": -1}, "start_index"),
        ({"end_index": 50}, "end_index"),
        ({"format": "torch"}, "format"),
    ],
)
def test_timeseries_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        utils.timeseries_dataset_from_array(np.arange(10), None, 2, **kwargs)


def test_split_dataset_arrays_and_structures():
    x = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    (lx, ly), (rx, ry) = utils.split_dataset((x, y), left_size=0.8)
    assert len(lx) == len(ly) == 8 and len(rx) == len(ry) == 2
    np.testing.assert_array_equal(np.concatenate([ly, ry]), y)
    left, right = utils.split_dataset({"a": x, "b": y}, right_size=3, shuffle=True, seed=1)
    assert set(left) == {"a", "b"} and len(right["b"]) == 3
    assert sorted(np.concatenate([left["b"], right["b"]])) == list(range(10))
    np.testing.assert_array_equal(left["a"][:, 0] // 2, left["b"])  # rows stay paired
    lone_left, lone_right = utils.split_dataset(y, left_size=4, right_size=3)
    assert len(lone_left) == 4 and len(lone_right) == 3


def test_split_dataset_bad_sizes():
    y = np.arange(10)
    with pytest.raises(ValueError, match="At least one"):
        utils.split_dataset(y)
    with pytest.raises(ValueError, match="range"):
        utils.split_dataset(y, left_size=1.5)
    with pytest.raises(ValueError, match="larger"):
        utils.split_dataset(y, left_size=6, right_size=6)
    with pytest.raises(ValueError, match="same number"):
        utils.split_dataset((np.arange(3), np.arange(4)), left_size=1)


def test_split_dataset_of_a_pydataset():
    class Batches(utils.PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return np.full((2, 1), i), np.full((2,), i)

    left, right = utils.split_dataset(Batches(), left_size=4)
    assert left[0].shape == (4, 1) and right[1].tolist() == [2, 2]


def test_config_object():
    cfg = utils.Config(lr=0.1)
    cfg.momentum = 0.9
    cfg["nesterov"] = True
    assert cfg["momentum"] == 0.9 and cfg.lr == 0.1 and len(cfg) == 3 and "nesterov" in cfg
    assert json.loads(cfg.to_json()) == {"lr": 0.1, "momentum": 0.9, "nesterov": True}
    cfg.freeze()
    with pytest.raises(ValueError, match="frozen"):
        cfg.lr = 1.0
    cfg.unfreeze()
    cfg.update(lr=0.2)
    assert cfg.as_dict()["lr"] == 0.2


def test_get_source_inputs():
    a, b = keras.Input((2,)), keras.Input((2,))
    mid = keras.layers.Dense(2)(a)
    out = keras.layers.Add()([mid, b])
    sources = utils.get_source_inputs(out)
    assert len(sources) == 2 and sources[0] is a and sources[1] is b
    assert utils.get_source_inputs(a)[0] is a


def test_custom_object_scope_and_registration():
    class Twice(keras.layers.Layer):
        def call(self, x):
            return x * 2.0

    model = keras.Sequential([keras.Input((1,)), Twice()])
    config = model.get_config()
    with utils.custom_object_scope({"Twice": Twice}):
        again = keras.Sequential.from_config(config)
    assert isinstance(again.layers[-1], Twice)
    assert utils.CustomObjectScope is keras.saving.CustomObjectScope
    assert utils.get_custom_objects() is keras.saving.get_custom_objects()
    registered = utils.register_keras_serializable(package="Cat")(
        type("Thing", (), {"get_config": lambda self: {}})
    )
    assert utils.get_registered_name(registered) == "Cat>Thing"
    assert utils.get_registered_object("Cat>Thing") is registered


def test_namespace_reexports():
    assert utils.standardize_dtype("float32") == "float32"
    assert utils.is_keras_tensor(keras.Input((1,)))
    assert utils.serialize_keras_object is keras.saving.serialize_keras_object
    assert utils.deserialize_keras_object is keras.saving.deserialize_keras_object
    assert utils.Sequence is utils.PyDataset
