"""Requests in the shared queue as JSON, not pickle: a worker never runs code it reads from Redis.

scrapy-redis pickles requests by default, which turns write access to Redis into code execution
on every worker. This module is a drop-in ``SCHEDULER_SERIALIZER`` (``dumps``/``loads``) for
``Request.to_dict()`` output: bytes, datetimes and dicts with bytes keys (headers) are tagged.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any


def _tag(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode("ascii")}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dict):
        if all(isinstance(key, str) and not key.startswith("$") for key in value):
            return {key: _tag(item) for key, item in value.items()}
        return {"$map": [[_tag(key), _tag(item)] for key, item in value.items()]}
    if isinstance(value, list | tuple):
        return [_tag(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot queue a request whose meta holds a {type(value).__name__}: {value!r}")


def _untag(value: Any) -> Any:
    if isinstance(value, list):
        return [_untag(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "$b" in value:
        return base64.b64decode(value["$b"])
    if "$dt" in value:
        return datetime.fromisoformat(value["$dt"])
    if "$map" in value:
        return {_untag(key): _untag(item) for key, item in value["$map"]}
    return {key: _untag(item) for key, item in value.items()}


def dumps(request_dict: dict[str, Any]) -> bytes:
    return json.dumps(_tag(request_dict), separators=(",", ":")).encode("utf-8")


def loads(data: bytes) -> dict[str, Any]:
    return _untag(json.loads(data))
