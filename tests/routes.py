"""A tiny HTTP server on 127.0.0.1 that answers from a dict of routes, logging every request."""

from __future__ import annotations

from demoworld.local import LocalServer


class RouteServer(LocalServer):
    def __init__(self, routes: dict[str, tuple[int, str, bytes]]) -> None:
        self.routes = routes
        super().__init__()

    def reply(self, path: str) -> tuple[int, dict[str, str], bytes]:
        status, content_type, body = self.routes.get(
            path, self.routes.get(path.split("?")[0], (404, "text/plain", b"not found"))
        )
        return status, {"Content-Type": content_type}, body
