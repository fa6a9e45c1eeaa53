"""Notebook display: summary() as HTML, plot_model's inline image, the progress
bar updated in place, and History.plot.

A Jupyter kernel is imitated without a notebook server: an `ipykernel` module
in `sys.modules`, IPython's `get_ipython` returning a shell with a kernel, and
IPython's `display` replaced by a recorder that hands out display handles.
"""

import html
import sys
import types

import numpy as np
import pytest

import pykeras as keras
from pykeras.callbacks.history import History
from pykeras.utils.notebook import RichText, notebook_display, progress_html, strip_ansi
from pykeras.utils.progbar import Progbar

IPython = pytest.importorskip("IPython")
display_module = pytest.importorskip("IPython.display")


class FakeHandle:
    def __init__(self, shown):
        self.updates = [shown]

    def update(self, obj):
        self.updates.append(obj)


class FakeDisplay:
    """Records what is displayed, as IPython's `display` would show it."""

    def __init__(self):
        self.shown = []
        self.handles = []

    def __call__(self, obj, display_id=None):
        self.shown.append(obj)
        if display_id:
            handle = FakeHandle(obj)
            self.handles.append(handle)
            return handle
        return None


@pytest.fixture
def kernel(monkeypatch):
    shell = types.SimpleNamespace(kernel=object())
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    recorder = FakeDisplay()
    monkeypatch.setattr(display_module, "display", recorder)
    return recorder


def small_model():
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, name="hidden"), keras.layers.Dense(1)],
        name="small",
    )
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model


# ------------------------------------------------------------------ detection


def test_no_notebook_outside_a_kernel(monkeypatch):
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    assert notebook_display() is None


def test_a_terminal_ipython_is_not_a_notebook(monkeypatch):
    # ipykernel may be imported in a terminal IPython too; only a kernel shell counts.
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.setattr(IPython, "get_ipython", lambda: types.SimpleNamespace())
    assert notebook_display() is None
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    assert notebook_display() is None


def test_a_kernel_is_a_notebook(kernel):
    assert notebook_display() is kernel


# ------------------------------------------------------------------ summary


def test_summary_is_displayed_as_an_html_table_in_a_notebook(kernel, capsys):
    model = small_model()
    printed = []
    model.summary(print_fn=printed.append)
    capsys.readouterr()
    model.summary()
    assert capsys.readouterr().out == ""
    (shown,) = kernel.shown
    assert isinstance(shown, RichText)
    # The text form is the summary print_fn receives, character for character.
    assert repr(shown) == printed[0]
    page = shown._repr_html_()
    assert page.count("<tr>") == 1 + 2  # the header and one row per layer
    for cell in ["Layer (type)", "Output Shape", "Param #", "hidden (Dense)", "(None, 3)", "15"]:
        assert f">{html.escape(cell)}</t" in page, cell
    assert "Model: &quot;small&quot;" in page
    assert "Total params: 19 (76.00 B)" in page
    assert "Trainable params: 19 (76.00 B)" in page


def test_summary_prints_text_outside_a_notebook(monkeypatch, capsys):
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    model = small_model()
    printed = []
    model.summary(print_fn=printed.append)
    model.summary()
    assert capsys.readouterr().out == printed[0]


def test_summary_with_a_print_fn_is_not_displayed(kernel):
    printed = []
    small_model().summary(print_fn=printed.append)
    assert kernel.shown == [] and len(printed) == 1


def test_summary_follows_disabled_interactive_logging(kernel, caplog):
    keras.config.disable_interactive_logging()
    try:
        with caplog.at_level("INFO", logger="pykeras"):
            small_model().summary()
    finally:
        keras.config.enable_interactive_logging()
    assert kernel.shown == []
    assert 'Model: "small"' in caplog.text


# ------------------------------------------------------------------ progress bar


def test_progress_bar_updates_one_display_in_place(kernel, capsys):
    bar = Progbar(3, interval=0)
    for step in range(1, 4):
        bar.update(step, [("loss", 1.0 / step)])
    assert capsys.readouterr().out == ""
    (handle,) = kernel.handles
    assert len(handle.updates) == 3
    lines = [repr(shown) for shown in handle.updates]
    assert lines[0].startswith("1/3 ━━━━━━")
    assert lines[-1].startswith("3/3 ━━━━━━━━━━━━━━━━━━━━ ")
    assert lines[-1].endswith(" - loss: 0.3333")
    assert all("\x1b" not in line and "\r" not in line and "\b" not in line for line in lines)
    page = handle.updates[-1]._repr_html_()
    assert page.startswith("<pre") and "<b>3/3</b>" in page and "loss: 0.3333" in page


def test_fit_shows_one_updated_bar_per_epoch(kernel, capsys):
    model = small_model()
    x, y = np.random.rand(64, 4), np.random.rand(64, 1)
    model.fit(x, y, epochs=2, batch_size=16, verbose=1)
    out = capsys.readouterr().out
    assert out.split() == ["Epoch", "1/2", "Epoch", "2/2"]
    assert len(kernel.handles) == 2
    for handle in kernel.handles:
        final = repr(handle.updates[-1])
        assert final.startswith("4/4 ━━━━━━━━━━━━━━━━━━━━ ") and " - mae: " in final


def test_verbose_2_prints_lines_in_a_notebook_too(kernel, capsys):
    bar = Progbar(2, verbose=2)
    bar.update(1)
    bar.update(2, [("loss", 0.5)])
    assert capsys.readouterr().out.startswith("2/2 - ")
    assert kernel.shown == []


def test_progress_html_colours_the_bar_and_escapes_text():
    line = "\x1b[1m1/2\x1b[0m \x1b[32m━━\x1b[0m\x1b[37m━━\x1b[0m \x1b[1m0s\x1b[0m - a<b>: 1.0"
    page = progress_html(line)
    assert '<span style="color: #2e9e2e;">━━</span>' in page
    assert '<span style="color: #bbbbbb;">━━</span>' in page
    assert "a&lt;b&gt;: 1.0" in page and "\x1b" not in page
    assert strip_ansi(line) == "1/2 ━━━━ 0s - a<b>: 1.0"


# ------------------------------------------------------------------ plot_model


def test_plot_model_returns_an_inline_svg_and_writes_the_file(tmp_path):
    path = tmp_path / "model.svg"
    shown = keras.utils.plot_model(small_model(), to_file=str(path), show_shapes=True)
    assert isinstance(shown, display_module.SVG)
    assert "<svg" in shown._repr_svg_() and "Dense" in shown._repr_svg_()
    assert path.read_text().lstrip().startswith("<?xml")


def test_plot_model_returns_an_inline_png_and_writes_the_file(tmp_path):
    path = tmp_path / "model.png"
    shown = keras.utils.plot_model(small_model(), to_file=str(path))
    assert isinstance(shown, display_module.Image)
    assert shown.data == path.read_bytes()  # embedded, so the notebook keeps it


def test_plot_model_pdf_is_written_but_not_shown(tmp_path):
    path = tmp_path / "model.pdf"
    assert keras.utils.plot_model(small_model(), to_file=str(path)) is None
    assert path.read_bytes().startswith(b"%PDF")


# ------------------------------------------------------------------ History.plot


def trained_history(validation=True):
    model = small_model()
    x, y = np.random.rand(64, 4), np.random.rand(64, 1)
    return model.fit(x, y, epochs=3, verbose=0, validation_split=0.25 if validation else 0.0)


def test_history_plot_without_matplotlib_names_it(monkeypatch):
    history = trained_history()
    # A None entry makes `import matplotlib.pyplot` fail as if not installed.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"History\.plot needs matplotlib.*pip install"):
        history.plot()


def test_history_plot_draws_one_panel_per_metric(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    history = trained_history()
    fig = history.plot()
    try:
        assert [ax.get_title() for ax in fig.axes] == ["loss", "mae"]
        loss_ax = fig.axes[0]
        labels = [line.get_label() for line in loss_ax.get_lines()]
        assert labels == ["loss", "val_loss"]
        train, val = loss_ax.get_lines()
        assert list(train.get_xdata()) == [1, 2, 3]
        np.testing.assert_allclose(train.get_ydata(), history.history["loss"])
        np.testing.assert_allclose(val.get_ydata(), history.history["val_loss"])
        assert val.get_linestyle() == "--"
        fig.savefig(tmp_path / "history.png")
        assert (tmp_path / "history.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        only = history.plot(metrics=["val_mae"])
        assert [ax.get_title() for ax in only.axes] == ["mae"]
        plt.close(only)
    finally:
        plt.close(fig)


def test_history_plot_bad_input():
    pytest.importorskip("matplotlib")
    with pytest.raises(keras.errors.InvalidArgumentError, match="nothing to plot"):
        History().plot()
    history = trained_history(validation=False)
    with pytest.raises(ValueError, match=r"cannot plot 'accuracy'.*\['loss', 'mae'\]"):
        history.plot(metrics=["accuracy"])
