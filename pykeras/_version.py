"""pykeras's version (`pykeras.__version__`), in the base layer so that any
module can read it (a saved `.keras` archive records it)."""

from __future__ import annotations

__version__ = "0.1.0"
