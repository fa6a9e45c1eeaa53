"""pykeras.utils: summaries, model plots, data helpers and seeding."""

from pykeras.utils.data_utils import PyDataset, Sequence, to_categorical
from pykeras.utils.file_utils import get_file
from pykeras.utils.model_visualization import model_to_dot, plot_model
from pykeras.utils.progbar import Progbar
from pykeras.utils.seeding import set_random_seed
from pykeras.utils.summary import print_summary

__all__ = [
    "Progbar",
    "PyDataset",
    "Sequence",
    "get_file",
    "model_to_dot",
    "plot_model",
    "print_summary",
    "set_random_seed",
    "to_categorical",
]
