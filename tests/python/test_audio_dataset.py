"""`keras.utils.audio_dataset_from_directory` against Keras 3's batches, and the
directory code it shares with the image and text datasets (issue 19, utils).

The WAV directory and Keras's batches were recorded by
tests/reference/make_audio_dataset_reference.py (Keras 3 with TensorFlow's
`decode_wav`) into tests/reference/data/audio_dataset{,.json}.
"""

import json
import pathlib
import wave

import numpy as np
import pytest

import pykeras as keras

DATA = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data"
ROOT = DATA / "audio_dataset"
REFERENCE = json.loads((DATA / "audio_dataset.json").read_text())
RATE = REFERENCE["meta"]["sampling_rate"]


def call(kwargs, **extra):
    args = dict(kwargs)
    directory = ROOT / args.pop("directory")
    return keras.utils.audio_dataset_from_directory(directory, verbose=False, **args, **extra)


def parts(result):
    return result if isinstance(result, tuple) else (result,)


@pytest.mark.parametrize("index", range(len(REFERENCE["calls"])))
def test_batches_match_keras(index):
    record = REFERENCE["calls"][index]
    result = parts(call(record["kwargs"]))
    assert len(result) == len(record["batches"])
    for ds, expected in zip(result, record["batches"]):
        assert ds.class_names == record["class_names"]
        assert len(ds) == len(expected)
        for i, batch in enumerate(expected):
            got = ds[i]
            audio, labels = got if isinstance(got, tuple) else (got, None)
            assert audio.dtype == np.float32
            np.testing.assert_array_equal(audio, np.asarray(batch["audio"], np.float32))
            if "labels" in batch:
                np.testing.assert_array_equal(labels, batch["labels"])
                dtype = np.float32 if record["kwargs"].get("label_mode") else np.int32
                assert labels.dtype == dtype
            else:
                assert labels is None


@pytest.mark.parametrize("index", range(len(REFERENCE["shuffled"])))
def test_shuffled_order_and_split_match_keras(index):
    record = REFERENCE["shuffled"][index]
    kwargs = record["kwargs"]
    result = parts(call(kwargs))
    directory = ROOT / kwargs["directory"]
    order = [str(pathlib.Path(p).relative_to(directory)) for p in result[0].file_paths]
    if kwargs.get("subset") == "validation":
        count = int(kwargs["validation_split"] * len(record["file_order"]))
        assert order == record["file_order"][-count:]
    else:
        assert order == record["file_order"][: len(order)]
    for ds, expected in zip(result, record["clips"]):
        clips = []
        for i in range(len(ds)):
            audio, labels = ds[i]
            clips += [(trimmed(clip), int(label)) for clip, label in zip(audio, labels)]
        # Keras's clips come out of padded batches (tf.data's shuffle orders them its
        # own way): compare the clips without their padding, as multisets.
        keras_clips = [(trimmed(np.asarray(c, np.float32)), label) for c, label in expected]
        assert sorted((c.tolist(), lab) for c, lab in clips) == sorted(
            (c.tolist(), lab) for c, lab in keras_clips
        )


def trimmed(clip):
    """`clip` without its trailing zero rows (every recorded clip ends on 32767)."""
    nonzero = np.flatnonzero(np.abs(clip).sum(axis=-1))
    return clip[: nonzero[-1] + 1]


def test_epochs_reshuffle_but_keep_the_files():
    ds = keras.utils.audio_dataset_from_directory(
        ROOT / "mono", batch_size=7, seed=5, verbose=False
    )
    first = ds[0][1].tolist()
    ds.on_epoch_end()
    second = ds[0][1].tolist()
    assert sorted(first) == sorted(second) == [0, 0, 0, 1, 1, 1, 1]


def test_feeds_fit():
    ds = keras.utils.audio_dataset_from_directory(
        ROOT / "mono", batch_size=4, output_sequence_length=64, seed=1, verbose=False
    )
    model = keras.Sequential(
        [
            keras.Input((64, 1)),
            keras.layers.Conv1D(4, 5, activation="relu"),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(2),
        ]
    )
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_sampling_rate(tmp_path):
    same = keras.utils.audio_dataset_from_directory(
        ROOT / "mono", sampling_rate=RATE, shuffle=False, batch_size=3, verbose=False
    )
    plain = keras.utils.audio_dataset_from_directory(
        ROOT / "mono", shuffle=False, batch_size=3, verbose=False
    )
    np.testing.assert_array_equal(same[0][0], plain[0][0])
    other = keras.utils.audio_dataset_from_directory(
        ROOT / "mono", sampling_rate=16000, shuffle=False, verbose=False
    )
    with pytest.raises(ValueError, match="sampled at 8000 Hz, not at sampling_rate=16000"):
        other[0]
    for bad in (0, -5, 1.5, "16k"):
        with pytest.raises(ValueError, match="sampling_rate"):
            keras.utils.audio_dataset_from_directory(ROOT / "mono", sampling_rate=bad)


def _write(path, width, frames=b"\x00\x00" * 4, channels=1):
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as f:
        f.setnchannels(channels)
        f.setsampwidth(width)
        f.setframerate(RATE)
        f.writeframes(frames)


def test_bad_files_and_arguments(tmp_path):
    _write(tmp_path / "a" / "eight.wav", 1, b"\x80" * 4)
    ds = keras.utils.audio_dataset_from_directory(tmp_path, verbose=False)
    with pytest.raises(ValueError, match="16-bit WAV files.*8-bit"):
        ds[0]
    (tmp_path / "a" / "eight.wav").write_bytes(b"RIFF not a wav")
    with pytest.raises(ValueError, match="Cannot decode the WAV file"):
        keras.utils.audio_dataset_from_directory(tmp_path, verbose=False)[0]
    _write(tmp_path / "a" / "eight.wav", 2)
    _write(tmp_path / "a" / "stereo.wav", 2, b"\x00" * 8, channels=2)
    with pytest.raises(ValueError, match="different numbers of channels"):
        keras.utils.audio_dataset_from_directory(tmp_path, verbose=False)[0]
    unbatched = keras.utils.audio_dataset_from_directory(
        tmp_path, batch_size=None, shuffle=False, verbose=False
    )
    assert unbatched[0][0].shape == (4, 1) and unbatched[1][0].shape == (2, 2)
    with pytest.raises(ValueError, match="ragged"):
        keras.utils.audio_dataset_from_directory(tmp_path, ragged=True)
    with pytest.raises(ValueError, match="Cannot set both `ragged` and"):
        keras.utils.audio_dataset_from_directory(tmp_path, ragged=True, output_sequence_length=4)
    with pytest.raises(ValueError, match="does not exist"):
        keras.utils.audio_dataset_from_directory(tmp_path / "missing_dir", verbose=False)
    with pytest.raises(ValueError, match="exactly 2 class_names"):
        keras.utils.audio_dataset_from_directory(tmp_path, label_mode="binary")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="No audio files found"):
        keras.utils.audio_dataset_from_directory(tmp_path / "empty", labels=None, verbose=False)
    with pytest.raises(ValueError, match="label_mode"):
        keras.utils.audio_dataset_from_directory(tmp_path, label_mode="sparse")
    with pytest.raises(ValueError, match="seed"):
        keras.utils.audio_dataset_from_directory(tmp_path, validation_split=0.5, subset="both")
    with pytest.raises(ValueError, match="class_names"):
        keras.utils.audio_dataset_from_directory(tmp_path, class_names=["zz"])


def test_follow_links(tmp_path):
    _write(tmp_path / "outside" / "clip.wav", 2)
    (tmp_path / "root" / "cls").mkdir(parents=True)
    _write(tmp_path / "root" / "cls" / "own.wav", 2)
    (tmp_path / "root" / "cls" / "linked").symlink_to(tmp_path / "outside")
    kept = keras.utils.audio_dataset_from_directory(tmp_path / "root", verbose=False)
    followed = keras.utils.audio_dataset_from_directory(
        tmp_path / "root", follow_links=True, verbose=False
    )
    assert len(kept.file_paths) == 1 and len(followed.file_paths) == 2


def test_image_dataset_batch_size_none_gives_single_images(tmp_path):
    pil = pytest.importorskip("PIL.Image")
    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        for i in range(2):
            pil.new("RGB", (5, 4), (i * 50, 10, 20)).save(tmp_path / label / f"{i}.png")
    ds = keras.utils.image_dataset_from_directory(
        tmp_path, batch_size=None, image_size=(4, 5), shuffle=False, verbose=False
    )
    assert len(ds) == 4
    image, label = ds[2]
    assert image.shape == (4, 5, 3) and label.shape == () and int(label) == 1
    batched = keras.utils.image_dataset_from_directory(
        tmp_path, batch_size=3, image_size=(4, 5), shuffle=False, verbose=False
    )
    assert batched[0][0].shape == (3, 4, 5, 3)
    np.testing.assert_array_equal(batched[0][0][2], image)


def test_shared_indexing_as_keras(tmp_path):
    for name in ("b", "a", ".hidden"):
        _write(tmp_path / name / "x.wav", 2)
    ds = keras.utils.audio_dataset_from_directory(tmp_path, shuffle=False, verbose=False)
    assert ds.class_names == ["a", "b"]  # hidden directories are skipped
    subset = keras.utils.audio_dataset_from_directory(
        tmp_path, class_names=["b"], shuffle=False, verbose=False
    )
    assert subset.class_names == ["b"] and len(subset.file_paths) == 1
    explicit = keras.utils.audio_dataset_from_directory(
        tmp_path, labels=[3, 1, 3], shuffle=False, verbose=False
    )
    assert explicit.class_names == ["1", "3"]
