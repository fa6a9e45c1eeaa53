"""RemoteMonitor: POST each epoch's logs to a server as JSON."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import warnings
from typing import Any

import numpy as np

from pykeras.callbacks.callback import Callback


class RemoteMonitor(Callback):
    """Sends the logs of every epoch to a server by HTTP POST.

    The body is form-encoded with one field, `field`, holding the logs (and
    `epoch`) as JSON; with `send_as_json=True` the body is that JSON itself,
    with `Content-Type: application/json`. A server that cannot be reached
    gives a warning, not an error, as in Keras.

    Args:
        root: the server's root URL.
        path: the path the events are posted to, relative to `root`.
        field: the form field holding the JSON (form mode only).
        headers: optional extra HTTP headers (a dict).
        send_as_json: post `application/json` instead of a form.

    Example (it posts each epoch's logs to a server, so it needs one listening
    at `root`; skipped when the examples run as tests):

    >>> monitor = pykeras.callbacks.RemoteMonitor(root="http://localhost:9000")
    >>> model.fit(x, y, callbacks=[monitor])  # doctest: +SKIP
    """

    def __init__(
        self,
        root: str = "http://localhost:9000",
        path: str = "/publish/epoch/end/",
        field: str = "data",
        headers: dict[str, str] | None = None,
        send_as_json: bool = False,
    ) -> None:
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json
        self.timeout = 10  # seconds per request, so that a stalled server cannot hang fit

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():
            # np.ndarray and np.generic are not JSON serializable.
            send[key] = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf-8")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(
            self.root + self.path, data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError:
            pass  # the server answered (with an error status): Keras ignores the answer
        except (urllib.error.URLError, OSError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}", stacklevel=2)
