"""Sentence spans with exact character offsets (abbreviation- and decimal-aware, no model needed)."""

from __future__ import annotations

import re

# A sentence ends at end punctuation followed by white space and a capital or digit, at a blank line, before
# a bullet on a new line or after a stop (a printed list run into its paragraph: Lampson's "… follows the other
# path. • When in doubt, use brute force."), or at end punctuation followed by an escaped newline: text exported
# through JSON often keeps a newline as the two characters backslash and n, and without this rule the headed
# sections of structured abstracts ("... risk.   \\n RESULTS ...") run together into one sentence.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*(?:\s+(?=[\"'(\[]?[A-Z0-9]|[•▪◦‣]\s)|\s*(?:\\n\s*)+)|\n{2,}|\n(?=[-*•]\s)")
_ABBREV = re.compile(
    r"(?:\b(?:e\.g|i\.e|eg|ie|et al|etc|vs|Fig|Figs|Dr|Mr|Mrs|Ms|Prof|No|approx|ca|cf|resp|Inc|Ltd|St|U\.S|"
    r"[A-Z])\.)$"
)


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of sentences within text[start:end], trimmed of surrounding white space."""
    stop = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for m in _BOUNDARY.finditer(text, start, stop):
        head = text[cursor : m.start()]
        if _ABBREV.search(head.rstrip("\"')]")):
            continue
        spans.append((cursor, m.start()))
        cursor = m.end()
    spans.append((cursor, stop))
    out = []
    for a, b in spans:
        seg = text[a:b]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg) - len(seg.rstrip())
        if b - trail > a + lead:
            out.append((a + lead, b - trail))
    return out
