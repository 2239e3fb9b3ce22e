"""An HTTP server on a free 127.0.0.1 port, served from a daemon thread, that logs its requests."""

from __future__ import annotations

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class ThreadingServer(ThreadingHTTPServer):
    """A threaded HTTP server whose listen backlog takes many crawlers connecting at once: with
    the default of 5, the kernel drops further connection attempts and each client waits out a
    one-second retry, which hides the crawler's own speed behind the server's."""

    daemon_threads = True
    request_queue_size = 1024


class LocalServer:
    """Subclasses answer in ``reply()`` (or give a whole ``_handler()``); use as
    ``with Server() as server: server.base``. Every requested path is logged in ``requests``."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.server = ThreadingServer(("127.0.0.1", 0), self._handler())

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Self:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reply(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for a GET of ``path`` (with its query string)."""
        raise NotImplementedError

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                site.requests.append(self.path)
                status, headers, body = site.reply(self.path)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
