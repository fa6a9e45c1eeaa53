"""Where progress messages go: stdout (interactive logging, the default) or
Python's `logging` under the logger "pykeras", as Keras sends them to absl."""

from __future__ import annotations

import logging
import sys

from pykeras import config

# The switch lives in pykeras.config (`enable_interactive_logging`, ...),
# which pykeras.utils re-exports.


def set_interactive_logging(enabled: bool) -> None:
    """Turns interactive logging on (stdout) or off (`logging`)."""
    if enabled:
        config.enable_interactive_logging()
    else:
        config.disable_interactive_logging()


def interactive_logging() -> bool:
    """Whether progress messages print to stdout."""
    return config.is_interactive_logging_enabled()


def print_msg(message: str, line_break: bool = True) -> None:
    """Prints `message` to stdout, or logs it at INFO level when interactive
    logging is off (the line break is then implied)."""
    if config.is_interactive_logging_enabled():
        sys.stdout.write(message + ("\n" if line_break else ""))
        sys.stdout.flush()
    else:
        logging.getLogger("pykeras").info(message.rstrip("\n"))
