"""pykeras.utils: summaries, model plots and other helpers."""

from pykeras.utils.model_visualization import model_to_dot, plot_model
from pykeras.utils.summary import print_summary

__all__ = ["model_to_dot", "plot_model", "print_summary"]
