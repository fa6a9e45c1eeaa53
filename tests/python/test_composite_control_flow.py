"""Control flow (`pykeras/ops/control_flow.py`): eagerly against plain Python
and NumPy loops (hypothesis-drawn values and trip counts) and against what
Keras 3 returned (tests/reference/data/control_flow.json, recorded by
tests/reference/make_control_flow_reference.py from control_flow_cases.py);
unrolled into traced subclassed models (values and gradients against central
differences, `fit`) and Functional models (`fit`, save and load); bad input."""

import json
import pathlib

import numpy as np
import pytest
from composite_check import WeightedOp, keras_params, our_params
from control_flow_cases import CASES, run_case
from hypothesis import given, settings
from hypothesis import strategies as st

import pykeras as keras
from pykeras import layers, ops
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import control_flow

OPS = set()

SETTINGS = settings(max_examples=25, deadline=None, database=None)
RECORD = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data" / "control_flow.json"


def test_every_function_has_keras_signature():
    for name in control_flow.__all__:
        assert our_params(getattr(control_flow, name)) == keras_params(name), name
        assert getattr(ops, name) is getattr(control_flow, name)
        doc = getattr(control_flow, name).__doc__
        assert "Args:" in doc and "Returns:" in doc and "Example:" in doc, name
    assert "custom_gradient" not in control_flow.__all__


# ---------------------------------------------------------------- against Keras


def _records():
    data = json.loads(RECORD.read_text())
    data.pop("_meta")
    return data


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_keras(name):
    want = _records()[name]
    got = run_case(ops, name)
    if "error" in want:
        assert "error" in got, f"{name}: expected an error, got {got}"
        assert set(want["kinds"]) & set(got["kinds"]), (want, got)
        return
    assert "result" in got, got
    _same_record(got["result"], want["result"], name)


def _same_record(got, want, where):
    assert set(got) == set(want), f"{where}: {got} vs {want}"
    for kind in ("tuple", "list"):
        if kind in want:
            assert len(got[kind]) == len(want[kind]), where
            for i, (g, w) in enumerate(zip(got[kind], want[kind])):
                _same_record(g, w, f"{where}[{i}]")
            return
    if "dict" in want:
        assert list(got["dict"]) == list(want["dict"]), where
        for k in want["dict"]:
            _same_record(got["dict"][k], want["dict"][k], f"{where}[{k!r}]")
        return
    if "none" in want:
        return
    assert got["shape"] == want["shape"] and got["dtype"] == want["dtype"], (where, got, want)
    np.testing.assert_allclose(got["values"], want["values"], rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------- eager, against loops

values = st.floats(-2, 2, width=32, allow_nan=False)


@SETTINGS
@given(st.integers(-3, 8), st.integers(-3, 8), st.lists(values, min_size=1, max_size=4))
def test_fori_loop_matches_python(lower, upper, start):
    start = np.array(start, np.float32)
    got = ops.fori_loop(lower, upper, lambda i, v: (v[0] * 0.5 + i, v[1] + v[0][0]), (start, 0.0))
    want = (start, np.float32(0.0))
    for i in range(lower, upper):
        want = (want[0] * np.float32(0.5) + np.float32(i), want[1] + want[0][0])
    assert isinstance(got, tuple) and got[0].dtype == np.float32
    np.testing.assert_allclose(got[0], want[0], rtol=1e-6)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-5, atol=1e-5)


@SETTINGS
@given(st.integers(-5, 40), st.integers(1, 5), st.one_of(st.none(), st.integers(-1, 12)))
def test_while_loop_matches_python(limit, step, most):
    got = ops.while_loop(lambda i, s: i < limit, lambda i, s: (i + step, s + i), (0, 0), most)
    i, s, n = 0, 0, 0
    while i < limit and (most is None or n < most):
        i, s, n = i + step, s + i, n + 1
    assert got == (i, s) and got[0].dtype == np.int32


@SETTINGS
@given(
    st.lists(st.lists(values, min_size=2, max_size=2), min_size=0, max_size=6),
    st.booleans(),
)
def test_scan_matches_python(rows, reverse):
    xs = np.array(rows, np.float32).reshape(len(rows), 2)
    carry, ys = ops.scan(
        lambda c, x: (c * 0.5 + x, {"y": c - x}), np.ones(2, np.float32), xs, reverse=reverse
    )
    c, out = np.ones(2, np.float32), [None] * len(rows)
    for t in reversed(range(len(rows))) if reverse else range(len(rows)):
        out[t] = c - xs[t]
        c = c * np.float32(0.5) + xs[t]
    np.testing.assert_allclose(carry, c, rtol=1e-6)
    assert ys["y"].shape == (len(rows), 2) and ys["y"].dtype == np.float32
    if rows:
        np.testing.assert_allclose(ys["y"], np.stack(out), rtol=1e-6)


@SETTINGS
@given(st.integers(1, 5), st.integers(1, 4), st.integers(0, 2**31))
def test_map_and_vectorized_map_match_python(n, m, seed):
    xs = np.random.default_rng(seed).normal(size=(n, m)).astype(np.float32)
    f = lambda x: (ops.sum(x), x * 2.0)  # noqa: E731 - a reduction: no whole-batch shortcut
    for op in (ops.map, ops.vectorized_map):
        total, twice = op(f, xs)
        np.testing.assert_allclose(total, xs.sum(axis=1), rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(twice, xs * 2)


@SETTINGS
@given(
    st.integers(1, 9),
    st.integers(0, 2),
    st.booleans(),
    st.sampled_from(["add", "mul", "max"]),
    st.integers(0, 2**31),
)
def test_associative_scan_matches_cumulative(n, axis, reverse, kind, seed):
    shape = [2, 3, 2]
    shape[axis] = n
    x = np.random.default_rng(seed).uniform(0.5, 1.5, shape).astype(np.float32)
    f = {"add": np.add, "mul": np.multiply, "max": np.maximum}[kind]
    got = ops.associative_scan(lambda a, b: f(a, b), x, reverse=reverse, axis=axis)
    src = np.flip(x, axis) if reverse else x
    want = {"add": np.cumsum, "mul": np.cumprod, "max": np.maximum.accumulate}[kind](src, axis)
    want = np.flip(want, axis) if reverse else want
    assert got.shape == x.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5)


@SETTINGS
@given(st.integers(-4, 6), st.integers(1, 4))
def test_switch_clamps(index, count):
    got = ops.switch(index, [lambda x, k=k: x * 10.0 + k for k in range(count)], 1.0)
    assert float(got) == 10.0 + min(max(index, 0), count - 1)


@SETTINGS
@given(st.integers(0, 2**31), st.integers(1, 4))
def test_vectorize_matches_numpy(seed, m):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(3, m)).astype(np.float32), rng.normal(size=(m,)).astype(np.float32)
    got = ops.vectorize(lambda p, q: p * q + 1.0)(a, b)
    np.testing.assert_allclose(got, a * b + 1.0, rtol=1e-5, atol=1e-6)
    got = ops.vectorize(lambda r, q: ops.sum(r * q), signature="(n),(n)->()")(a, b)
    np.testing.assert_allclose(got, (a * b).sum(-1), rtol=1e-5, atol=1e-6)


def test_cond_runs_only_the_chosen_branch_eagerly():
    calls = []
    out = ops.cond(np.float32(1.0) > 2, lambda: calls.append("t"), lambda: 7.0)
    assert calls == [] and out == 7.0 and out.dtype == np.float32


# ------------------------------------------------ traced models: values, gradients, fit

S = (3, 4)


def _scan_model(t):
    xs = ops.moveaxis(t, 1, 0)  # (3, batch, 4): steps along a known axis
    carry, ys = ops.scan(lambda c, x: (c * 0.5 + x, c * x), ops.zeros_like(xs[0]), xs)
    return ops.moveaxis(ys, 0, 1) + ops.expand_dims(carry, 1)


def _scan_numpy(t):
    xs, c, ys = np.moveaxis(t, 1, 0), np.zeros_like(t[:, 0]), []
    for x in xs:
        ys.append(c * x)
        c = c * 0.5 + x
    return np.moveaxis(np.stack(ys), 0, 1) + c[:, None]


def _while_numpy(t):
    v = t
    for _ in range(4):
        if not (v * v).sum() < 30:
            break
        v = v * 1.5
    return v


# (id, op on a batch, the same in NumPy); one sample's shape is S.
MODEL_CASES = [
    (
        "cond",
        lambda t: ops.cond(ops.sum(t) > 0, lambda: t * t, lambda: t * 3.0),
        lambda t: t * t if t.sum() > 0 else t * 3.0,
    ),
    (
        "switch",
        lambda t: ops.switch(ops.sum(t) > 0, [lambda u: u * 2.0, lambda u: u * u], t),
        lambda t: t * t if t.sum() > 0 else t * 2.0,
    ),
    (
        "fori_loop",
        lambda t: ops.fori_loop(0, 3, lambda i, v: v * t + i, t),
        lambda t: ((t * t) * t + 1) * t + 2,
    ),
    ("scan", _scan_model, _scan_numpy),
    (
        "while_loop_masked",
        lambda t: ops.while_loop(
            lambda v: ops.sum(v * v) < 30.0, lambda v: v * 1.5, t, maximum_iterations=4
        ),
        _while_numpy,
    ),
    (
        "map",
        lambda t: ops.moveaxis(ops.map(lambda r: r * ops.sum(r), ops.moveaxis(t, 1, 0)), 0, 1),
        lambda t: t * t.sum(axis=2, keepdims=True),
    ),
    (
        "vectorized_map",
        lambda t: ops.moveaxis(
            ops.vectorized_map(lambda r: ops.tanh(r), ops.moveaxis(t, 2, 0)), 0, 2
        ),
        np.tanh,
    ),
    (
        "associative_scan",
        lambda t: ops.associative_scan(lambda a, b: a * b, t, axis=2),
        lambda t: np.cumprod(t, axis=2),
    ),
    (
        "associative_scan_reverse",
        lambda t: ops.associative_scan(lambda a, b: a + b * 0.5, t, reverse=True, axis=1),
        None,  # not associative: compared with its eager run only
    ),
    ("vectorize", lambda t: ops.vectorize(lambda a: a * a + 1.0)(t), lambda t: t * t + 1.0),
    (
        "vectorize_signature",
        # Loop dimensions must be known to unroll: the one sample's (3,), not the batch.
        lambda t: ops.expand_dims(
            ops.vectorize(lambda r: r * ops.sum(r), signature="(n)->(n)")(t[0]), 0
        ),
        lambda t: t * t.sum(axis=-1, keepdims=True),
    ),
]


def _numeric_gradient(reference, w):
    """d mean(reference(w)**2) / dw by central differences, in float64."""
    w = w.astype(np.float64)
    grad, h = np.zeros_like(w), 1e-5
    for i in np.ndindex(*w.shape):
        up, down = w.copy(), w.copy()
        up[i] += h
        down[i] -= h
        grad[i] = ((reference(up) ** 2).mean() - (reference(down) ** 2).mean()) / (2 * h)
    return grad


@pytest.mark.parametrize("name,ours,reference", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_traced_model_values_gradient_and_fit(name, ours, reference):
    model = WeightedOp(ours, S, seed=3)
    w0 = model.w.numpy().copy()
    x = np.ones((1, *S), np.float32)
    y = model.predict(x, verbose=0)
    np.testing.assert_allclose(y, ours(w0[None]), rtol=1e-5, atol=1e-6)  # eagerly the same
    if reference is not None:
        np.testing.assert_allclose(y, reference(w0[None].astype(np.float64)), rtol=1e-5, atol=1e-6)

    lr = 0.01
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    model.fit(x, np.zeros_like(y), batch_size=1, epochs=1, shuffle=False, verbose=0)
    fn = reference or (lambda w: ours(w.astype(np.float32)).astype(np.float64))
    grad = _numeric_gradient(fn, w0[None])[0]
    np.testing.assert_allclose(model.w.numpy(), w0 - lr * grad, rtol=1e-4, atol=1e-5)

    losses = model.fit(x, np.zeros_like(y), batch_size=1, epochs=4, verbose=0).history["loss"]
    assert losses[-1] < losses[0]


@keras.saving.register_keras_serializable(package="tests_control_flow")
class LoopModel(keras.Model):
    """cond, fori_loop, scan and switch on tensors, in a traced model."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = layers.Dense(units)
        self.head = layers.Dense(1)

    def call(self, x):
        h = self.dense(x)
        h = ops.cond(ops.mean(h) > 100.0, lambda: h * 0.0, lambda: ops.tanh(h))
        h = ops.fori_loop(0, 2, lambda i, v: v * 0.5 + h, h)
        steps = ops.transpose(h)  # (units, batch)
        carry, ys = ops.scan(lambda c, s: (c * 0.5 + s, c + s), steps[0] * 0.0, steps)
        picked = ops.switch(ops.sum(carry) > 0, [lambda a: a, lambda a: a * 2.0], ys)
        return self.head(ops.transpose(picked))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def _data(n=64, d=5):
    x = np.random.default_rng(0).normal(size=(n, d)).astype(np.float32)
    return x, x.sum(axis=1, keepdims=True) * 0.5


def test_subclassed_model_trains_and_round_trips(tmp_path):
    x, y = _data()
    model = LoopModel(units=3)
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    losses = model.fit(x, y, epochs=6, batch_size=16, verbose=0).history["loss"]
    assert losses[-1] < losses[0]
    np.testing.assert_allclose(model.predict(x[:4], verbose=0), model(x[:4]), rtol=1e-5)
    model.save(tmp_path / "loops.keras")
    restored = keras.models.load_model(tmp_path / "loops.keras")
    assert isinstance(restored, LoopModel)
    np.testing.assert_allclose(
        restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6
    )


def _functional():
    inputs = keras.Input((5,))
    h = layers.Dense(4)(inputs)
    h = ops.cond(ops.sum(h) > 1e6, lambda: h * 0.0, lambda: h * 2.0)
    h = ops.fori_loop(0, 3, lambda i, v: v * 0.5 + h * float(i), h)
    carry, ys = ops.scan(lambda c, s: (c + s, c * s), ops.zeros_like(h[:, 0]), ops.transpose(h))
    out = layers.Dense(1)(ops.concatenate([ops.transpose(ys), ops.expand_dims(carry, 1)], 1))
    return keras.Model(inputs, out)


def test_functional_model_trains_and_round_trips(tmp_path):
    model = _functional()
    assert model.output.shape == (None, 1)
    x, y = _data()
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    losses = model.fit(x, y, epochs=6, batch_size=16, verbose=0).history["loss"]
    assert losses[-1] < losses[0]
    model.save(tmp_path / "loops.keras")
    restored = keras.models.load_model(tmp_path / "loops.keras")
    np.testing.assert_allclose(
        restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6
    )


def test_symbolic_shapes():
    t = keras.Input((3, 4))
    assert ops.cond(ops.sum(t) > 0, lambda: t, lambda: -t).shape == (None, 3, 4)
    carry, ys = ops.scan(lambda c, s: (c + s, s * 2.0), t[:, 0] * 0.0, ops.moveaxis(t, 1, 0))
    assert carry.shape == (None, 4) and ys.shape == (3, None, 4)
    assert ops.associative_scan(lambda a, b: a + b, t, axis=1).shape == (None, 3, 4)
    assert ops.vectorize(lambda a: a * 2.0)(t).shape == (None, 3, 4)


# ---------------------------------------------------------------- bad input


def test_bad_input_names_the_op():
    t = keras.Input((3,))
    cases = [
        ("cond", ShapeError, lambda: ops.cond(ops.sum(t) > 0, lambda: t, lambda: t[:, :2])),
        (
            "cond",
            ValueError,
            lambda: ops.cond(ops.sum(t) > 0, lambda: (t, t), lambda: t),
        ),
        ("cond", TypeError, lambda: ops.cond(ops.sum(t) > 0, lambda: (t, t), lambda: t)),
        ("cond", ShapeError, lambda: ops.cond(t > 0, lambda: t, lambda: t)),
        ("cond", TypeError, lambda: ops.cond(True, 1.0, lambda: 2.0)),
        ("switch", ValueError, lambda: ops.switch(0, [], 1.0)),
        ("switch", ShapeError, lambda: ops.switch(ops.sum(t) > 0, [lambda: t, lambda: t[:, :1]])),
        ("fori_loop", TypeError, lambda: ops.fori_loop(0, 3, None, 0)),
        ("fori_loop", ValueError, lambda: ops.fori_loop(0, ops.sum(t), lambda i, v: v, t)),
        ("fori_loop", ValueError, lambda: ops.fori_loop(0.5, 3, lambda i, v: v, 0)),
        ("fori_loop", ShapeError, lambda: ops.fori_loop(0, 2, lambda i, v: v[:2], np.ones(3))),
        ("while_loop", ValueError, lambda: ops.while_loop(lambda v: ops.sum(v) < 3, ops.exp, t)),
        ("while_loop", TypeError, lambda: ops.while_loop(lambda v: v < 3, "body", 0)),
        ("scan", ValueError, lambda: ops.scan(lambda c, x: (c, x), 0.0, None, length=-1)),
        ("scan", ValueError, lambda: ops.scan(lambda c, x: (c, x), 0.0)),
        ("scan", ValueError, lambda: ops.scan(lambda c, x: c, 0.0, np.ones(3))),
        ("scan", ShapeError, lambda: ops.scan(lambda c, x: (c, x), t[:, 0], t)),
        ("map", ShapeError, lambda: ops.map(lambda x: x, t)),
        ("map", ShapeError, lambda: ops.map(lambda x: x, (np.ones(2), np.ones(3)))),
        ("vectorized_map", TypeError, lambda: ops.vectorized_map(None, np.ones(3))),
        ("associative_scan", ValueError, lambda: ops.associative_scan(np.add, np.ones(3), axis=1)),
        (
            "associative_scan",
            ShapeError,
            lambda: ops.associative_scan(lambda a, b: a[:1], np.ones(4)),
        ),
        ("vectorize", ValueError, lambda: ops.vectorize(abs, signature="(n->)")),
        ("vectorize", ShapeError, lambda: ops.vectorize(lambda a: ops.sum(a))(t)),
    ]
    for op, kind, call in cases:
        with pytest.raises(kind, match=f"'{op}'"):
            call()
    with pytest.raises(InvalidArgumentError):
        ops.scan(lambda c, x: (c, x), 0.0, None, length=-1)
