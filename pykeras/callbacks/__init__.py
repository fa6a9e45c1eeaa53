"""pykeras.callbacks: hooks into `fit`, `evaluate` and `predict`, as in `keras.callbacks`."""

from __future__ import annotations

from pykeras.callbacks.backup_and_restore import BackupAndRestore
from pykeras.callbacks.callback import Callback
from pykeras.callbacks.callback_list import CallbackList
from pykeras.callbacks.csv_logger import CSVLogger
from pykeras.callbacks.early_stopping import EarlyStopping
from pykeras.callbacks.history import History
from pykeras.callbacks.lambda_callback import LambdaCallback
from pykeras.callbacks.learning_rate_scheduler import LearningRateScheduler
from pykeras.callbacks.model_checkpoint import ModelCheckpoint
from pykeras.callbacks.monitor_callback import MonitorCallback
from pykeras.callbacks.orbax_checkpoint import OrbaxCheckpoint
from pykeras.callbacks.progbar_logger import ProgbarLogger
from pykeras.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from pykeras.callbacks.remote_monitor import RemoteMonitor
from pykeras.callbacks.swap_ema_weights import SwapEMAWeights
from pykeras.callbacks.tensorboard import TensorBoard
from pykeras.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = [
    "BackupAndRestore",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "MonitorCallback",
    "OrbaxCheckpoint",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "RemoteMonitor",
    "SwapEMAWeights",
    "TensorBoard",
    "TerminateOnNaN",
]
