"""TensorBoard (read back with TensorBoard's own event reader) and RemoteMonitor
(against a local HTTP server on 127.0.0.1)."""

import http.server
import json
import threading
import urllib.parse

import numpy as np
import pytest

import pykeras as keras

pytest.importorskip("tensorboard", reason="TensorBoard is pykeras's optional `tensorboard` extra")
from tensorboard.backend.event_processing import event_accumulator  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402


def _model():
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)]
    )
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    return model


def _data():
    rng = np.random.RandomState(0)
    x = rng.randn(32, 3).astype(np.float32)
    return x, x.sum(axis=1, keepdims=True)


def _load(run_dir):
    acc = event_accumulator.EventAccumulator(
        str(run_dir), size_guidance={event_accumulator.TENSORS: 0}
    )
    acc.Reload()
    return acc


def _scalars(acc, tag):
    return [
        (event.step, float(tensor_util.make_ndarray(event.tensor_proto)))
        for event in acc.Tensors(tag)
    ]


def test_fit_writes_epoch_scalars_tensorboard_reads_back(tmp_path):
    x, y = _data()
    model = _model()
    history = model.fit(
        x, y, batch_size=8, epochs=3, validation_split=0.25, verbose=0,
        callbacks=[keras.callbacks.TensorBoard(log_dir=tmp_path, histogram_freq=1)],
    )  # fmt: skip
    train = _load(tmp_path / "train")
    tags = set(train.Tags()["tensors"])
    assert {"epoch_loss", "epoch_mae", "epoch_learning_rate", "keras"} <= tags
    losses = _scalars(train, "epoch_loss")
    assert [s for s, _ in losses] == [0, 1, 2]
    np.testing.assert_allclose([v for _, v in losses], history.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(
        [v for _, v in _scalars(train, "epoch_learning_rate")], [0.05] * 3, rtol=1e-6
    )
    val = _load(tmp_path / "validation")
    np.testing.assert_allclose(
        [v for _, v in _scalars(val, "epoch_loss")], history.history["val_loss"], rtol=1e-6
    )
    assert "evaluation_loss_vs_iterations" in val.Tags()["tensors"]
    assert [s for s, _ in _scalars(val, "evaluation_loss_vs_iterations")] == [3, 6, 9]
    # Histograms of every weight, each epoch, under Keras's tags.
    kernel_tag = f"{model.layers[0].kernel.path}/histogram"
    hist = train.Tensors(kernel_tag)
    assert [e.step for e in hist] == [0, 1, 2]
    buckets = tensor_util.make_ndarray(hist[-1].tensor_proto)
    assert buckets[:, 2].sum() == model.layers[0].kernel.numpy().size
    # The model graph, as the Keras-model JSON TensorBoard's graph plugin draws.
    graph = train.Tensors("keras")[0]
    config = json.loads(tensor_util.make_ndarray(graph.tensor_proto).item())
    assert config["class_name"] == "Sequential"
    assert train.SummaryMetadata("keras").plugin_data.plugin_name == "graph_keras_model"


def test_batch_scalars_every_n_batches_and_images(tmp_path):
    x, y = _data()
    model = _model()
    model.fit(
        x, y, batch_size=4, epochs=2, verbose=0,
        callbacks=[keras.callbacks.TensorBoard(
            log_dir=tmp_path, update_freq=3, histogram_freq=2, write_images=True,
            write_graph=False, write_steps_per_second=True,
        )],
    )  # fmt: skip
    train = _load(tmp_path / "train")
    tags = set(train.Tags()["tensors"])
    assert [s for s, _ in _scalars(train, "batch_loss")] == [3, 6, 9, 12, 15]
    assert "epoch_steps_per_second" in tags and "keras" not in tags
    image_tag = f"{model.layers[0].kernel.path}/image"
    images = train.Tensors(image_tag)
    assert [e.step for e in images] == [0]
    width, height, png = tensor_util.make_ndarray(images[0].tensor_proto)
    assert (int(width), int(height)) == (4, 3) and png.startswith(b"\x89PNG")


def test_unwritable_log_dir_raises_oserror_at_construction(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(OSError, match="log_dir"):
        keras.callbacks.TensorBoard(log_dir=blocker / "logs")


@pytest.mark.parametrize(
    "kwargs, message", [({"update_freq": 0}, "update_freq"), ({"profile_batch": 2}, "Profiling")]
)
def test_tensorboard_bad_arguments(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras.callbacks.TensorBoard(log_dir=tmp_path, **kwargs)


class _Recorder(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length).decode()
        type(self).received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Recorder.received = []
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("send_as_json", [False, True])
def test_remote_monitor_posts_each_epoch(server, send_as_json):
    x, y = _data()
    history = _model().fit(
        x, y, epochs=2, verbose=0,
        callbacks=[keras.callbacks.RemoteMonitor(root=server, send_as_json=send_as_json,
                                                 headers={"X-Run": "7"})],
    )  # fmt: skip
    assert len(_Recorder.received) == 2
    for epoch, (path, content_type, body) in enumerate(_Recorder.received):
        assert path == "/publish/epoch/end/"
        if send_as_json:
            assert content_type == "application/json"
            sent = json.loads(body)
        else:
            sent = json.loads(urllib.parse.parse_qs(body)["data"][0])
        assert sent["epoch"] == epoch
        assert sent["loss"] == pytest.approx(history.history["loss"][epoch])


def test_remote_monitor_warns_when_unreachable():
    monitor = keras.callbacks.RemoteMonitor(root="http://127.0.0.1:9")
    with pytest.warns(UserWarning, match="Could not reach"):
        monitor.on_epoch_end(0, {"loss": np.float32(1.0)})
