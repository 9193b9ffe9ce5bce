"""A second reader for the text PDFs the first one cannot open.

The parser reads PDFs with pdfminer. Text PDFs that other readers (poppler's `pdftotext`, pypdf, browsers) show
in full came out of it with no text at all: one encrypted under RC4 or AES-128 with an empty user password and
a permissions entry of 0 (every permission off; pdfminer's key derivation fails on it, where the usual negative
entries pass), and one whose cross-reference offsets are wrong (pdfminer finds no page content; the others
rebuild the table). Such a file is read again with pypdf, page by page, its lines joined into paragraphs
(`paragraphs`) and grouped into elements as plain text is, each with its page number.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

log = logging.getLogger("cairn.ingest")


def pypdf_elements(path: Path) -> list[Any]:
    """The file's text as parser elements with page numbers; [] when pypdf reads no text either (a scan, a
    password, a file beyond repair)."""
    import pypdf
    from unstructured.partition.text import partition_text

    try:
        reader = pypdf.PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            return []
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # pypdf's errors are as varied as the damage; this reader only tries its best
        log.info("pypdf could not read %s either: %s: %s", path.name, type(exc).__name__, exc)
        return []
    out: list[Any] = []
    for number, text in enumerate(pages, start=1):
        if not text.strip():
            continue
        for el in partition_text(text=paragraphs(text)):
            el.metadata.page_number = number
            out.append(el)
    return out


# pypdf writes a page's text a line per line, with no blank line between paragraphs, and the plain-text parser made
# each line a paragraph: sentences cut at every line end, in chunks and answer units. A line that fills the page's
# measure goes on in the next, unless it ends a sentence; a shorter one ends its paragraph (a last line, a heading, a
# line of code). A paragraph cut where a sentence ends costs nothing; one run into the heading after it does. A short
# line that opens in capitals and ends no sentence is a heading ("Abstract" under a paper's author lines).
FULL_LINE = 0.75  # of the measure: the length most of the page's long lines reach
MEASURE_QUANTILE = 0.8
MIN_LINES = 5  # lines of prose a page needs for its measure to be read
_SENTENCE_END = re.compile(r"[.!?:]\Z")
_CAPITAL = re.compile(r"[A-Z0-9]")
_ITEM = re.compile(r"\s*(?:[•◦▪‣∙*-]|\d{1,3}[.)]|[a-z][.)])\s")


def paragraphs(text: str) -> str:
    """A page's lines as pypdf writes them, joined into paragraphs separated by blank lines."""
    lines = [line.strip() for line in text.splitlines()]
    long = sorted(len(line) for line in lines if len(line) >= 20)
    if len(long) < MIN_LINES:
        return text
    measure = long[int(MEASURE_QUANTILE * (len(long) - 1))]
    out: list[list[str]] = [[]]
    for raw, line in zip(text.splitlines(), lines, strict=True):
        short = len(line) < FULL_LINE * measure
        heading = short and not _SENTENCE_END.search(line) and _CAPITAL.match(line) is not None
        if not line or (out[-1] and (_ITEM.match(raw) or (heading and not out[-1][-1].endswith(("-", ","))))):
            out.append([])
        if line:
            out[-1].append(line)
            if short or _SENTENCE_END.search(line):
                out.append([])
    return "\n\n".join(" ".join(p) for p in out if p)
