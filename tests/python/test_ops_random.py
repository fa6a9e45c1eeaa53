"""The random primitives (rust/ops/random.rs): output rules, determinism in
the seed input, attributes and step seed, the distributions' shapes, the
shuffle's backward rule, and bad arguments naming the op.

The distributions themselves are tested through `keras.random` in
test_random.py."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from op_check import C, InvalidArgumentError, ShapeError, check_gradient

OPS = {
    "random_uniform",
    "random_normal",
    "random_truncated_normal",
    "random_randint",
    "random_gamma",
    "random_binomial",
    "random_categorical",
    "random_shuffle",
}

SHAPED = [
    "random_uniform",
    "random_normal",
    "random_truncated_normal",
    "random_randint",
    "random_gamma",
    "random_binomial",
]
STATE = np.array([7, 3], np.float32)


def draw(name, shape, state=STATE, step_seed=0, **attrs):
    return C.op(name, [state], {"shape": list(shape), **attrs}, False, step_seed)


@pytest.mark.parametrize("name", SHAPED)
@settings(max_examples=10, deadline=None)
@given(shape=st.lists(st.integers(0, 5), max_size=3))
def test_shaped_draws_follow_their_rule_and_repeat(name, shape):
    out = draw(name, shape, seed=5)
    assert out.shape == tuple(shape)
    assert out.dtype == (np.int64 if name == "random_randint" else np.float32)
    assert C.op_output(name, [((2,), "float32")], {"shape": list(shape)})[0] == list(shape)
    np.testing.assert_array_equal(out, draw(name, shape, seed=5))


@pytest.mark.parametrize("name", SHAPED)
def test_each_part_of_the_seed_changes_the_draw(name):
    base = draw(name, (64,), seed=1)
    for other in (
        draw(name, (64,), seed=2),
        draw(name, (64,), state=np.array([7, 4], np.float32), seed=1),
        draw(name, (64,), state=np.array([8, 3], np.float32), seed=1),
    ):
        assert not np.array_equal(base, other)
    # The step seed matters only with step=True.
    np.testing.assert_array_equal(base, draw(name, (64,), step_seed=9, seed=1))
    stepped = [draw(name, (64,), step_seed=s, seed=1, step=True) for s in (1, 2)]
    assert not np.array_equal(*stepped)


def test_unknown_sizes_come_from_the_like_input():
    like = np.zeros((5, 2), np.float32)
    out = C.op("random_normal", [STATE, like], {"shape": [-1, 3]})
    assert out.shape == (5, 3)
    assert C.op_output(
        "random_normal", [((2,), "float32"), ((None, 2), "float32")], {"shape": [-1, 3]}
    ) == (
        [None, 3],
        "float32",
    )
    with pytest.raises(ShapeError, match="random_normal"):
        C.op("random_normal", [STATE], {"shape": [-1, 3]})


def test_bad_seed_inputs_and_attributes_name_the_op():
    with pytest.raises(ShapeError, match="random_uniform"):
        C.op("random_uniform", [np.zeros(3, np.float32)], {"shape": [2]})
    with pytest.raises(InvalidArgumentError, match="random_uniform"):
        C.op("random_uniform", [STATE], {"shape": [2], "minval": 1.0, "maxval": 1.0})
    with pytest.raises(InvalidArgumentError, match="random_randint"):
        C.op("random_randint", [STATE], {"shape": [2], "minval": 3, "maxval": 3})
    with pytest.raises(InvalidArgumentError, match="random_gamma"):
        C.op("random_gamma", [STATE], {"shape": [2], "alpha": -1.0})
    with pytest.raises(InvalidArgumentError, match="random_binomial"):
        C.op("random_binomial", [STATE], {"shape": [2], "probabilities": 1.5})
    with pytest.raises(InvalidArgumentError, match="random_normal"):
        C.op("random_normal", [STATE], {"shape": [-2]})
    with pytest.raises(InvalidArgumentError, match="random_normal"):
        C.op("random_normal", [STATE], {"shape": [2], "bogus": 1})


def test_categorical_follows_the_logits():
    with np.errstate(divide="ignore"):
        logits = np.log(np.array([[0.7, 0.2, 0.1], [0.0, 0.0, 1.0]], np.float32))
    out = C.op("random_categorical", [STATE, logits], {"num_samples": 4000})
    assert out.shape == (2, 4000) and out.dtype == np.float32
    freq = np.stack([(out == k).mean(axis=1) for k in range(3)], axis=1)
    np.testing.assert_allclose(freq, np.exp(logits), atol=0.03)
    assert C.op_output(
        "random_categorical", [((2,), "float32"), ((None, 3), "float32")], {"num_samples": 2}
    ) == ([None, 2], "float32")
    with pytest.raises(ShapeError, match="random_categorical"):
        C.op("random_categorical", [STATE, np.zeros(3, np.float32)], {"num_samples": 1})
    with pytest.raises(InvalidArgumentError, match="random_categorical"):
        C.op("random_categorical", [STATE, np.zeros((1, 3), np.float32)], {"num_samples": -1})


@settings(max_examples=20, deadline=None)
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    axis=st.integers(-3, 2),
    seed=st.integers(0, 2**40),
)
def test_shuffle_permutes_every_lane(shape, axis, seed):
    if not -len(shape) <= axis < len(shape):
        return
    x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    out = C.op("random_shuffle", [STATE, x], {"axis": axis, "seed": seed})
    np.testing.assert_array_equal(np.sort(out, axis=axis), np.sort(x, axis=axis))
    check_gradient("random_shuffle", [STATE, x], {"axis": axis, "seed": seed}, wrt=[1])


def test_shuffle_bad_axis_names_the_op():
    with pytest.raises(InvalidArgumentError, match="random_shuffle"):
        C.op("random_shuffle", [STATE, np.zeros((2, 2), np.float32)], {"axis": 2})
