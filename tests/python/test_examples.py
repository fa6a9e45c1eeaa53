"""The examples (the README's main job) train to the accuracy one expects."""

import pathlib
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"
sys.path.insert(0, str(EXAMPLES))

import branched_regressor  # noqa: E402
import cnn_digits  # noqa: E402
import mlp_digits  # noqa: E402
import subclassed_digits  # noqa: E402
import ticket_classifier  # noqa: E402


@pytest.mark.parametrize(
    "example, minimum",
    [(mlp_digits, 0.95), (cnn_digits, 0.95), (subclassed_digits, 0.95), (ticket_classifier, 0.95)],
)
def test_classifiers_reach_their_accuracy(example, minimum, capsys):
    accuracy = example.main(verbose=0)
    assert accuracy >= minimum
    assert "Total params" in capsys.readouterr().out


def test_branched_regressor_fits_both_heads():
    r2_first, r2_second = branched_regressor.main()
    assert r2_first > 0.3  # diabetes: a noisy target, linear models reach about 0.4
    assert r2_second > 0.9
