"""Traceback filtering: exceptions escaping pykeras's entry points lose pykeras's frames.

Keras 3 does the same (`keras.config.enable_traceback_filtering`, on by
default): an error raised deep inside a layer call or `fit` shows the user's
code and the line that raised, not a dozen internal frames. The exception is
the same object, re-raised with a shorter traceback: its type, message,
`__cause__` and `__context__` are unchanged. `keras.config.
disable_traceback_filtering()` keeps every frame.

The wrapper costs nothing until an exception escapes (a `try` is free in
Python 3.11); the flag is only read then.
"""

from __future__ import annotations

import functools
import os
import types
from collections.abc import Callable
from typing import Any, TypeVar

from pykeras import config

F = TypeVar("F", bound=Callable[..., Any])

# Frames of files under this directory (the pykeras package) are filtered out.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _is_pykeras_frame(tb: types.TracebackType) -> bool:
    return tb.tb_frame.f_code.co_filename.startswith(_PACKAGE_DIR)


def filtered(tb: types.TracebackType | None) -> types.TracebackType | None:
    """`tb` without pykeras's frames; the innermost frame if all were pykeras's."""
    kept = []
    innermost = None
    while tb is not None:
        if not _is_pykeras_frame(tb):
            kept.append(tb)
        innermost = tb
        tb = tb.tb_next
    if not kept and innermost is not None:
        # Nothing but pykeras: keep where it raised, so the traceback still
        # points at the cause (as Keras does).
        kept.append(innermost)
    result = None
    for entry in reversed(kept):
        result = types.TracebackType(result, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return result


def filter_traceback(fn: F) -> F:
    """Decorates a public entry point: an exception escaping it loses pykeras's frames.

    Only while `keras.config.is_traceback_filtering_enabled()`; otherwise the
    exception passes through untouched.
    """

    @functools.wraps(fn)
    def error_handler(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            if not config._TRACEBACK_FILTERING:
                raise
            error = e
        # Re-raised outside the handler, `error` itself keeps its type, message,
        # `__cause__` and `__context__`. The raise line is the one pykeras frame
        # left in a filtered traceback, so its comment is the hint users see.
        short = filtered(error.__traceback__)
        try:
            raise error.with_traceback(short)  # full: keras.config.disable_traceback_filtering()
        finally:
            # The traceback holds this frame: drop the frame's references to it.
            del error, short

    return error_handler  # type: ignore[return-value]
