"""Parse the many ways pages write dates into timezone-aware UTC datetimes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_NUMERIC = re.compile(
    r"(?P<y>(?:19|20)\d\d)\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?:\s*日)?"
    r"(?:[T\s]+(?P<H>\d{1,2}):(?P<M>\d\d)(?::(?P<S>\d\d)(?:\.\d+)?)?)?"
    r"\s*(?P<tz>Z|[+-]\d\d:?\d\d|UTC|GMT)?",
)


def zone(name: str | None) -> tzinfo:
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def parse_datetime(value: object, *, default_tz: tzinfo = UTC) -> datetime | None:
    """A UTC datetime from ISO 8601, RFC 822, ``YYYY年MM月DD日`` and similar, else None.

    Times written without an offset are read in ``default_tz`` (the site's own zone).
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value).strip()
        if not text:
            return None
        parsed_or_none = _parse_iso(text) or _parse_rfc822(text) or _parse_numeric(text) or _parse_words(text)
        if parsed_or_none is None:
            return None
        parsed = parsed_or_none
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    if not 1990 <= parsed.year <= 2100:
        return None
    return parsed.astimezone(UTC)


def _parse_iso(text: str) -> datetime | None:
    candidate = text.replace("Z", "+00:00") if text.endswith("Z") else text
    try:
        return datetime.fromisoformat(candidate)
    except ValueError:
        return None


def _parse_rfc822(text: str) -> datetime | None:
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _parse_numeric(text: str) -> datetime | None:
    match = _NUMERIC.search(text)
    if not match:
        return None
    parts = match.groupdict()
    try:
        parsed = datetime(
            int(parts["y"]),
            int(parts["m"]),
            int(parts["d"]),
            int(parts["H"] or 0),
            int(parts["M"] or 0),
            int(parts["S"] or 0),
        )
    except ValueError:
        return None
    tz = parts["tz"]
    if tz in ("Z", "UTC", "GMT"):
        return parsed.replace(tzinfo=UTC)
    if tz:
        return _parse_iso(parsed.isoformat() + (tz if ":" in tz else f"{tz[:3]}:{tz[3:]}"))
    return parsed


def _parse_words(text: str) -> datetime | None:
    """English dates in words, as forums print them: ``Sun May 26, 2019 4:34 pm``."""
    from dateutil import parser as date_parser

    text = text.rsplit("»", 1)[-1].strip()
    if not re.search(r"(?:19|20)\d\d", text) or len(text) > 60:
        return None
    try:
        return date_parser.parse(text)
    except (ValueError, OverflowError):
        return None
