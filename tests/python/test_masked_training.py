"""Issue 16, point 2: losses and metrics weigh the masked steps of a masked
output out, as Keras does (values recorded from Keras 3 by
tests/reference/make_masked_training_reference.py)."""

import json
import pathlib
import sys

import numpy as np
import pytest

import pykeras as keras

REFERENCE = pathlib.Path(__file__).resolve().parents[1] / "reference"
sys.path.insert(0, str(REFERENCE))
from masked_training_case import build, case_data  # noqa: E402

RECORD = json.loads((REFERENCE / "data" / "masked_training.json").read_text())


@pytest.mark.parametrize("loss", sorted(RECORD))
def test_masked_steps_weigh_nothing_in_losses_metrics_and_training(loss):
    ref = RECORD[loss]
    x, y = case_data()
    model = build(keras)
    loss_obj = "mse" if loss == "mse" else keras.losses.MeanAbsoluteError()
    model.compile(keras.optimizers.SGD(0.1), loss_obj, metrics=["mae", "mse"])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    for key, value in ref["evaluate"].items():
        np.testing.assert_allclose(logs[key], value, rtol=1e-5, err_msg=key)
    model.fit(x, y, batch_size=3, epochs=1, shuffle=False, verbose=0)
    for got, want in zip(model.get_weights(), ref["weights_after"]):
        np.testing.assert_allclose(got, np.asarray(want, np.float32), rtol=1e-5, atol=1e-6)


def test_the_mask_changes_the_loss():
    """Without its mask (the same values, no Embedding mask) the loss differs:
    the test above cannot pass by accident."""
    x, y = case_data()
    masked = build(keras)
    masked.compile(keras.optimizers.SGD(0.1), "mse")
    preds = masked.predict(x, verbose=0)
    unmasked_mse = float(np.mean((preds - y) ** 2))
    keep = (x != 0)[..., None]
    masked_mse = float(np.sum(((preds - y) ** 2) * keep) / (keep.sum() * 2))
    assert abs(masked.evaluate(x, y, verbose=0) - masked_mse) < 1e-5
    assert abs(unmasked_mse - masked_mse) > 1e-3
