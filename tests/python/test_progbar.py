"""Progbar prints exactly what Keras 3's progress bar prints (strings taken from Keras 3.15)."""

import importlib
import io
import sys

import pytest

progbar_module = importlib.import_module("pykeras.utils.progbar")
Progbar = progbar_module.Progbar

BOLD, GREEN, GREY, RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


class FakeClock:
    """Stands in for the `time` module inside progbar, so durations are exact."""

    def __init__(self, t=100.0):
        self.t = t

    def time(self):
        return self.t


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(progbar_module, "time", fake)
    return fake


def bar(done, width=20):
    """The coloured bar: `done` green cells then grey ones (green omitted when empty)."""
    green = f"{GREEN}{'━' * done}{RESET}" if done else ""
    return f"{green}{GREY}{'━' * (width - done)}{RESET}"


def test_dynamic_display_redraws_in_place(clock, capsys):
    progbar = Progbar(10)
    progbar._dynamic_display = True
    clock.t = 100.012
    progbar.update(1, [("loss", 0.7), ("accuracy", 0.5)])
    clock.t = 100.5
    progbar.update(3, [("loss", 0.5), ("accuracy", 0.75)])
    clock.t = 101.0
    progbar.update(10, [("loss", 0.5), ("accuracy", 0.75)])

    line1 = (
        f"{BOLD} 1/10{RESET} {bar(2)} {BOLD}0s{RESET} 12ms/step - loss: 0.7000 - accuracy: 0.5000"
    )
    # Step 3 covers two steps: averages weight 0.5 twice against 0.7 once.
    line2 = (
        f"{BOLD} 3/10{RESET} {bar(6)} {BOLD}1s{RESET} 244ms/step - loss: 0.5667 - accuracy: 0.6667"
    )
    # The final update shows the final values, and the elapsed time instead of the ETA.
    line3 = (
        f"{BOLD}10/10{RESET} {bar(20)} {BOLD}1s{RESET} 110ms/step - loss: 0.5000 - accuracy: 0.7500"
    )
    expected = "\r" + line1 + "\b" * 73 + "\r" + line2 + "\b" * 74 + "\r" + line3 + "\n"
    assert capsys.readouterr().out == expected


def test_terminal_output_is_detected_from_stdout_isatty(monkeypatch, clock):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert Progbar(10)._dynamic_display
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False, raising=False)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)
    assert not Progbar(10)._dynamic_display


def test_non_terminal_verbose_1_prints_a_new_line_per_update(clock, capsys):
    progbar = Progbar(4)
    progbar._dynamic_display = False
    clock.t = 101.0
    progbar.update(2, [("loss", 1.0)])
    clock.t = 102.0
    progbar.update(4, [("loss", 0.5)])
    expected = (
        f"\n{BOLD}2/4{RESET} {bar(10)} {BOLD}1s{RESET} 500ms/step - loss: 1.0000"
        f"\n{BOLD}4/4{RESET} {bar(20)} {BOLD}2s{RESET} 500ms/step - loss: 0.5000\n"
    )
    assert capsys.readouterr().out == expected


def test_verbose_2_prints_one_line_when_the_target_is_reached(clock, capsys):
    progbar = Progbar(10, verbose=2)
    clock.t = 100.5
    progbar.update(5, [("accuracy", 0.5), ("loss", 0.7)])
    assert capsys.readouterr().out == ""
    clock.t = 101.12
    progbar.update(10, [("accuracy", 0.5), ("loss", 0.7)])
    assert capsys.readouterr().out == "10/10 - 1s - 112ms/step - accuracy: 0.5000 - loss: 0.7000\n"


def test_unknown_target_counts_steps(clock, capsys):
    progbar = Progbar(None)
    progbar._dynamic_display = False
    clock.t = 103.0
    progbar.update(5, [("loss", 0.00001)])
    progbar.update(7, [("loss", 0.5)], finalize=True)
    # Tiny values switch to exponent notation; a shorter line is padded with
    # spaces to erase the longer previous one.
    expected = (
        f"\n      5/Unknown {BOLD}3s{RESET} 600ms/step - loss: 1.0000e-05"
        f"\n      7/Unknown {BOLD}3s{RESET} 429ms/step - loss: 0.5000    \n"
    )
    assert capsys.readouterr().out == expected


def test_stateful_metrics_are_shown_as_given(clock, capsys):
    progbar = Progbar(3, verbose=2, stateful_metrics=["acc"])
    progbar.update(1, [("acc", 0.2), ("loss", 1.0)])
    progbar.update(2, [("acc", 0.4), ("loss", 2.0)])
    clock.t = 103.0
    progbar.update(3, [("acc", 0.6), ("loss", 3.0)], finalize=False)
    progbar.update(3, finalize=True)
    assert capsys.readouterr().out == "3/3 - 3s - 2s/step - acc: 0.6000 - loss: 2.0000\n"


def test_stateless_metrics_empty_shows_every_value_as_given(clock, capsys):
    # What ProgbarLogger uses: the trainer's logs are already running averages.
    progbar = Progbar(10, verbose=2, stateless_metrics=set())
    progbar.update(3, [("loss", 1.0)])
    progbar.update(9, [("loss", 0.25)])
    progbar.update(10, [("loss", 0.5)])
    assert capsys.readouterr().out.endswith("- loss: 0.5000\n")
    assert progbar._values["loss"] == [0.5, 1]


def test_interval_throttles_redraws_but_not_the_final_one(clock, capsys):
    progbar = Progbar(100, interval=1.0)
    progbar._dynamic_display = True
    clock.t = 100.1
    progbar.update(1)
    clock.t = 100.5
    progbar.update(2)  # within the interval: not drawn
    clock.t = 100.6
    progbar.update(100)  # final: always drawn
    out = capsys.readouterr().out
    assert out.count("\r") == 2
    assert "  2/100" not in out
    assert out.endswith("\n")


@pytest.mark.parametrize(
    "seconds_per_step, remaining, eta, per_step",
    [
        (0.0005, 10, "0s", "500us/step"),
        (2.0, 40, "1:20", "2s/step"),
        (2.0, 1900, "1:03:20", "2s/step"),
    ],
)
def test_eta_and_time_per_step_units(clock, capsys, seconds_per_step, remaining, eta, per_step):
    total = remaining + 1
    progbar = Progbar(total)
    progbar._dynamic_display = False
    clock.t = 100.0 + seconds_per_step
    progbar.update(1)
    out = capsys.readouterr().out
    assert f"{BOLD}{eta}{RESET} {per_step}" in out


def test_add_advances_from_the_last_step(clock, capsys):
    progbar = Progbar(4, verbose=2)
    progbar.add(2)
    progbar.add(2)
    assert capsys.readouterr().out.startswith("4/4 - ")


def test_verbose_0_prints_nothing(clock, capsys):
    progbar = Progbar(2, verbose=0)
    progbar.update(1, [("loss", 1.0)])
    progbar.update(2, [("loss", 1.0)])
    assert capsys.readouterr().out == ""


def test_stateful_and_stateless_metrics_together_raise(clock):
    with pytest.raises(ValueError, match="Only one of `stateful_metrics` or `stateless_metrics`"):
        Progbar(2, stateful_metrics=["a"], stateless_metrics=["b"])


def test_consoles_without_utf8_get_an_ascii_bar(clock, monkeypatch):
    raw = io.BytesIO()
    ascii_out = io.TextIOWrapper(raw, encoding="ascii")
    monkeypatch.setattr(sys, "stdout", ascii_out)
    progbar = Progbar(2, width=4)
    progbar._dynamic_display = False
    progbar.update(2)
    ascii_out.flush()
    text = raw.getvalue().decode("ascii")
    assert f"{GREEN}===={RESET}" in text
