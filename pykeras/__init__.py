"""pykeras: Keras's way of building and training neural networks, with a Rust core.

`import pykeras as keras` and write the Keras code you know.
"""

from pykeras import config, errors, ops
from pykeras.config import get_num_threads, set_num_threads

__version__ = "0.1.0"

__all__ = ["config", "errors", "ops", "get_num_threads", "set_num_threads", "__version__"]
