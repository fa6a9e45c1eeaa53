"""`keras.utils.audio_dataset_from_directory`: a directory of `.wav` files (one
subdirectory per class) as batches `fit` accepts.

Keras returns a `tf.data.Dataset` of clips decoded by `tf.audio.decode_wav`;
pykeras returns a `PyDataset` of `(audio, labels)` NumPy batches with the same
files, labels, split and `class_names` (the code the image and text datasets
share, `directory_dataset`). Clips are decoded with Python's `wave` module as
`decode_wav` decodes them: 16-bit PCM only, scaled by 1/32768 to float32 in
[-1, 1), shape `(samples, channels)`; each batch is zero-padded to its longest
clip (`padded_batch`), or every clip cut or padded to
`output_sequence_length`.

Resampling: Keras resamples to `sampling_rate` with tensorflow-io's
`tfio.audio.resample` (and raises ImportError whenever `sampling_rate` is set
without tensorflow-io). pykeras does not resample: a resampler of another
library would give clips that differ from Keras's, so a file whose rate is
not `sampling_rate` raises a `ValueError` naming it (resample the files
beforehand, e.g. with `librosa` or `scipy.signal.resample_poly`). Files at
`sampling_rate` are read as they are.
"""

from __future__ import annotations

import wave
from collections.abc import Sequence
from typing import Any

import numpy as np

from pykeras.utils.directory_dataset import DirectoryDataset, check_arguments, from_directory

ALLOWED_FORMATS = (".wav",)


def read_wav(
    path: str, desired_samples: int | None = None, sampling_rate: int | None = None
) -> np.ndarray:
    """The samples of a 16-bit PCM WAV file as float32 `(samples, channels)`,
    in [-1, 1), as `tf.audio.decode_wav` gives them.

    Args:
        path: the file.
        desired_samples: cut or zero-pad the clip to this many samples.
        sampling_rate: the rate the file must have (in samples per second).
    """
    try:
        with wave.open(path, "rb") as f:
            width, channels, rate = f.getsampwidth(), f.getnchannels(), f.getframerate()
            frames = f.readframes(f.getnframes())
    except (wave.Error, EOFError) as e:
        raise ValueError(f"Cannot decode the WAV file {path!r}: {e}") from e
    if width != 2:
        raise ValueError(
            f"Can only read 16-bit WAV files (as tf.audio.decode_wav), but {path!r} has "
            f"{8 * width}-bit samples."
        )
    if sampling_rate is not None and rate != sampling_rate:
        raise ValueError(
            f"The WAV file {path!r} is sampled at {rate} Hz, not at sampling_rate="
            f"{sampling_rate}. pykeras does not resample audio (Keras does it with "
            "tensorflow-io): resample the files beforehand, or pass sampling_rate=None."
        )
    count = len(frames) // (2 * channels)
    samples = np.frombuffer(frames[: count * 2 * channels], "<i2").reshape(count, channels)
    audio = samples.astype(np.float32) / np.float32(32768.0)
    if desired_samples is not None:
        if count >= desired_samples:
            audio = audio[:desired_samples]
        else:
            audio = np.pad(audio, ((0, desired_samples - count), (0, 0)))
    return audio


def pad_batch(clips: Sequence[np.ndarray]) -> np.ndarray:
    """Clips stacked, zero-padded at the end to the longest (`padded_batch`)."""
    longest = max(len(c) for c in clips)
    channels = {c.shape[1] for c in clips}
    if len(channels) > 1:
        raise ValueError(
            "Cannot batch audio clips with different numbers of channels "
            f"({sorted(channels)}): pass batch_size=None or use files with one channel count."
        )
    return np.stack([np.pad(c, ((0, longest - len(c)), (0, 0))) for c in clips])


class AudioDirectoryDataset(DirectoryDataset):
    """Batches of audio clips (float32 `(batch, samples, channels)`) and
    labels read from WAV files.

    Attributes:
        class_names: the class names, in label order (None without labels).
        file_paths: the files, in the order of the first epoch.
        sampling_rate: the rate every file must have (None: any).
        output_sequence_length: the length clips are cut or padded to (None:
            each batch is padded to its longest clip).
    """

    def __init__(
        self,
        paths: Sequence[str],
        labels: Any,
        label_mode: str | None,
        class_names: Any,
        batch_size: int | None,
        sampling_rate: int | None,
        output_sequence_length: int | None,
        shuffle: bool,
        seed: int | None,
    ) -> None:
        self.sampling_rate = sampling_rate
        self.output_sequence_length = output_sequence_length
        super().__init__(
            paths, labels, label_mode, class_names, batch_size, shuffle, seed, self._read
        )

    def _read(self, paths: list[str]) -> Any:
        clips = [read_wav(p, self.output_sequence_length, self.sampling_rate) for p in paths]
        return pad_batch(clips)


def audio_dataset_from_directory(
    directory: Any,
    labels: Any = "inferred",
    label_mode: str | None = "int",
    class_names: Any = None,
    batch_size: int | None = 32,
    sampling_rate: int | None = None,
    output_sequence_length: int | None = None,
    ragged: bool = False,
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    follow_links: bool = False,
    verbose: bool = True,
) -> Any:
    """Generates a dataset from audio files in a directory.

    With `labels="inferred"` the directory holds one subdirectory per class
    (`main_directory/class_a/a_audio_1.wav`, ...); the classes are sorted
    alphanumerically (or given by `class_names`). Only `.wav` files (16-bit
    PCM) are read.

    Args:
        directory: the directory of the data.
        labels: "inferred", None (no labels), or a list of integer labels for
            the files in alphanumeric order.
        label_mode: "int" (default), "categorical" (one-hot), "binary"
            (float32 `(batch, 1)`, 2 classes), or None.
        class_names: the explicit list of class names (inferred labels): the
            subdirectories read, in label order.
        batch_size: the batch size (default 32); None for single clips.
        sampling_rate: the rate (samples per second) the files must have;
            pykeras does not resample (see the module's notes).
        output_sequence_length: cut or zero-pad every clip to this many
            samples; None pads each batch to its longest clip.
        ragged: Keras's ragged batches; pykeras has no ragged tensors, so
            only False is accepted.
        shuffle: shuffle the files (default True), and each epoch.
        seed: seed for the shuffling and the split.
        validation_split: float in (0, 1), the fraction kept for validation.
        subset: "training", "validation" or "both" (a pair of datasets).
        follow_links: follow symbolic links to subdirectories.
        verbose: print the number of files and classes found.

    Returns:
        A `PyDataset` of `(audio, labels)` batches (audio only without
        labels), audio float32 `(batch, samples, channels)`, with
        `class_names` and `file_paths`; a pair of them with `subset="both"`.

    Example:

    >>> train, val = keras.utils.audio_dataset_from_directory(
    ...     "speech_commands", batch_size=64, validation_split=0.2,
    ...     subset="both", seed=0, output_sequence_length=16000)  # doctest: +SKIP
    """
    check_arguments(
        "audio", labels, label_mode, class_names, validation_split, subset, shuffle, seed
    )
    if ragged and output_sequence_length is not None:
        raise ValueError("Cannot set both `ragged` and `output_sequence_length`")
    if ragged:
        raise ValueError(
            "audio_dataset_from_directory: pykeras has no ragged tensors, so `ragged=True` "
            "cannot be honoured. Use ragged=False (each batch is zero-padded to its longest "
            "clip), set `output_sequence_length`, or pass batch_size=None for single clips. "
            "Received: ragged=True"
        )
    if sampling_rate is not None:
        if isinstance(sampling_rate, bool) or not isinstance(sampling_rate, int):
            raise ValueError(
                "`sampling_rate` should have an integer value. "
                f"Received: sampling_rate={sampling_rate}"
            )
        if sampling_rate <= 0:
            raise ValueError(
                f"`sampling_rate` should be higher than 0. Received: sampling_rate={sampling_rate}"
            )
    if output_sequence_length is not None and output_sequence_length <= 0:
        raise ValueError(
            "`output_sequence_length` should be a positive number of samples. "
            f"Received: output_sequence_length={output_sequence_length}"
        )
    if labels is None or label_mode is None:
        labels, label_mode = None, None

    def make(paths: list[str], ids: Any, names: Any, reshuffle: bool, seed: int) -> Any:
        return AudioDirectoryDataset(
            paths, ids, label_mode, names, batch_size, sampling_rate,
            output_sequence_length, reshuffle, seed,
        )  # fmt: skip

    return from_directory(
        directory, "audio files", ALLOWED_FORMATS, labels, label_mode, class_names, shuffle,
        seed, validation_split, subset, follow_links, verbose, make,
        f"Allowed format(s): {ALLOWED_FORMATS}",
    )  # fmt: skip
