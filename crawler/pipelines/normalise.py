"""Normalise whitespace and Unicode so that equal content hashes mean equal text."""

from __future__ import annotations

import re
import unicodedata

from crawler.items import Document
from crawler.middlewares import CrawlerComponent

_BLANKS = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b]+")


def normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


class NormalisePipeline(CrawlerComponent):
    def process_item(self, item: Document) -> Document:
        item.title = normalise_text(item.title).replace("\n", " ")
        item.text = normalise_text(item.text)
        if item.author:
            item.author = normalise_text(item.author).replace("\n", " ") or None
        return item
