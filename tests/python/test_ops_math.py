"""sqrt, square, log, abs, neg, clip: forward vs numpy, gradient vs finite differences."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from op_check import (
    SETTINGS,
    C,
    DTypeError,
    InvalidArgumentError,
    avoid,
    check_forward,
    check_gradient,
    rng_for,
    seeds,
    shapes,
    uniform,
)

OPS = {"sqrt", "square", "log", "abs", "neg", "clip"}

# name -> (reference, input range, kinks)
UNARY = {
    "sqrt": (np.sqrt, (0.3, 4.0), []),
    "square": (np.square, (-3.0, 3.0), []),
    "log": (np.log, (0.3, 4.0), []),
    "abs": (np.abs, (-3.0, 3.0), [0.0]),
    "neg": (np.negative, (-3.0, 3.0), []),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@SETTINGS
@given(shape=shapes(), seed=seeds)
def test_unary_forward(name, shape, seed):
    ref, (lo, hi), _ = UNARY[name]
    x = uniform(rng_for(seed), shape, lo, hi)
    check_forward(name, [x], reference=lambda x: ref(x.astype(np.float64)), rtol=1e-6, atol=0)


@pytest.mark.parametrize("name", sorted(UNARY))
@SETTINGS
@given(shape=shapes(max_side=3), seed=seeds)
def test_unary_gradient(name, shape, seed):
    _, (lo, hi), kinks = UNARY[name]
    x = avoid(uniform(rng_for(seed), shape, lo, hi), kinks)
    check_gradient(name, [x], rng=rng_for(seed + 1))


@st.composite
def _bounds(draw):
    lo = draw(st.one_of(st.none(), st.sampled_from([-2.0, -1.0, -0.5, 0.0, 1])))
    hi = draw(st.one_of(st.none(), st.sampled_from([-0.25, 0.5, 1.0, 2])))
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    return lo, hi


@SETTINGS
@given(bounds=_bounds(), shape=shapes(), seed=seeds)
def test_clip(bounds, shape, seed):
    lo, hi = bounds
    attrs = {}
    if lo is not None:
        attrs["min"] = lo
    if hi is not None:
        attrs["max"] = hi
    kinks = [b for b in bounds if b is not None]
    x = avoid(uniform(rng_for(seed), shape, -3.0, 3.0), kinks)
    ref_lo = -np.inf if lo is None else lo
    ref_hi = np.inf if hi is None else hi
    check_forward("clip", [x], attrs, lambda x: np.clip(x, ref_lo, ref_hi), rtol=0, atol=0)
    if x.size <= 27:
        check_gradient("clip", [x], attrs, rng=rng_for(seed + 1))


def test_clip_gradient_flows_inside_the_range_only():
    x = np.array([-2.0, -1.0, 0.0, 1.0, 2.0], np.float32)
    (g,) = C.op_grad("clip", [x], np.full(5, 3.0, np.float32), {"min": -1.0, "max": 1.0})
    np.testing.assert_array_equal(g, [0.0, 3.0, 3.0, 3.0, 0.0])


def test_clip_min_above_max_raises():
    with pytest.raises(InvalidArgumentError):
        C.op("clip", [np.ones(3, np.float32)], {"min": 2.0, "max": 1.0})


def test_out_of_domain_values_follow_ieee():
    x = np.array([-1.0, 0.0, 4.0], np.float32)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(C.op("sqrt", [x]), np.sqrt(x))
        np.testing.assert_array_equal(C.op("log", [x]), np.log(x))


def test_abs_gradient_at_zero_is_zero():
    x = np.array([-2.0, 0.0, 3.0], np.float32)
    (g,) = C.op_grad("abs", [x], np.ones(3, np.float32))
    np.testing.assert_array_equal(g, [-1.0, 0.0, 1.0])


@pytest.mark.parametrize("name", sorted(OPS))
def test_wrong_dtype_raises(name):
    with pytest.raises(DTypeError):
        C.op(name, [np.arange(4, dtype=np.int64)])
    # float64 is taken (computed in float64 or rounded at the op's
    # boundary, `ops::boundary`); float16 is not a core type.
    with pytest.raises(TypeError):
        C.op(name, [np.ones(4, dtype=np.float16)])


@pytest.mark.parametrize("name", sorted(OPS))
def test_unknown_attribute_raises(name):
    with pytest.raises(InvalidArgumentError, match="axis"):
        C.op(name, [np.ones(3, np.float32)], {"axis": 0})


@pytest.mark.parametrize("name", sorted(OPS))
def test_wrong_arity_raises(name):
    x = np.ones(3, np.float32)
    with pytest.raises(InvalidArgumentError):
        C.op(name, [x, x])
    with pytest.raises(InvalidArgumentError):
        C.op(name, [])
