"""Progbar: the Keras progress bar, drawn in place on a terminal or one line per epoch.

The text matches Keras 3 character for character (bold counter, green/grey bar,
ETA or elapsed time, time per step, then ` - name: value` pairs), so logs and
screenshots read the same as with Keras.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any, cast

import numpy as np

from pykeras.utils import io_utils
from pykeras.utils.notebook import RichText, notebook_display, progress_html, strip_ansi

_BAR_CHAR = "━"


class Progbar:
    """Displays a progress bar.

    Metrics are averaged over the steps seen (weighted by how many steps each
    update covers) unless listed in `stateful_metrics`, whose values are shown
    as given. Passing `stateless_metrics` instead flips the default: only the
    listed metrics are averaged.

    Args:
        target: Total number of steps expected, `None` if unknown.
        width: Progress bar width on screen, in characters.
        verbose: Verbosity mode: 0 (silent), 1 (a bar updated in place),
            2 (one line when the target is reached).
        interval: Minimum visual progress update interval, in seconds.
        stateful_metrics: Iterable of metric names that should *not* be
            averaged over time. Do not combine with `stateless_metrics`.
        stateless_metrics: Iterable of metric names that *should* be averaged
            over time; all others are shown as given.
        unit_name: Display name for step counts (usually `"step"` or `"sample"`).

    Example (`verbose=2`: one line at the end; the timings vary):

    >>> bar = Progbar(target=10, verbose=2)
    >>> for step in range(1, 11):
    ...     bar.update(step, values=[("loss", 0.5)])
    10/10 - ...s - ...s/step - loss: 0.5000
    """

    def __init__(
        self,
        target: int | None,
        width: int = 20,
        verbose: int = 1,
        interval: float = 0.05,
        stateful_metrics: Iterable[str] | None = None,
        stateless_metrics: Iterable[str] | None = None,
        unit_name: str = "step",
    ) -> None:
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Only one of `stateful_metrics` or `stateless_metrics` can be provided: "
                "`stateful_metrics` lists the metrics not to average (all others are "
                "averaged), `stateless_metrics` lists the metrics to average (all others "
                f"are shown as given). Received: stateful_metrics={stateful_metrics}, "
                f"stateless_metrics={stateless_metrics}"
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics: set[str] | None
        self.stateless_metrics: set[str] | None
        if stateless_metrics is not None:
            self.stateful_metrics = None
            self.stateless_metrics = set(stateless_metrics)
        else:
            self.stateful_metrics = set(stateful_metrics or ())
            self.stateless_metrics = None

        # Redraw in place only where \r and \b are honoured. (Keras also tests
        # `"posix" in sys.modules`, which is true on every Linux and so floods
        # redirected logs with backspaces; we leave that out.)
        self._dynamic_display = (
            (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
            or "ipykernel" in sys.modules
            or "PYCHARM_HOSTED" in os.environ
        )
        # In a Jupyter kernel the bar is one display output updated in place
        # (front ends differ in how they treat \r and \b in a stream).
        self._notebook = notebook_display()
        self._handle: Any = None
        self._seen_so_far = 0
        self._values: dict[str, Any] = {}
        self._values_order: list[str] = []
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def update(self, current: int, values: Any = None, finalize: bool | None = None) -> None:
        """Updates the progress bar.

        Steps may jump by more than one between calls (a trainer that reports
        every few batches): averaged metrics weight each value by the number
        of steps it covers.

        Args:
            current: Index of the current step (1-based count of steps done).
            values: List of `(name, value_for_last_step)` tuples. Names in
                `stateful_metrics` are shown as given, others are averaged.
            finalize: Whether this is the last update. If `None`, defaults to
                `current >= self.target`.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target

        for name, value in values or []:
            self._record(name, value, current, finalize)
        self._seen_so_far = current

        now = time.time()
        time_per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._draw_bar(current, now, time_per_unit, finalize)
        elif self.verbose == 2 and finalize and self.target:
            self._write_summary(current, now, time_per_unit)
        self._last_update = now

    def add(self, n: int, values: Any = None) -> None:
        """Advances the bar by `n` steps; see `update` for `values`."""
        self.update(self._seen_so_far + n, values)

    # ---------------------------------------------------------------- values

    def _is_averaged(self, name: str) -> bool:
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in cast("set[str]", self.stateless_metrics)

    def _record(self, name: str, value: Any, current: Any, finalize: Any) -> None:
        if name not in self._values_order:
            self._values_order.append(name)
        if not self._is_averaged(name) or finalize:
            # The final update carries the epoch's aggregated value: show it
            # as-is rather than folding it into the running average.
            self._values[name] = [value, 1]
            return
        steps = max(current - self._seen_so_far, 1)
        total, count = self._values.get(name, [0.0, 0])
        self._values[name] = [total + value * steps, count + steps]

    def _format_metrics(self) -> Any:
        text = ""
        for name in self._values_order:
            total, count = self._values[name]
            if not isinstance(total, float):
                total = np.mean(total)
            avg = total / max(1, count)
            # Keras's verbose=2 line tests `avg > 1e-3` (so negative values print
            # in exponent form); one rule for both modes reads better.
            text += f" - {name}: {avg:.4f}" if abs(avg) > 1e-3 else f" - {name}: {avg:.4e}"
        return text

    # --------------------------------------------------------------- drawing

    def _draw_bar(self, current: Any, now: Any, time_per_unit: Any, finalize: Any) -> None:
        # ANSI codes do not take room on screen; count them apart so the
        # padding that erases a longer previous line is right.
        invisible = 0
        if self.target:
            bar = f"\x1b[1m{_count(current, self.target)}\x1b[0m "
            invisible += 8
            filled = int(self.width * float(current) / self.target)
            if filled > 0:
                bar += f"\x1b[32m{_BAR_CHAR * filled}\x1b[0m"
                invisible += 9
            bar += f"\x1b[37m{_BAR_CHAR * (self.width - filled)}\x1b[0m"
            invisible += 9
        else:
            bar = f"{int(current):7d}/Unknown"

        if self.target and not finalize:
            clock = _format_eta(time_per_unit * (self.target - current))
        else:
            clock = f"{now - self._start:.0f}s"
        info = f" \x1b[1m{clock}\x1b[0m"
        invisible += 8
        info += _format_time(time_per_unit, self.unit_name)
        info += self._format_metrics()

        total_width = len(bar) + len(info) - invisible
        if self._notebook is not None and io_utils.interactive_logging():
            self._show_in_notebook(bar + info)
            return
        message = "\b" * self._prev_total_width + "\r" if self._dynamic_display else "\n"
        message += bar + info
        if self._prev_total_width > total_width:
            message += " " * (self._prev_total_width - total_width)
        if finalize:
            message += "\n"
        _write(message)
        self._prev_total_width = total_width

    def _show_in_notebook(self, line: str) -> None:
        shown = RichText(strip_ansi(line), progress_html(line))
        if self._handle is None:
            self._handle = cast(Callable[..., Any], self._notebook)(shown, display_id=True)
        else:
            self._handle.update(shown)

    def _write_summary(self, current: Any, now: Any, time_per_unit: Any) -> None:
        line = f"{_count(current, cast(int, self.target))} - {now - self._start:.0f}s -"
        line += _format_time(time_per_unit, self.unit_name)
        line += self._format_metrics()
        _write(line + "\n")

    def _estimate_step_duration(self, current: Any, now: Any) -> Any:
        """Seconds per step, leaving out the (slow, warm-up) first step when possible."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_unit


def _count(current: Any, target: int) -> str:
    """` 3/10`: the step count right-aligned to the target's width."""
    digits = int(math.log10(target)) + 1
    return f"{int(current):{digits}d}/{int(target)}"


def _format_eta(eta: Any) -> Any:
    if eta > 3600:
        return f"{int(eta // 3600)}:{int((eta % 3600) // 60):02d}:{int(eta % 60):02d}"
    if eta > 60:
        return f"{int(eta // 60)}:{int(eta % 60):02d}"
    return f"{int(eta)}s"


def _format_time(time_per_unit: Any, unit_name: str) -> Any:
    """` 12ms/step`-style text: seconds, milliseconds or microseconds per unit."""
    if time_per_unit >= 1 or time_per_unit == 0:
        return f" {time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f" {time_per_unit * 1e3:.0f}ms/{unit_name}"
    return f" {time_per_unit * 1e6:.0f}us/{unit_name}"


def _write(message: str) -> None:
    if not io_utils.interactive_logging():
        # Non-interactive: whole lines to `logging`, no carriage-return redraws.
        text = message.replace("\r", "").replace("\b", "").strip("\n")
        if text.strip():
            io_utils.print_msg(text)
        return
    # Looked up at call time so redirected or captured stdout is honoured.
    try:
        sys.stdout.write(message)
    except UnicodeEncodeError:
        # Consoles without UTF-8 cannot print the bar glyph: fall back to "="
        # (the Keras 2 bar) in the console's own encoding.
        encoding = sys.stdout.encoding or "utf-8"
        encoded = message.replace(_BAR_CHAR, "=").encode(encoding, errors="ignore")
        sys.stdout.write(encoded.decode(encoding))
    sys.stdout.flush()
