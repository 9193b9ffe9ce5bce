"""A PDF's words as they were written, not as they were typeset.

Typesetting leaves marks in extracted text that cost search and answers: glyphs the font maps to no character,
which pdfminer writes as "(cid:13)" (texinfo's copyright sign, the corners of its boxed examples), ligature
glyphs ("efﬁcient" with U+FB01 is another word than "efficient" to BM25, and the embedding model's vocabulary has
no such glyph), accents set as glyphs of their own before the letter (TeX's "na¨ıve") and words hyphenated at a
line end, which the parser joins with a space ("com- pile").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                            "\ufb05": "st", "\ufb06": "st"})
# A spacing accent, then the letter it sits on (a dotless i under a diaeresis is TeX's i with diaeresis). Only the
# letters each accent is set on in Latin-script words: "it´s", an acute written for an apostrophe, stays; and not
# the grave accent, which is the backquote of code.
_ACCENTS = {"\u00a8": ("\u0308", "aeiouyAEIOUY\u0131"), "\u00b4": ("\u0301", "aeiouyAEIOUY\u0131"),
            "\u02c6": ("\u0302", "aeiouAEIOU\u0131"), "\u02dc": ("\u0303", "anoANO"),
            "\u02c7": ("\u030c", "cszrneCSZRNE"), "\u00b8": ("\u0327", "csCS"), "\u02da": ("\u030a", "auAU")}
_ACCENTED = re.compile("|".join(f"{re.escape(a)}[{letters}]" for a, (_, letters) in _ACCENTS.items()))
_BROKEN = re.compile(r"\b([A-Za-z]*[a-z])- ([a-z][A-Za-z]*)\b")
_HYPHENATED = re.compile(r"\b([A-Za-z]+)-([A-Za-z]+)\b")
_WORD = re.compile(r"[A-Za-z]+")
# "pre- and post-processing": a hyphen left hanging on purpose, before a conjunction.
_SUSPENDED = frozenset({"and", "or", "nor", "to", "as", "vs"})


def word_repair(texts: Iterable[str]) -> Callable[[str], str]:
    """A repair for the texts of one document, which is its own dictionary: a word broken at a line end is
    joined ("com- pile" -> "compile") unless the document writes it with a hyphen elsewhere ("mixed-mode"), or
    both halves are words of the document and the joined form is not ("trace- compilation")."""
    whole = _BROKEN.sub(" ", letters(" ".join(texts)))  # a broken word's halves are no words
    words = {w.lower() for w in _WORD.findall(whole)}
    hyphenated = {f"{a}-{b}".lower() for a, b in _HYPHENATED.findall(whole)}

    def mend(m: re.Match[str]) -> str:
        head, tail = m.group(1), m.group(2)
        if tail in _SUSPENDED:
            return m.group(0)
        joined = (head + tail).lower()
        if f"{head}-{tail}".lower() in hyphenated:
            return f"{head}-{tail}"
        if joined not in words and head.lower() in words and tail in words and len(head) > 2:
            return f"{head}-{tail}"
        return head + tail

    def repair(text: str) -> str:
        return _BROKEN.sub(mend, letters(text))

    return repair


_UNMAPPED = re.compile(r"\(cid:\d+\)")


def letters(text: str) -> str:
    """The text with its glyphs read as letters: unmapped glyphs left out, ligatures and spacing accents undone."""
    text = _UNMAPPED.sub("", text).translate(_LIGATURES)
    if not _ACCENTED.search(text):
        return text
    return _ACCENTED.sub(lambda m: unicodedata.normalize(
        "NFC", m.group(0)[1].replace("\u0131", "i") + _ACCENTS[m.group(0)[0]][0]), text)
