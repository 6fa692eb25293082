"""A WSGI app served on 127.0.0.1 in a daemon thread: the fake providers for tests and the demo."""

from __future__ import annotations

import socketserver
import threading
from typing import Any, Self
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and left is expected by the fakes, not news


class LocalServer:
    """Serve `app` on 127.0.0.1 in a daemon thread: `with Server(app) as fake: fake.url`."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        # `app` is a WSGI callable with a `stopping` threading.Event, set while the server stops.
        self.host = host
        self.port = port
        self.app = app
        self._server: ThreadingServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        """Bind (port 0: any free port) and serve in a daemon thread."""
        server = make_server(
            self.host,
            self.port,
            self.app,
            server_class=ThreadingServer,
            handler_class=QuietHandler,
        )
        self._server = server
        self.port = server.server_port
        self.app.stopping.clear()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.app.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """http://127.0.0.1:<port>"""
        return f"http://{self.host}:{self.port}"
