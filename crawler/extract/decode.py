"""Turn page bytes into text: HTTP header, then BOM, then ``<meta charset>``, then detection."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.+-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_:.+-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.-]+)""")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# What browsers really use for these labels (WHATWG Encoding Standard).
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "euc-kr": "cp949",
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
}


class UndecodableError(ValueError):
    """No encoding turns the bytes into text."""


def normalise_encoding(label: str | None) -> str | None:
    """A Python codec name for an encoding label, or None when Python does not know it."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _SUPERSETS.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_encoding(body: bytes, content_type: str | None = None) -> tuple[str | None, str]:
    """The encoding the page declares and where it says so (header, bom, meta, xml)."""
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match and (encoding := normalise_encoding(match.group(1))):
            return encoding, "header"
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return encoding, "bom"
    head = body[:4096]
    match = _XML_DECLARATION.match(head)
    if match and (encoding := normalise_encoding(match.group(1).decode("ascii"))):
        return encoding, "xml"
    match = _META_CHARSET.search(head)
    if match and (encoding := normalise_encoding(match.group(1).decode("ascii", "replace"))):
        return encoding, "meta"
    return None, "none"


# C0 control characters other than tab, newline, form feed and carriage return: text has few.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode ``body``; return the text and the encoding used.

    Raises :class:`UndecodableError` when neither the declared encoding nor detection gives
    text (too many invalid bytes, or binary content that no encoding makes readable).
    """
    text, encoding = _decode(body, content_type)
    controls = len(_CONTROL_CHARACTERS.findall(text, 0, 20000))
    if controls > max(8, len(text[:20000]) // 50):
        raise UndecodableError(f"binary content: {controls} control characters after decoding as {encoding}")
    return text, encoding


def _decode(body: bytes, content_type: str | None) -> tuple[str, str]:
    encoding, where = declared_encoding(body, content_type)
    if encoding:
        if where == "bom":
            body = body[len(_bom_of(body)) :]
        try:
            return body.decode(encoding), encoding
        except UnicodeDecodeError:
            text = body.decode(encoding, errors="replace")
            if text.count("\ufffd") <= max(8, len(text) // 200):
                return text, encoding  # a few stray bytes: keep the declared encoding
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(body[:200_000]).best()
    if best is None or best.encoding is None:
        raise UndecodableError("no encoding decodes this page (binary or corrupt content)")
    encoding = normalise_encoding(best.encoding) or best.encoding
    text = body.decode(encoding, errors="replace")
    if text.count("\ufffd") > max(8, len(text) // 100):
        raise UndecodableError(f"detected {encoding}, but the page does not decode cleanly")
    return text, encoding


def _bom_of(body: bytes) -> bytes:
    return next(bom for bom, _ in _BOMS if body.startswith(bom))
