"""lstm_scan, gru_scan, simple_rnn_scan, time_last, time_reverse: forward
against NumPy recurrences (masks, both directions, every fused activation),
gradients against finite differences, bad shapes named by the op."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from op_check import (
    SETTINGS,
    C,
    InvalidArgumentError,
    ShapeError,
    check_forward,
    check_gradient,
    rng_for,
    seeds,
)

OPS = {"lstm_scan", "gru_scan", "simple_rnn_scan", "time_last", "time_reverse"}

ACTS = {
    "tanh": np.tanh,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "hard_sigmoid": lambda x: np.clip(x / 6 + 0.5, 0, 1),
    "relu": lambda x: np.maximum(x, 0),
    "linear": lambda x: x,
}


def _order(t, backwards):
    return range(t - 1, -1, -1) if backwards else range(t)


def np_simple(xp, h0, u, mask, go_backwards=False, activation="tanh"):
    act = ACTS[activation]
    h, out = h0.astype(np.float64), []
    for t in _order(xp.shape[1], go_backwards):
        new = act(xp[:, t] + h @ u)
        keep = mask[:, t : t + 1] > 0.5
        h = np.where(keep, new, h)
        out.append(h)
    return np.stack(out, 1)


def np_lstm(xp, h0, c0, u, mask, go_backwards=False, activation="tanh",
            recurrent_activation="sigmoid"):  # fmt: skip
    act, ra = ACTS[activation], ACTS[recurrent_activation]
    n = u.shape[0]
    h, c, out = h0.astype(np.float64), c0.astype(np.float64), []
    for t in _order(xp.shape[1], go_backwards):
        z = xp[:, t] + h @ u
        i, f, g, o = ra(z[:, :n]), ra(z[:, n : 2 * n]), act(z[:, 2 * n : 3 * n]), ra(z[:, 3 * n :])
        c_new = f * c + i * g
        h_new = o * act(c_new)
        keep = mask[:, t : t + 1] > 0.5
        h, c = np.where(keep, h_new, h), np.where(keep, c_new, c)
        # The kernel also returns the step's gates (zero where masked).
        gates = np.where(keep, np.concatenate([i, f, g, o], 1), 0.0)
        out.append(np.concatenate([h, c, gates], 1))
    return np.stack(out, 1)


def np_gru(xp, h0, u, rb, mask, go_backwards=False, reset_after=True, activation="tanh",
           recurrent_activation="sigmoid"):  # fmt: skip
    act, ra = ACTS[activation], ACTS[recurrent_activation]
    n = u.shape[0]
    h, out = h0.astype(np.float64), []
    for t in _order(xp.shape[1], go_backwards):
        x = xp[:, t]
        if reset_after:
            rec = h @ u + rb
            z, r = ra(x[:, :n] + rec[:, :n]), ra(x[:, n : 2 * n] + rec[:, n : 2 * n])
            hh = act(x[:, 2 * n :] + r * rec[:, 2 * n :])
        else:
            rec = h @ u[:, : 2 * n]
            z, r = ra(x[:, :n] + rec[:, :n]), ra(x[:, n : 2 * n] + rec[:, n:])
            hh = act(x[:, 2 * n :] + (r * h) @ u[:, 2 * n :])
        new = z * h + (1 - z) * hh
        h = np.where(mask[:, t : t + 1] > 0.5, new, h)
        out.append(h)
    return np.stack(out, 1)


@st.composite
def _case(draw, gates):
    rng = rng_for(draw(seeds))
    b, t, n = draw(st.integers(1, 4)), draw(st.integers(1, 5)), draw(st.integers(1, 4))
    xp = rng.normal(size=(b, t, gates * n)).astype(np.float32)
    h0 = rng.normal(size=(b, n)).astype(np.float32) * 0.5
    u = rng.normal(size=(n, gates * n)).astype(np.float32) * 0.5
    mask = (rng.random((b, t)) > draw(st.sampled_from([0.0, 0.4]))).astype(np.float32)
    return rng, xp, h0, u, mask, draw(st.booleans())


@SETTINGS
@given(_case(1), st.sampled_from(sorted(ACTS)))
def test_simple_rnn_scan_matches_numpy(case, activation):
    _, xp, h0, u, mask, back = case
    attrs = {"go_backwards": back, "activation": activation}
    check_forward(
        "simple_rnn_scan",
        [xp, h0, u, mask],
        attrs,
        lambda *a: np_simple(*a, go_backwards=back, activation=activation),
        rtol=1e-5,
        atol=2e-6,
    )


@SETTINGS
@given(_case(4), st.sampled_from(["sigmoid", "hard_sigmoid"]), st.sampled_from(["tanh", "relu"]))
def test_lstm_scan_matches_numpy(case, recurrent_activation, activation):
    rng, xp, h0, u, mask, back = case
    c0 = rng.normal(size=h0.shape).astype(np.float32)
    attrs = {"go_backwards": back, "activation": activation,
             "recurrent_activation": recurrent_activation}  # fmt: skip
    check_forward(
        "lstm_scan",
        [xp, h0, c0, u, mask],
        attrs,
        lambda *a: np_lstm(
            *a, go_backwards=back, activation=activation, recurrent_activation=recurrent_activation
        ),  # fmt: skip
        rtol=1e-5,
        atol=2e-6,
    )


@SETTINGS
@given(_case(3), st.booleans())
def test_gru_scan_matches_numpy(case, reset_after):
    rng, xp, h0, u, mask, back = case
    rb = rng.normal(size=(u.shape[1],)).astype(np.float32)
    attrs = {"go_backwards": back, "reset_after": reset_after}
    check_forward(
        "gru_scan",
        [xp, h0, u, rb, mask],
        attrs,
        lambda *a: np_gru(*a, go_backwards=back, reset_after=reset_after),
        rtol=1e-5,
        atol=2e-6,
    )


@pytest.mark.parametrize("back", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_gradients_match_finite_differences(back, masked):
    rng = np.random.default_rng(3)
    b, t, n = 3, 4, 3
    mask = np.ones((b, t), np.float32)
    if masked:
        mask[0, 2:] = 0
        mask[2, 1] = 0
    h0 = rng.normal(size=(b, n)).astype(np.float32) * 0.5
    c0 = rng.normal(size=(b, n)).astype(np.float32) * 0.5

    def draw(g):
        xp = rng.normal(size=(b, t, g * n)).astype(np.float32)
        return xp, (rng.normal(size=(n, g * n)) * 0.5).astype(np.float32)

    xp, u = draw(1)
    check_gradient("simple_rnn_scan", [xp, h0, u, mask], {"go_backwards": back}, wrt=[0, 1, 2])
    xp, u = draw(4)
    check_gradient("lstm_scan", [xp, h0, c0, u, mask], {"go_backwards": back}, wrt=[0, 1, 2, 3])
    for reset_after in (True, False):
        xp, u = draw(3)
        rb = rng.normal(size=(3 * n,)).astype(np.float32)
        attrs = {"go_backwards": back, "reset_after": reset_after}
        check_gradient("gru_scan", [xp, h0, u, rb, mask], attrs, wrt=[0, 1, 2, 3])


def test_long_batch_splits_across_threads_with_the_same_result():
    # 64 rows: the kernels cut the batch into blocks per thread.
    rng = np.random.default_rng(0)
    b, t, n = 64, 7, 16
    xp = rng.normal(size=(b, t, 4 * n)).astype(np.float32)
    h0 = np.zeros((b, n), np.float32)
    u = (rng.normal(size=(n, 4 * n)) * 0.3).astype(np.float32)
    mask = (rng.random((b, t)) > 0.2).astype(np.float32)
    check_forward("lstm_scan", [xp, h0, h0, u, mask], {}, np_lstm, rtol=1e-5, atol=2e-6)


def test_time_last_and_reverse():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    check_forward("time_last", [x], {}, lambda a: a[:, -1])
    check_forward("time_reverse", [x], {}, lambda a: a[:, ::-1])
    check_gradient("time_last", [x])
    check_gradient("time_reverse", [x])


def test_bad_shapes_name_the_op():
    xp = np.zeros((2, 3, 8), np.float32)
    h = np.zeros((2, 2), np.float32)
    with pytest.raises(ShapeError, match="lstm_scan"):
        C.op("lstm_scan", [xp, h, h, np.zeros((2, 6), np.float32), np.ones((2, 3), np.float32)])
    with pytest.raises(ShapeError, match="lstm_scan.*mask"):
        C.op("lstm_scan", [xp, h, h, np.zeros((2, 8), np.float32), np.ones((2, 4), np.float32)])
    with pytest.raises(ShapeError, match="simple_rnn_scan"):
        C.op("simple_rnn_scan", [np.zeros((2, 3), np.float32), h, h, h])
    with pytest.raises(ShapeError, match="gru_scan"):
        C.op("gru_scan", [np.zeros((2, 3, 6), np.float32), h, np.zeros((2, 6), np.float32),
                          np.zeros((5,), np.float32), np.ones((2, 3), np.float32)])  # fmt: skip
    with pytest.raises(ShapeError, match="time_last"):
        C.op("time_last", [np.zeros((2, 0, 3), np.float32)])
    with pytest.raises(InvalidArgumentError, match="activation"):
        xp = np.zeros((2, 3, 2), np.float32)
        C.op("simple_rnn_scan", [xp, h, h, np.ones((2, 3), np.float32)], {"activation": "softsign"})
