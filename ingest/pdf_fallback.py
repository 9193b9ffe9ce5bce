"""A second reader for the text PDFs the first one cannot open.

The parser reads PDFs with pdfminer. Text PDFs that other readers (poppler's `pdftotext`, pypdf, browsers) show
in full came out of it with no text at all: one encrypted under RC4 or AES-128 with an empty user password and
a permissions entry of 0 (every permission off; pdfminer's key derivation fails on it, where the usual negative
entries pass), and one whose cross-reference offsets are wrong (pdfminer finds no page content; the others
rebuild the table). Such a file is read again with pypdf, page by page, and its lines grouped into elements as
plain text is, each with its page number.
"""

from __future__ import annotations

import logging
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
        for el in partition_text(text=text):
            el.metadata.page_number = number
            out.append(el)
    return out
