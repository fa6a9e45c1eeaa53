"""Jupyter display: what `summary()` and the progress bar show in a notebook.

Outside a notebook nothing here is used and IPython is never imported. In a
Jupyter kernel (IPython's kernel shell, not a terminal IPython), `summary()`
displays an HTML table and `fit`'s progress bar redraws one output in place
through a display handle; both keep a plain-text form (`__repr__`) for front
ends that show text only. IPython is an optional dependency: every kernel has
it, and pykeras does not require it.
"""

from __future__ import annotations

import html
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

# ANSI colour codes of the terminal bar, dropped from the notebook's text.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def notebook_display() -> Callable[..., Any] | None:
    """IPython's `display` when running in a Jupyter kernel, else None."""
    if "ipykernel" not in sys.modules:
        return None
    try:
        # Optional dependency: present in every Jupyter kernel.
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    return display


def strip_ansi(text: str) -> str:
    """`text` without its ANSI colour codes."""
    return _ANSI.sub("", text)


class RichText:
    """Text that a notebook shows as HTML and a console as plain text.

    Args:
        text: the plain-text form (what `print` would have shown).
        html_text: the HTML form, a fragment.
    """

    def __init__(self, text: str, html_text: str) -> None:
        self.text = text
        self.html = html_text

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return self.html


def summary_html(
    title: str,
    header: Sequence[str],
    alignment: Sequence[str],
    rows: Sequence[Sequence[str]],
    footer: Sequence[str],
) -> str:
    """An HTML table of a model summary: the same title, columns, rows and
    parameter totals as the text table."""
    esc = html.escape
    cell = "padding: 2px 10px; white-space: pre; text-align: {}; border: none;"
    head = "".join(
        f'<th style="{cell.format(align)} border-bottom: 1px solid;">{esc(name)}</th>'
        for name, align in zip(header, alignment)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td style="{cell.format(align)}">{esc(str(value))}</td>'
            for value, align in zip(row, alignment)
        )
        + "</tr>"
        for row in rows
    )
    totals = "".join(f"<div>{esc(line.strip())}</div>" for line in footer)
    return (
        f'<div class="pykeras-summary"><div><b>{esc(title)}</b></div>'
        f'<table style="border-collapse: collapse; font-family: monospace;">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        f'<div style="font-family: monospace;">{totals}</div></div>'
    )


def progress_html(text: str) -> str:
    """The progress bar line as HTML: bold, green and grey where the terminal's
    ANSI codes put them."""
    parts = re.split(r"(\x1b\[[0-9;]*m)", text)
    out, colour = [], None
    for part in parts:
        if part.startswith("\x1b["):
            code = part[2:-1]
            colour = {"32": "#2e9e2e", "37": "#bbbbbb", "1": "bold"}.get(code)
            continue
        if not part:
            continue
        escaped = html.escape(part)
        if colour == "bold":
            out.append(f"<b>{escaped}</b>")
        elif colour:
            out.append(f'<span style="color: {colour};">{escaped}</span>')
        else:
            out.append(escaped)
    return f'<pre style="margin: 0;">{"".join(out)}</pre>'
