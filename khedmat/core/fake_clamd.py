"""A fake clamd on 127.0.0.1 for tests and the demo: it speaks INSTREAM (clamd(8)) and finds the
EICAR test signature, so the real client code (khedmat.core.malware) runs against a socket."""

from __future__ import annotations

import socketserver
import struct
import threading
from typing import Any, Self

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        command = b""
        while not command.endswith(b"\0") and len(command) < 32:
            data = self.request.recv(1)
            if not data:
                return
            command += data
        if command != b"zINSTREAM\0":
            self.request.sendall(b"UNKNOWN COMMAND\0")
            return
        content = bytearray()
        while True:
            size = struct.unpack("!L", self._exactly(4))[0]
            if size == 0:
                break
            content += self._exactly(size)
        self.server.scanned.append(bytes(content))
        if self.server.broken:
            self.request.sendall(b"INSTREAM size limit exceeded. ERROR\0")
        elif EICAR in content:
            self.request.sendall(b"stream: Win.Test.EICAR_HDB-1 FOUND\0")
        else:
            self.request.sendall(b"stream: OK\0")

    def _exactly(self, count: int) -> bytes:
        data = b""
        while len(data) < count:
            piece = self.request.recv(count - len(data))
            if not piece:
                raise ConnectionError("the client left mid-stream")
            data += piece
        return data


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.scanned: list[bytes] = []
        self.broken = False


class FakeClamd:
    """`with FakeClamd() as clamd: clamd.url` (tcp://127.0.0.1:<port>); `clamd.scanned` holds
    every stream received; `clamd.server.broken = True` makes it answer an error."""

    def __init__(self) -> None:
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.url = f"tcp://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def scanned(self) -> list[bytes]:
        return self.server.scanned

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
