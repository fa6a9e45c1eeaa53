"""Merge layers against numpy: Concatenate, Add, Subtract, Multiply, Average,
Maximum, Minimum, Dot; and their shape errors."""

import numpy as np
import pytest
from layer_test import run_layer_test

import pykeras as keras
from pykeras import layers


def f64(xs):
    return [np.asarray(x, np.float64) for x in xs]


ELEMENTWISE = [
    (layers.Add, lambda xs: sum(f64(xs))),
    (layers.Multiply, lambda xs: np.prod(np.stack(f64(xs)), axis=0)),
    (layers.Average, lambda xs: np.mean(np.stack(f64(xs)), axis=0)),
    (layers.Maximum, lambda xs: np.max(np.stack(f64(xs)), axis=0)),
    (layers.Minimum, lambda xs: np.min(np.stack(f64(xs)), axis=0)),
]


@pytest.mark.parametrize("cls, fn", ELEMENTWISE, ids=lambda v: getattr(v, "__name__", ""))
def test_elementwise_merge_of_two(cls, fn):
    run_layer_test(
        cls, {}, [(3, 4), (3, 4)], reference=lambda xs, w: fn(xs), expected_output_shape=(3, 4)
    )


@pytest.mark.parametrize("cls, fn", ELEMENTWISE, ids=lambda v: getattr(v, "__name__", ""))
def test_elementwise_merge_of_three_rank3(cls, fn):
    layer = run_layer_test(
        cls, {}, [(2, 3, 4)] * 3, reference=lambda xs, w: fn(xs), expected_output_shape=(2, 3, 4)
    )
    assert layer.weights == []


@pytest.mark.parametrize("cls, fn", ELEMENTWISE, ids=lambda v: getattr(v, "__name__", ""))
def test_elementwise_merge_broadcasts_size_one_axes(cls, fn):
    a = np.random.default_rng(0).uniform(-1, 1, (3, 4)).astype(np.float32)
    b = np.random.default_rng(1).uniform(-1, 1, (3, 1)).astype(np.float32)
    out = cls()([a, b])
    expected = fn(np.broadcast_arrays(a, b))
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)
    assert cls().compute_output_shape([(None, 4), (None, 1)]) == (None, 4)


def test_subtract():
    run_layer_test(
        layers.Subtract,
        {},
        [(3, 4), (3, 4)],
        reference=lambda xs, w: np.asarray(xs[0], np.float64) - xs[1],
    )


def test_subtract_needs_exactly_two_inputs():
    x = np.ones((2, 3), np.float32)
    with pytest.raises(ValueError, match="'sub'.*exactly 2 inputs"):
        layers.Subtract(name="sub")([x, x, x])
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Subtract()([keras.Input((3,))])


def test_average_of_known_values():
    out = layers.Average()([np.full((1, 2), 1.0), np.full((1, 2), 2.0), np.full((1, 2), 6.0)])
    np.testing.assert_allclose(out, [[3.0, 3.0]])


def test_merge_layers_in_a_functional_model():
    a = keras.Input(shape=(4,), name="a")
    b = keras.Input(shape=(4,), name="b")
    total = layers.Add()([a, b])
    diff = layers.Subtract()([a, b])
    out = layers.Multiply()([total, diff])
    model = keras.Model([a, b], out)
    xa = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    xb = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(
        model.predict([xa, xb], verbose=0), xa * xa - xb * xb, rtol=1e-5, atol=1e-5
    )
    np.testing.assert_allclose(
        model.predict({"a": xa, "b": xb}, verbose=0), xa * xa - xb * xb, rtol=1e-5, atol=1e-5
    )


@pytest.mark.parametrize("axis", [-1, 1, 2])
def test_concatenate(axis):
    shapes = {-1: [(2, 3, 4), (2, 3, 2)], 1: [(2, 3, 4), (2, 1, 4)], 2: [(2, 3, 4), (2, 3, 5)]}
    layer = run_layer_test(
        layers.Concatenate,
        {"axis": axis},
        shapes[axis],
        reference=lambda xs, w: np.concatenate(xs, axis=axis),
    )
    assert layer.get_config()["axis"] == axis


def test_concatenate_three_inputs_default_axis():
    run_layer_test(
        layers.Concatenate,
        {},
        [(2, 3), (2, 1), (2, 4)],
        reference=lambda xs, w: np.concatenate(xs, axis=-1),
        expected_output_shape=(2, 8),
    )


def test_concatenate_shape_with_unknown_sizes():
    layer = layers.Concatenate(axis=1)
    assert layer.compute_output_shape([(None, None, 4), (None, 2, 4)]) == (None, None, 4)
    assert layer.compute_output_shape([(None, 3, 4), (None, 2, None)]) == (None, 5, 4)


def np_dot(xs, axes, normalize=False):
    a, b = f64(xs)
    if isinstance(axes, int):
        axes = (axes, axes)
    if normalize:
        a = a / np.maximum(np.linalg.norm(a, axis=axes[0], keepdims=True), 1e-12)
        b = b / np.maximum(np.linalg.norm(b, axis=axes[1], keepdims=True), 1e-12)
    if a.ndim == 2:
        return np.sum(a * b, axis=1, keepdims=True)
    return np.stack(
        [np.tensordot(a[i], b[i], axes=(axes[0] - 1, axes[1] - 1)) for i in range(len(a))]
    )


@pytest.mark.parametrize(
    "axes, shapes, out",
    [
        (1, [(3, 4), (3, 4)], (3, 1)),
        (-1, [(3, 4), (3, 4)], (3, 1)),
        (2, [(3, 4, 5), (3, 2, 5)], (3, 4, 2)),
        (1, [(3, 4, 5), (3, 4, 2)], (3, 5, 2)),
        ((1, 2), [(3, 4, 5), (3, 2, 4)], (3, 5, 2)),
        ((2, 1), [(3, 4, 5), (3, 5, 2)], (3, 4, 2)),
    ],
)
def test_dot(axes, shapes, out):
    layer = run_layer_test(
        layers.Dot,
        {"axes": axes},
        shapes,
        reference=lambda xs, w: np_dot(xs, axes),
        expected_output_shape=out,
    )
    assert layer.get_config()["axes"] == axes
    assert layer.get_config()["normalize"] is False


@pytest.mark.parametrize("axes, shapes", [(1, [(3, 4), (3, 4)]), (2, [(3, 4, 5), (3, 2, 5)])])
def test_dot_normalize_is_cosine_similarity(axes, shapes):
    layer = run_layer_test(
        layers.Dot,
        {"axes": axes, "normalize": True},
        shapes,
        reference=lambda xs, w: np_dot(xs, axes, normalize=True),
    )
    assert layer.get_config()["normalize"] is True


def test_dot_normalize_of_parallel_vectors_is_one():
    a = np.array([[1.0, 2.0, 3.0]], np.float32)
    out = layers.Dot(axes=1, normalize=True)([a, 2 * a])
    np.testing.assert_allclose(out, [[1.0]], rtol=1e-6)


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("cls", [layers.Add, layers.Subtract, layers.Multiply, layers.Average,
                                 layers.Maximum, layers.Minimum])  # fmt: skip
def test_elementwise_shape_mismatch_is_a_value_error(cls):
    with pytest.raises(ValueError) as info:
        cls(name="merge_it")([keras.Input((3,)), keras.Input((4,))])
    message = str(info.value)
    assert "'merge_it'" in message
    assert "(None, 3)" in message and "(None, 4)" in message
    with pytest.raises(ValueError, match="'merge_eager'"):
        cls(name="merge_eager")([np.ones((2, 3)), np.ones((2, 4))])


def test_concatenate_mismatch_off_the_axis_is_a_value_error():
    with pytest.raises(ValueError, match=r"'cat'.*concatenation axis.*\(None, 3, 2\)"):
        layers.Concatenate(name="cat")([keras.Input((3, 2)), keras.Input((4, 3))])
    with pytest.raises(ValueError, match="'cat2'"):
        layers.Concatenate(name="cat2")([np.ones((2, 3, 2)), np.ones((2, 4, 3))])


def test_concatenate_rank_mismatch_is_a_value_error():
    with pytest.raises(ValueError, match="same rank"):
        layers.Concatenate()([keras.Input((3,)), keras.Input((3, 2))])


def test_dot_contracted_sizes_must_match():
    with pytest.raises(ValueError, match=r"'dotty'.*same size"):
        layers.Dot(axes=1, name="dotty")([keras.Input((3,)), keras.Input((4,))])


def test_dot_on_the_batch_axis_is_refused():
    with pytest.raises(ValueError, match="non-batch axis"):
        layers.Dot(axes=0)([np.ones((2, 3)), np.ones((2, 3))])


def test_dot_needs_two_inputs():
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Dot(axes=1)([keras.Input((3,))] * 3)


@pytest.mark.parametrize("cls", [layers.Add, layers.Concatenate, layers.Multiply])
def test_merge_on_a_single_tensor_asks_for_a_list(cls):
    with pytest.raises(ValueError, match="list of inputs"):
        cls()(np.ones((2, 3), np.float32))


def test_merge_unknown_kwarg():
    with pytest.raises(TypeError, match=r"'axs'.*Did you mean 'axis'\?"):
        layers.Concatenate(axs=1)


def test_concatenate_axis_out_of_range_is_refused_not_wrapped():
    with pytest.raises(ValueError, match=r"'cat_axis'.*axis=5.*rank 3"):
        layers.Concatenate(axis=5, name="cat_axis")([keras.Input((3, 4)), keras.Input((3, 4))])
    with pytest.raises(ValueError, match="axis=-4"):
        layers.Concatenate(axis=-4)([np.ones((2, 3, 4)), np.ones((2, 3, 4))])


@pytest.mark.parametrize("axes", [2, (1, 3), (1, 2, 1)])
def test_dot_axes_out_of_range_are_refused_not_wrapped(axes):
    with pytest.raises(ValueError, match=r"'dot_axes'.*axes="):
        layers.Dot(axes=axes, name="dot_axes")([keras.Input((4,)), keras.Input((4,))])
