"""Where progress messages go: stdout (interactive logging, the default) or
Python's `logging` under the logger "pykeras", as Keras sends them to absl."""

import logging
import sys

_INTERACTIVE = True


def set_interactive_logging(enabled):
    """Turns interactive logging on (stdout) or off (`logging`)."""
    global _INTERACTIVE
    _INTERACTIVE = bool(enabled)


def interactive_logging():
    """Whether progress messages print to stdout."""
    return _INTERACTIVE


# The public switches (`enable_interactive_logging`, ...) live in
# pykeras.config; pykeras.utils re-exports them.


def print_msg(message, line_break=True):
    """Prints `message` to stdout, or logs it at INFO level when interactive
    logging is off (the line break is then implied)."""
    if _INTERACTIVE:
        sys.stdout.write(message + ("\n" if line_break else ""))
        sys.stdout.flush()
    else:
        logging.getLogger("pykeras").info(message.rstrip("\n"))
