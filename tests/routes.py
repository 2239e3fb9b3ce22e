"""A tiny HTTP server on 127.0.0.1 that answers from a dict of routes, logging every request."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import Any

from demoworld.local import LocalServer


class RouteServer(LocalServer):
    def __init__(self, routes: dict[str, tuple[int, str, bytes]]) -> None:
        self.routes = routes
        super().__init__()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                owner.requests.append(self.path)
                status, content_type, body = owner.routes.get(
                    self.path, owner.routes.get(self.path.split("?")[0], (404, "text/plain", b"not found"))
                )
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
