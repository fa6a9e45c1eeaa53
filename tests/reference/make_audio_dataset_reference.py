"""Records Keras 3's `keras.utils.audio_dataset_from_directory` batches.

This is a generator, not a test. Keras decodes WAV files with TensorFlow
(`tf.audio.decode_wav`), a test oracle only; run it with Keras 3 on JAX:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_audio_dataset_reference.py

It writes a small directory of seeded 16-bit PCM WAV files,
`data/audio_dataset/` (`mono/no`, `mono/yes`: one channel, 8 kHz, clips of
different lengths; `stereo/`: two channels, unlabelled), and
`data/audio_dataset.json`: for each call (its arguments) the batches Keras
yields (audio and labels), and for the shuffled calls Keras's file order
(`index_directory`) and the multiset of clips of each subset (tf.data's
buffer shuffle reorders them in its own way).
"""

import json
import os
import pathlib
import shutil
import wave

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras.src.utils import dataset_utils  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE / "data" / "audio_dataset"
OUT = HERE / "data" / "audio_dataset.json"
RATE = 8000


def write_wav(path, samples, rate=RATE):
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as f:
        f.setnchannels(samples.shape[1])
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes(samples.astype("<i2").tobytes())


def make_directory():
    shutil.rmtree(ROOT, ignore_errors=True)
    rng = np.random.RandomState(0)
    lengths = {"no": [40, 75, 23], "yes": [60, 12, 90, 33]}
    for label, sizes in lengths.items():
        for i, n in enumerate(sizes):
            clip = rng.randint(-32768, 32768, size=(n, 1))
            clip[0, 0] = -32768  # the extremes of 16-bit PCM
            clip[-1, 0] = 32767
            write_wav(ROOT / "mono" / label / f"{label}_{i}.wav", clip)
    for i, n in enumerate([30, 18, 25]):
        write_wav(ROOT / "stereo" / f"clip_{i}.wav", rng.randint(-32768, 32768, size=(n, 2)))
    (ROOT / "mono" / "yes" / "notes.txt").write_text("not audio")


CALLS = [
    {"directory": "mono", "batch_size": 3, "shuffle": False},
    {"directory": "mono", "batch_size": 4, "shuffle": False, "label_mode": "categorical"},
    {"directory": "mono", "batch_size": 2, "shuffle": False, "label_mode": "binary"},
    {"directory": "mono", "batch_size": 4, "shuffle": False, "output_sequence_length": 50},
    {"directory": "mono", "batch_size": None, "shuffle": False},
    {"directory": "mono", "batch_size": 5, "shuffle": False, "class_names": ["yes", "no"]},
    {"directory": "mono", "batch_size": 3, "shuffle": False, "labels": None},
    {"directory": "mono", "batch_size": 3, "shuffle": False, "labels": [1, 0, 1, 1, 0, 0, 1]},
    {
        "directory": "mono",
        "batch_size": 2,
        "shuffle": False,
        "validation_split": 0.3,
        "subset": "both",
    },
    {"directory": "stereo", "batch_size": 2, "shuffle": False, "labels": None},
    {
        "directory": "stereo",
        "batch_size": 2,
        "shuffle": False,
        "labels": None,
        "output_sequence_length": 20,
    },
]
SHUFFLED = [
    {"directory": "mono", "batch_size": 3, "seed": 7},
    {"directory": "mono", "batch_size": 2, "seed": 3, "validation_split": 0.4, "subset": "both"},
    {
        "directory": "mono",
        "batch_size": 2,
        "seed": 11,
        "validation_split": 0.3,
        "subset": "validation",
    },
]


def batches(ds):
    out = []
    for element in ds:
        if isinstance(element, tuple):
            audio, labels = element
            out.append({"audio": np.asarray(audio).tolist(), "labels": np.asarray(labels).tolist()})
        else:
            out.append({"audio": np.asarray(element).tolist()})
    return out


def clips(ds):
    found = []
    for element in ds.unbatch():
        audio, label = element if isinstance(element, tuple) else (element, None)
        found.append(
            [np.asarray(audio).tolist(), None if label is None else np.asarray(label).tolist()]
        )
    return sorted(found, key=json.dumps)


def call(kwargs):
    args = dict(kwargs)
    directory = str(ROOT / args.pop("directory"))
    return keras.utils.audio_dataset_from_directory(directory, verbose=False, **args)


def main():
    make_directory()
    records = []
    for kwargs in CALLS:
        result = call(kwargs)
        parts = result if isinstance(result, tuple) else (result,)
        records.append(
            {
                "kwargs": kwargs,
                "class_names": parts[0].class_names,
                "batches": [batches(p) for p in parts],
                "element_spec": [str(p.element_spec) for p in parts],
            }
        )
    shuffled = []
    for kwargs in SHUFFLED:
        result = call(kwargs)
        parts = result if isinstance(result, tuple) else (result,)
        paths, labels, _ = dataset_utils.index_directory(
            str(ROOT / kwargs["directory"]),
            "inferred",
            formats=(".wav",),
            shuffle=True,
            seed=kwargs["seed"],
            verbose=False,
        )
        shuffled.append(
            {
                "kwargs": kwargs,
                "file_order": [os.path.relpath(p, ROOT / kwargs["directory"]) for p in paths],
                "labels": np.asarray(labels).tolist(),
                "clips": [clips(p) for p in parts],
            }
        )
    meta = {"keras_version": keras.__version__, "sampling_rate": RATE}
    OUT.write_text(json.dumps({"meta": meta, "calls": records, "shuffled": shuffled}))
    print(f"wrote {OUT} and {ROOT}")


if __name__ == "__main__":
    main()
