"""Traceback filtering (`keras.config.enable_traceback_filtering` and friends), as in Keras 3.

An exception escaping a layer call or a model entry point loses pykeras's own
frames when filtering is on (the default), keeps them all when it is off, and
is the same exception either way (type, message, cause).
"""

import os
import traceback

import numpy as np
import pytest

import pykeras as keras
from pykeras.engine import traceback_utils

PYKERAS_DIR = os.path.dirname(os.path.abspath(keras.__file__)) + os.sep


@pytest.fixture(autouse=True)
def _restore_filtering():
    before = keras.config.is_traceback_filtering_enabled()
    yield
    if before:
        keras.config.enable_traceback_filtering()
    else:
        keras.config.disable_traceback_filtering()


class Exploding(keras.layers.Layer):
    """A layer whose call fails inside pykeras's ops (a shape mismatch)."""

    def call(self, x):
        return keras.ops.matmul(x, keras.ops.ones((3, 5)))


def _model():
    inputs = keras.Input((4,))
    outputs = keras.layers.Dense(2)(inputs)
    return keras.Model(inputs, outputs)


def user_code_calling_a_layer():
    return Exploding()(np.ones((2, 4), "float32"))


def user_code_calling_predict(model):
    return model.predict(np.ones((2, 7), "float32"), verbose=0)


def _frames(excinfo):
    return [(f.filename, f.name) for f in traceback.extract_tb(excinfo.value.__traceback__)]


def _pykeras_frames(frames):
    return [f for f in frames if f[0].startswith(PYKERAS_DIR)]


def _raise_and_catch(fn, *args):
    with pytest.raises(Exception) as excinfo:
        fn(*args)
    return excinfo


def test_filtering_is_on_by_default_and_round_trips():
    assert keras.config.is_traceback_filtering_enabled() is True
    keras.config.disable_traceback_filtering()
    assert keras.config.is_traceback_filtering_enabled() is False
    keras.config.enable_traceback_filtering()
    assert keras.config.is_traceback_filtering_enabled() is True


def _predict_call():
    model = _model()
    return lambda: user_code_calling_predict(model)


@pytest.mark.parametrize("make_call", [lambda: user_code_calling_a_layer, _predict_call])
def test_enabled_drops_pykeras_frames_and_disabled_keeps_them(make_call):
    call = make_call()
    keras.config.disable_traceback_filtering()
    full = _raise_and_catch(call)
    keras.config.enable_traceback_filtering()
    short = _raise_and_catch(call)

    full_frames, short_frames = _frames(full), _frames(short)
    # Unfiltered: the user's frames and many of pykeras's.
    assert len(_pykeras_frames(full_frames)) >= 3
    # Filtered: the user's frames, in order; of pykeras's, at most the frame that
    # re-raised (the outermost entry point's wrapper, whose line names the switch)
    # and, when every frame under it was pykeras's, the one that raised (as Keras).
    user_full = [f for f in full_frames if not f[0].startswith(PYKERAS_DIR)]
    user_short = [f for f in short_frames if not f[0].startswith(PYKERAS_DIR)]
    assert user_short == user_full
    assert any(name.startswith("user_code_calling") for _, name in user_short)
    leftover = _pykeras_frames(short_frames)
    assert leftover[0][1] == "error_handler"
    assert leftover[1:] in ([], [full_frames[-1]])
    # The same error either way.
    assert type(short.value) is type(full.value)
    assert str(short.value) == str(full.value)


def test_the_exception_object_is_unchanged():
    class Failing(keras.layers.Layer):
        def call(self, x):
            try:
                {}["missing"]
            except KeyError as cause:
                raise ValueError("bad input for Failing") from cause

    with pytest.raises(ValueError, match="bad input for Failing") as excinfo:
        Failing()(np.ones((1, 2), "float32"))
    assert isinstance(excinfo.value.__cause__, KeyError)
    # The user's own `call` (defined here, outside pykeras) stays in the traceback.
    names = [name for _, name in _frames(excinfo)]
    assert "call" in names


def test_disabled_leaves_the_traceback_untouched():
    keras.config.disable_traceback_filtering()

    def direct():
        # Same call without any pykeras wrapper in between: the raising frames
        # must all still be there when filtering is off.
        return Exploding().call(np.ones((2, 4), "float32"))

    inner = _pykeras_frames(_frames(_raise_and_catch(direct)))
    through_layer = _pykeras_frames(_frames(_raise_and_catch(user_code_calling_a_layer)))
    # Every frame under the layer's own `call` appears in the unfiltered traceback.
    assert inner == through_layer[-len(inner) :]


def test_filtered_keeps_the_raising_frame_when_all_frames_are_pykeras():
    def raise_inside_pykeras():
        keras.ops.matmul(np.ones((2, 4), "float32"), np.ones((3, 5), "float32"))

    excinfo = _raise_and_catch(raise_inside_pykeras)
    # Cut the traceback down to pykeras's frames only.
    tb = excinfo.value.__traceback__
    while tb is not None and not tb.tb_frame.f_code.co_filename.startswith(PYKERAS_DIR):
        tb = tb.tb_next
    assert tb is not None
    innermost = tb
    while innermost.tb_next is not None:
        innermost = innermost.tb_next
    kept = traceback_utils.filtered(tb)
    assert kept is not None and kept.tb_next is None
    assert kept.tb_frame is innermost.tb_frame
    assert kept.tb_lineno == innermost.tb_lineno
    assert traceback_utils.filtered(None) is None


@pytest.mark.parametrize(
    "method",
    [
        "compile", "fit", "evaluate", "predict", "train_on_batch", "test_on_batch",
        "predict_on_batch", "save", "save_weights", "load_weights", "get_layer", "summary",
    ],
)  # fmt: skip
def test_model_entry_points_are_filtered(method):
    fn = getattr(keras.Model, method)
    assert getattr(fn, "__wrapped__", None) is not None, method
    assert keras.layers.Layer.__call__.__wrapped__ is not None


def test_fit_error_is_filtered():
    model = _model()
    model.compile(optimizer="sgd", loss="mse")

    def user_fit():
        model.fit(np.ones((4, 9), "float32"), np.ones((4, 2), "float32"), verbose=0)

    keras.config.disable_traceback_filtering()
    full = _raise_and_catch(user_fit)
    keras.config.enable_traceback_filtering()
    short = _raise_and_catch(user_fit)
    assert len(_pykeras_frames(_frames(short))) <= 2 < len(_pykeras_frames(_frames(full)))
    assert str(short.value) == str(full.value)


def test_keyboard_interrupt_is_not_touched():
    class Interrupting(keras.layers.Layer):
        def call(self, x):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as excinfo:
        Interrupting()(np.ones((1, 2), "float32"))
    # Not an Exception: passed through whole, as Keras does.
    assert len(_pykeras_frames(_frames(excinfo))) > 1
